package org.naspipeline.controller.logic;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.naspipeline.api.Candidate;
import org.naspipeline.api.DatasetSpec;
import org.naspipeline.api.ExperimentSpec;
import org.naspipeline.api.JsonCodec;
import org.naspipeline.api.ModelFamily;
import org.naspipeline.api.TrialMetrics;
import org.naspipeline.api.TrialResult;
import org.naspipeline.api.TrialStatus;
import org.naspipeline.api.ValidationError;
import org.naspipeline.controller.logic.WarmStartExchange.Answer;
import org.naspipeline.controller.logic.WarmStartExchange.Request;
import org.naspipeline.controller.logic.WarmStartExchange.Seed;
import org.naspipeline.strategy.space.SpaceEncoding;

/**
 * An experiment's warm start, kept in its header: whether it still waits for the earlier experiment's answer, and
 * what the answer seeded. The static methods are both ends of the exchange: the earlier experiment's owner
 * answers a {@link Request} ({@link #answer}), the new experiment's owner checks the {@link Answer} it gets.
 */
@JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.ANY, getterVisibility = JsonAutoDetect.Visibility.NONE,
        isGetterVisibility = JsonAutoDetect.Visibility.NONE)
public final class WarmStart {
    /** Most results one answer carries (a safety net: a seed is about 1.3 kB, so the byte cap binds first). */
    public static final int MAX_SEEDS = 1000;
    /** Most bytes of seeds one answer carries, well inside the 1 MiB a record of {@code nas.experiments} may have. */
    public static final int MAX_SEED_BYTES = 768 * 1024;
    /** How many skip reasons an answer names. */
    static final int SKIP_REASONS = 3;
    private static final int V = ExperimentSpec.SCHEMA_VERSION;

    /** The earlier experiment. */
    public String fromExperiment;
    /** True until the answer arrived: the strategy is not asked for candidates before. */
    public boolean waiting;
    /** Results told to the strategy. */
    public int seeded;
    /** Results whose candidate was outside this search space. */
    public int skipped;
    /** Results over the answer's cap. */
    public int leftOut;

    public WarmStart() {}

    WarmStart(String fromExperiment) {
        this.fromExperiment = fromExperiment;
        this.waiting = true;
    }

    /** The request the new experiment {@code spec} (submitted by {@code tenant}, or null) sends to its earlier experiment. */
    public static Request request(ExperimentSpec spec, String tenant) {
        return new Request(WarmStartExchange.REQUEST, V, spec.id(), spec.warmStart().fromExperiment(), tenant, spec);
    }

    /**
     * The earlier experiment's answer to {@code request}: {@code from} is its state (null when the owner does not
     * know it). Refused when it is unknown or another tenant's, searches another dataset or architecture family,
     * or has no completed result in the new search space.
     */
    public static Answer answer(ExperimentState from, Request request) {
        String path = "warmStart.fromExperiment";
        String earlier = request.fromExperiment();
        if (from == null || !java.util.Objects.equals(request.tenant(), from.tenant)) { // another tenant's: as if unknown
            return refused(request, List.of(new ValidationError(path, "experiment '" + earlier + "' is unknown")));
        }
        List<ValidationError> errors = compatibility(from.spec, request.spec());
        if (!errors.isEmpty()) {
            return refused(request, errors);
        }
        List<TrialRecord> completed = new ArrayList<>();
        for (TrialRecord trial : from.trials.all()) {
            if (!from.isTeacher(trial.trialId) && best(from.spec, trial) != null) {
                completed.add(trial);
            }
        }
        if (completed.isEmpty()) {
            return refused(request, List.of(new ValidationError(path,
                    "experiment '" + earlier + "' has no completed trial yet")));
        }
        SpaceEncoding space = new SpaceEncoding(request.spec().searchSpace());
        List<Seed> fitting = new ArrayList<>();
        List<String> reasons = new ArrayList<>();
        for (TrialRecord trial : completed) {
            String outside = outside(space, trial.candidate);
            if (outside != null) {
                if (reasons.size() < SKIP_REASONS) {
                    String reason = trial.trialId + ": " + outside; // bounded: a choice list may be long
                    reasons.add(reason.length() <= 300 ? reason : reason.substring(0, 299) + "…");
                }
                continue;
            }
            TrialRecord.RungResult top = best(from.spec, trial);
            fitting.add(new Seed(trial.trialId, trial.candidate, slim(top.result()), top.epochs(), top.examples()));
        }
        int skipped = completed.size() - fitting.size();
        if (fitting.isEmpty()) {
            return refused(request, List.of(new ValidationError("searchSpace", "none of the " + completed.size()
                    + " completed trials of experiment '" + earlier + "' lies in this search space ("
                    + String.join("; ", reasons) + ")")));
        }
        List<Seed> kept = capped(fitting);
        return new Answer(WarmStartExchange.ANSWER, V, request.experimentId(), earlier, List.of(), kept, skipped, reasons,
                fitting.size() - kept.size());
    }

