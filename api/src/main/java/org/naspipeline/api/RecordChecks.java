package org.naspipeline.api;

import java.util.List;

/**
 * Reads the pipeline's internal records as they arrive from a topic, where any client can have written them:
 * besides parsing ({@link JsonCodec#read}), every field a consumer relies on is checked (ids present and bounded,
 * attempts positive, metrics present on a completed result), and the id the topic is keyed by must match the
 * record key. Anything else throws {@link InvalidInputException} with path-precise errors, for the dead-letter
 * topic; nothing past these methods has to guard against null ids or missing parts.
 */
public final class RecordChecks {
    /** Longest id (experiment, trial, worker) a record may carry. */
    public static final int MAX_ID_LENGTH = 256;

    private RecordChecks() {}

    /** A trial request from {@link Topics#TRIALS} (key = trialId). */
    public static TrialRequest trialRequest(String key, byte[] value) {
        TrialRequest r = JsonCodec.read(present(value), TrialRequest.class);
        Errors errors = new Errors();
        ids(errors, r.experimentId(), r.trialId(), r.attempt());
        if (errors.required("candidate", r.candidate())) {
            errors.required("candidate.architecture", r.candidate().architecture());
            if (r.candidate().compression() != null) {
                r.candidate().compression().check(errors, "candidate.compression");
            }
        }
        errors.required("dataset", r.dataset());
        if (errors.required("training", r.training()) && r.fidelity() != null) {
            r.fidelity().validate(errors, "fidelity", r.training().epochs());
        }
        if (r.slot() != null && r.slot() < 0) {
            errors.add("slot", "must be at least 0 (got " + r.slot() + ")");
        }
        keyMatches(errors, key, "trialId", r.trialId());
        errors.throwIfAny();
        return r;
    }

    /** A worker report from {@link Topics#TRIAL_RESULTS} (key = experimentId). */
    public static TrialEvent trialEvent(String key, byte[] value) {
        TrialEvent e = JsonCodec.read(present(value), TrialEvent.class);
        Errors errors = new Errors();
        ids(errors, e.experimentId(), e.trialId(), e.attempt());
        if (e instanceof TrialResult r) {
            id(errors, "workerId", r.workerId());
        } else if (e instanceof TrialEvent.Started s) {
            id(errors, "workerId", s.workerId());
        }
        if (e instanceof TrialResult.Completed c) {
            if (errors.required("metrics", c.metrics())) {
                finite(errors, "metrics.accuracy", c.metrics().accuracy());
                finite(errors, "metrics.testAccuracy", c.metrics().testAccuracy());
                finite(errors, "metrics.latencyMsP50", c.metrics().latencyMsP50());
                finite(errors, "metrics.latencyMsP95", c.metrics().latencyMsP95());
                layers(errors, c.metrics().layers());
                inference(errors, c.metrics().inference());
            }
            if (c.checkpoint() != null) {
                c.checkpoint().validate(errors, "checkpoint");
            }
        } else if (e instanceof TrialEvent.Progress p) {
            if (p.epoch() < 1 || p.epochs() < p.epoch()) {
                errors.add("epoch", "must be in [1, epochs] (got " + p.epoch() + " of " + p.epochs() + ")");
            }
            finite(errors, "validationAccuracy", p.validationAccuracy());
        }
        keyMatches(errors, key, "experimentId", e.experimentId());
        errors.throwIfAny();
        return e;
    }

    /** An instruction from {@link Topics#TRIAL_CONTROL} (key = trialId). */
    public static TrialControl trialControl(String key, byte[] value) {
        TrialControl c = JsonCodec.read(present(value), TrialControl.class);
        Errors errors = new Errors();
        ids(errors, c.experimentId(), c.trialId(), c.attempt());
        errors.required("action", c.action());
        keyMatches(errors, key, "trialId", c.trialId());
        errors.throwIfAny();
        return c;
    }

    private static byte[] present(byte[] value) {
        if (value == null) {
            throw new InvalidInputException(List.of(new ValidationError("$", "the record has no value (a tombstone)")));
        }
        return value;
    }

