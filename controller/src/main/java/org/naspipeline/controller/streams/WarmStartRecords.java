package org.naspipeline.controller.streams;

import org.naspipeline.api.Errors;
import org.naspipeline.api.ExperimentSpec;
import org.naspipeline.api.InvalidInputException;
import org.naspipeline.api.JsonCodec;
import org.naspipeline.api.RecordChecks;
import org.naspipeline.api.ValidationError;
import org.naspipeline.controller.logic.WarmStart;
import org.naspipeline.controller.logic.WarmStartExchange;
import org.naspipeline.controller.logic.WarmStartExchange.Answer;
import org.naspipeline.controller.logic.WarmStartExchange.Request;
import org.naspipeline.controller.logic.WarmStartExchange.Seed;

/**
 * Reads the warm-start records as they arrive from {@code nas.experiments}, where any client can have written them:
 * parsed as internal records ({@link JsonCodec#read}), then every field the controller relies on is checked and the
 * record key must be the experiment the record is for. Anything else throws {@link InvalidInputException} with
 * path-precise errors, for the dead-letter topic.
 */
final class WarmStartRecords {
    private WarmStartRecords() {}

    /** A request, keyed by the earlier experiment. */
    static Request request(String key, byte[] value) {
        Request r = JsonCodec.read(value, Request.class);
        Errors errors = new Errors();
        header(errors, r.internal(), WarmStartExchange.REQUEST, r.schemaVersion());
        experimentId(errors, "experimentId", r.experimentId());
        experimentId(errors, "fromExperiment", r.fromExperiment());
        if (r.tenant() != null) {
            RecordChecks.id(errors, "tenant", r.tenant());
        }
        if (errors.required("spec", r.spec())) {
            r.spec().validate().forEach(e -> errors.add("spec." + e.path(), e.message()));
            if (r.experimentId() != null && !r.experimentId().equals(r.spec().id())) {
                errors.add("spec.id", "must be the experimentId '" + RecordChecks.abbreviate(r.experimentId()) + "'");
            }
            if (r.spec().warmStart() == null || !r.spec().warmStart().fromExperiment().equals(r.fromExperiment())) {
                errors.add("spec.warmStart.fromExperiment", "must be the fromExperiment of the request");
            }
        }
        keyMatches(errors, key, "fromExperiment", r.fromExperiment());
        errors.throwIfAny();
        return r;
    }

    /** An answer, keyed by the new experiment. */
    static Answer answer(String key, byte[] value) {
        Answer a = JsonCodec.read(value, Answer.class);
        Errors errors = new Errors();
        header(errors, a.internal(), WarmStartExchange.ANSWER, a.schemaVersion());
        experimentId(errors, "experimentId", a.experimentId());
        experimentId(errors, "fromExperiment", a.fromExperiment());
        boolean refused = false;
        if (errors.required("errors", a.errors())) {
            for (int i = 0; i < a.errors().size(); i++) {
                ValidationError e = a.errors().get(i);
                if (errors.required("errors[" + i + "]", e)) {
                    errors.required("errors[" + i + "].path", e.path());
                    errors.required("errors[" + i + "].message", e.message());
                }
            }
            refused = !a.errors().isEmpty();
        }
        if (errors.required("seeds", a.seeds())) {
            if (refused != a.seeds().isEmpty()) {
                errors.add("seeds", refused ? "must be empty when the answer has errors"
                        : "must not be empty when the answer has no errors");
            }
            if (a.seeds().size() > WarmStart.MAX_SEEDS) {
                errors.add("seeds", "must hold at most " + WarmStart.MAX_SEEDS + " seeds (got " + a.seeds().size() + ")");
            }
            for (int i = 0; i < a.seeds().size() && errors.isEmpty(); i++) {
                seed(errors, "seeds[" + i + "]", a.seeds().get(i));
            }
        }
        if (errors.required("skippedReasons", a.skippedReasons())) {
            for (int i = 0; i < a.skippedReasons().size(); i++) {
                errors.required("skippedReasons[" + i + "]", a.skippedReasons().get(i));
            }
        }
        if (a.skipped() < 0 || a.leftOut() < 0) {
            errors.add(a.skipped() < 0 ? "skipped" : "leftOut", "must not be negative");
        }
        keyMatches(errors, key, "experimentId", a.experimentId());
        errors.throwIfAny();
        return a;
    }

    private static void seed(Errors errors, String at, Seed s) {
        if (!errors.required(at, s)) {
            return;
        }
        RecordChecks.id(errors, at + ".trialId", s.trialId());
        if (errors.required(at + ".candidate", s.candidate())) {
            errors.required(at + ".candidate.architecture", s.candidate().architecture());
            if (s.candidate().compression() != null) {
                s.candidate().compression().check(errors, at + ".candidate.compression");
            }
        }
        if (s.epochs() < 1) {
            errors.add(at + ".epochs", "must be at least 1 (got " + s.epochs() + ")");
        }
        if (errors.required(at + ".result", s.result())) {
            try { // the checks of a completed result on nas.trial-results, at this seed's path
                RecordChecks.trialEvent(s.result().experimentId(), JsonCodec.write(s.result()));
            } catch (InvalidInputException e) {
                e.errors().forEach(err -> errors.add(at + ".result." + err.path(), err.message()));
            }
            if (s.trialId() != null && !s.trialId().equals(s.result().trialId())) {
                errors.add(at + ".result.trialId", "must be the seed's trialId '" + RecordChecks.abbreviate(s.trialId()) + "'");
            }
        }
    }

    private static void header(Errors errors, String internal, String expected, int schemaVersion) {
        if (!expected.equals(internal)) {
            errors.add("internal", "must be '" + expected + "'");
        }
        if (schemaVersion != ExperimentSpec.SCHEMA_VERSION) {
            errors.add("schemaVersion", "unsupported version " + schemaVersion + " (this build reads " + ExperimentSpec.SCHEMA_VERSION + ")");
        }
    }

    private static void experimentId(Errors errors, String path, String id) {
        if (errors.required(path, id) && !ExperimentSpec.ID_PATTERN.matcher(id).matches()) {
            errors.add(path, "must be an experiment id (got '" + RecordChecks.abbreviate(id) + "')");
        }
    }

    private static void keyMatches(Errors errors, String key, String field, String id) {
        if (id != null && !id.equals(key)) {
            errors.add("$key", "'" + RecordChecks.abbreviate(String.valueOf(key)) + "' differs from " + field + " '"
                    + RecordChecks.abbreviate(id) + "'");
        }
    }
}