    /** The answer that refuses {@code request} with {@code errors}. */
    public static Answer refused(Request request, List<ValidationError> errors) {
        return new Answer(WarmStartExchange.ANSWER, V, request.experimentId(), request.fromExperiment(), errors, List.of(), 0,
                List.of(), 0);
    }

    /** Where the two specs differ in kind: the dataset, or the architecture family (or a fixed base model). */
    static List<ValidationError> compatibility(ExperimentSpec earlier, ExperimentSpec next) {
        List<ValidationError> errors = new ArrayList<>();
        String of = " of experiment '" + earlier.id() + "'";
        DatasetSpec a = earlier.dataset();
        DatasetSpec b = next.dataset();
        if (!a.name().equals(b.name())) {
            errors.add(new ValidationError("dataset.name", "'" + b.name() + "' differs from the dataset '" + a.name() + "'" + of));
        } else if (a.readsLabelColumn() && !a.labelColumn().equals(b.labelColumn())) {
            errors.add(new ValidationError("dataset.labelColumn", "'" + b.labelColumn() + "' differs from the label column '"
                    + a.labelColumn() + "'" + of));
        }
        boolean fixedA = earlier.searchSpace().baseModel() != null;
        boolean fixedB = next.searchSpace().baseModel() != null;
        if (fixedA != fixedB) {
            errors.add(new ValidationError(fixedB ? "searchSpace.baseModel" : "searchSpace.architecture", fixedB
                    ? "a compression-only space cannot warm-start from the architecture search" + of
                    : "an architecture search cannot warm-start from the compression-only experiment '" + earlier.id() + "'"));
        } else if (!fixedA) {
            ModelFamily fa = earlier.searchSpace().architecture().family();
            ModelFamily fb = next.searchSpace().architecture().family();
            if (fa != fb) {
                errors.add(new ValidationError("searchSpace.architecture.family", lower(fb) + " differs from the family "
                        + lower(fa) + of));
            }
        }
        return errors;
    }

    private static String lower(ModelFamily family) {
        return family.name().toLowerCase(java.util.Locale.ROOT);
    }