    private static void ids(Errors errors, String experimentId, String trialId, int attempt) {
        id(errors, "experimentId", experimentId);
        id(errors, "trialId", trialId);
        if (attempt < 1) {
            errors.add("attempt", "must be at least 1 (got " + attempt + ")");
        }
    }

    /** Checks that an id is present, not blank and at most {@link #MAX_ID_LENGTH} characters. */
    public static void id(Errors errors, String path, String id) {
        if (!errors.required(path, id)) {
            return;
        }
        if (id.isBlank()) {
            errors.add(path, "must not be blank");
        } else if (id.length() > MAX_ID_LENGTH) {
            errors.add(path, "must be at most " + MAX_ID_LENGTH + " characters (got " + id.length() + ")");
        }
    }

    /** A layer table, where present: every row with its path and description, counts and dimensions not negative. */
    private static void layers(Errors errors, List<TrialMetrics.Layer> layers) {
        for (int i = 0; layers != null && i < layers.size(); i++) {
            String at = "metrics.layers[" + i + "]";
            TrialMetrics.Layer l = layers.get(i);
            if (!errors.required(at, l)) {
                continue;
            }
            errors.required(at + ".path", l.path());
            errors.required(at + ".layer", l.layer());
            if (l.params() < 0 || l.nonZeroParams() < 0 || l.macs() < 0) {
                errors.add(at, "params, nonZeroParams and macs must not be negative");
            }
            if (l.outputShape() != null && l.outputShape().stream().anyMatch(d -> d == null || d < 0)) {
                errors.add(at + ".outputShape", "must be a list of dimensions, none negative (got " + l.outputShape() + ")");
            }
        }
    }

    /**
     * The inference block, where present: runtime and model named, files plain names (a client joins them to the
     * attempt's location, so a path must not lead out of it), the measured model among them or a directory of the
     * attempt, and an accuracy in [0, 1].
     */
    private static void inference(Errors errors, TrialMetrics.Inference inference) {
        if (inference == null) {
            return;
        }
        String at = "metrics.inference";
        errors.required(at + ".runtime", inference.runtime());
        if (errors.required(at + ".model", inference.model())) {
            fileName(errors, at + ".model", inference.model());
        }
        for (int i = 0; i < inference.kernels().size(); i++) {
            errors.required(at + ".kernels[" + i + "]", inference.kernels().get(i));
        }
        for (int i = 0; i < inference.files().size(); i++) {
            if (errors.required(at + ".files[" + i + "]", inference.files().get(i))) {
                fileName(errors, at + ".files[" + i + "]", inference.files().get(i));
            }
        }
        if (inference.fp32TestAccuracy() != null) {
            errors.range(at + ".fp32TestAccuracy", inference.fp32TestAccuracy(), 0, 1);
        }
    }

    /** A file name of an attempt: letters, digits, dot, dash and underscore, not {@code .} or {@code ..}. */
    private static void fileName(Errors errors, String path, String name) {
        if (!name.matches("[A-Za-z0-9._-]{1,100}") || name.equals(".") || name.equals("..")) {
            String shown = name.length() > 60 ? name.substring(0, 60) + "…" : name;
            errors.add(path, "must be a plain file name of letters, digits, '.', '-' or '_' (got "
                    + new String(JsonCodec.write(shown), java.nio.charset.StandardCharsets.UTF_8) + ")");
        }
    }

    private static void finite(Errors errors, String path, double value) {
        if (!Double.isFinite(value)) {
            errors.add(path, "must be a finite number (got " + value + ")");
        }
    }

    private static void keyMatches(Errors errors, String key, String field, String id) {
        if (key == null) {
            errors.add("$key", "the record has no key (expected the " + field + ")");
        } else if (id != null && !key.equals(id)) {
            errors.add("$key", "'" + abbreviate(key) + "' differs from " + field + " '" + abbreviate(id) + "'");
        }
    }

    /** At most 80 characters of {@code s}, for messages about values that may be huge. */
    public static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 77) + "…";
    }
}