    /** Why {@code candidate} is not a candidate of {@code space}, or null when it is one. */
    static String outside(SpaceEncoding space, Candidate candidate) {
        Candidate decoded;
        try {
            decoded = space.decode(space.encode(candidate));
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
        return decoded.canonicalHash().equals(candidate.canonicalHash()) ? null
                : "compression: settings this space does not search (fine-tuning, low-rank layers, layer dropping, base model or teacher) differ";
    }

    /** The result of the trial's highest rung with its epochs, or null when it completed none. */
    private static TrialRecord.RungResult best(ExperimentSpec spec, TrialRecord trial) {
        if (!trial.rungs.isEmpty()) {
            return trial.rungs.get(trial.rungs.size() - 1);
        }
        if (trial.status == TrialStatus.COMPLETED && trial.result instanceof TrialResult.Completed c) {
            return new TrialRecord.RungResult(0, spec.training().withOverrides(trial.candidate.parameters()).epochs(), c);
        }
        return null;
    }

    /**
     * At most {@link #MAX_SEEDS} seeds of at most {@link #MAX_SEED_BYTES} in all: the most trained and, among
     * those, the most accurate, as many as fit in that order; the kept ones stay in the order they completed.
     */
    static List<Seed> capped(List<Seed> seeds) {
        List<Seed> ranked = new ArrayList<>(seeds);
        ranked.sort(Comparator.comparingLong(Seed::examplesTrained).reversed()
                .thenComparing(Comparator.comparingInt(Seed::epochs).reversed()) // workers that report no training set size
                .thenComparing(s -> -s.result().metrics().accuracy()));
        java.util.Set<Seed> keep = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        long bytes = 0;
        for (Seed s : ranked) {
            int size = JsonCodec.write(s).length;
            if (keep.size() == MAX_SEEDS || bytes + size > MAX_SEED_BYTES) {
                break; // the best that fit, not smaller ones past a bigger that did not
            }
            bytes += size;
            keep.add(s);
        }
        return seeds.stream().filter(keep::contains).toList();
    }

    /** The result without what only the earlier experiment's artifacts need. */
    static TrialResult.Completed slim(TrialResult.Completed c) {
        TrialMetrics m = c.metrics();
        TrialMetrics metrics = new TrialMetrics(m.accuracy(), m.testAccuracy(), m.trainLoss(), m.latencyMsP50(), m.latencyMsP95(),
                m.latencyCv(), m.latencyBatch(), m.latencyBatchMsP50(), m.latencyBatchMsP95(), m.params(), m.nonZeroParams(),
                m.macs(), m.sizeBytes(), m.peakMemoryBytes(), m.trainSeconds(), m.samplesPerSecond(), m.trainSamples(),
                m.validationSamples(), m.testSamples(), m.device(), m.threads(), m.compression(), m.latencyThreads(),
                m.latencyExclusive(), null, null);
        return new TrialResult.Completed(c.schemaVersion(), c.experimentId(), c.trialId(), c.attempt(), c.workerId(), metrics,
                c.artifactUri(), null);
    }

    /**
     * Why the new experiment {@code state} cannot take {@code answer}, or null: it is not waiting for one (already
     * seeded, or ended), the answer comes from another experiment, or a seed is not in its space (an answer no
     * controller wrote).
     */
    static String unfit(ExperimentState state, Answer answer) {
        String id = state.spec.id();
        WarmStart w = state.warmStart;
        if (w == null) {
            return "warm-start answer for experiment '" + id + "', which is not waiting for one (it has no warmStart)";
        }
        if (!w.fromExperiment.equals(answer.fromExperiment())) {
            return "warm-start answer from experiment '" + answer.fromExperiment() + "', but experiment '" + id
                    + "' warm-starts from '" + w.fromExperiment + "'";
        }
        SpaceEncoding space = new SpaceEncoding(state.spec.searchSpace());
        for (int i = 0; i < answer.seeds().size(); i++) {
            String outside = outside(space, answer.seeds().get(i).candidate());
            if (outside != null) {
                return "warm-start answer: seeds[" + i + "].candidate is not in the search space of experiment '" + id + "': " + outside;
            }
        }
        if (!w.waiting || !state.active()) {
            return "warm-start answer for experiment '" + id + "', which is not waiting for one (" + (w.waiting
                    ? "it is " + state.status.name().toLowerCase(java.util.Locale.ROOT) : "it was warm-started already") + ")";
        }
        return null;
    }

    /**
     * The rung of {@code spec}'s scheduler {@code seed}'s result stands for: the highest rung whose epochs (or, when
     * its rungs count examples, whose examples) it reached; 0 when it reached none, and always 0 without a
     * promoting scheduler. A seed of an experiment whose rungs counted examples counts its whole epochs only.
     */
    static int rung(ExperimentSpec spec, Seed seed) {
        if (!TrialScheduler.of(spec).promotes()) {
            return 0;
        }
        long reached = spec.scheduler().countsExamples() ? seed.examplesTrained() : seed.epochsTrained();
        long[] rungs = spec.scheduler().rungs(spec.training());
        int rung = 0;
        for (int k = 0; k < rungs.length; k++) {
            if (reached >= rungs[k]) {
                rung = k;
            }
        }
        return rung;
    }

    /** The event text of a seeded warm start. */
    String summary() {
        return "warm-started from experiment '" + fromExperiment + "': " + seeded + " completed result(s) told to the strategy"
                + (skipped > 0 ? ", " + skipped + " outside this search space skipped" : "")
                + (leftOut > 0 ? ", " + leftOut + " left out over the answer's size cap" : "");
    }
}
