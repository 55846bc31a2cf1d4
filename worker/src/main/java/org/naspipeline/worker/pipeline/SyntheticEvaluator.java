package org.naspipeline.worker.pipeline;

import java.util.function.BooleanSupplier;
import org.naspipeline.api.Checkpoint;
import org.naspipeline.api.ExperimentSpec;
import org.naspipeline.api.Fidelity;
import org.naspipeline.api.TrialEvent;
import org.naspipeline.api.TrialMetrics;
import org.naspipeline.api.TrialRequest;
import org.naspipeline.api.TrialResult;

/**
 * A stand-in evaluator for load, crash and benchmark tests of the control plane; it trains nothing. It waits
 * {@code delayMillis} per trial (split over the requested epochs, with a progress report after each) and returns
 * metrics that are a deterministic function of the candidate, labelled {@code device = "synthetic"} so they can
 * never pass for measurements. A request of a multi-fidelity scheduler (with a {@link org.naspipeline.api.Fidelity})
 * continues its epoch counter from the checkpoint it names, its accuracy grows with the epochs trained (up to the
 * candidate's at the schedule's last epoch), and it reports a {@code synthetic:} checkpoint that holds nothing.
 */
public final class SyntheticEvaluator implements TrialEvaluator {
    private final String workerId;
    private final long delayMillis;

    /** An evaluator taking {@code delayMillis} per trial. */
    public SyntheticEvaluator(String workerId, long delayMillis) {
        this.workerId = workerId;
        this.delayMillis = delayMillis;
    }

    /** The synthetic metrics of a request: accuracy and latency drawn from the candidate's canonical hash. */
    public static TrialMetrics metricsOf(TrialRequest req) {
        long h = Long.parseUnsignedLong(req.candidate().canonicalHash(), 16);
        double accuracy = 0.5 + 0.5 * ((h >>> 11) % 10_000) / 10_000.0;
        double latency = 0.2 + ((h >>> 40) % 1000) / 100.0;
        return TrialMetrics.synthetic(accuracy, latency, 1000 + (h & 0xFFFFF));
    }

    @Override
    public TrialResult run(TrialRequest req, ProgressListener progress, BooleanSupplier cancelled) {
        int epochs = req.training().epochs();
        Fidelity fidelity = req.fidelity();
        if (fidelity != null && fidelity.countsExamples()) {
            return runExamples(req, fidelity, progress, cancelled);
        }
        TrialMetrics m = fidelity == null ? metricsOf(req) : atEpochs(metricsOf(req), epochs, fidelity.scheduleEpochs());
        int first = fidelity != null && fidelity.resumeFrom() != null ? fidelity.resumeEpoch() + 1 : 1;
        for (int e = first; e <= epochs; e++) {
            try {
                Thread.sleep(delayMillis / epochs);
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                throw new TrialCancelledException("synthetic trial " + req.trialId() + " interrupted");
            }
            if (cancelled.getAsBoolean()) {
                throw new TrialCancelledException("synthetic trial " + req.trialId() + " cancelled at epoch " + e);
            }
            double acc = m.accuracy() * e / epochs;
            progress.onEpoch(new TrialEvent.Progress(ExperimentSpec.SCHEMA_VERSION, req.experimentId(), req.trialId(),
                    req.attempt(), e, epochs, 1 - acc, acc, acc, 0));
        }
        Checkpoint checkpoint = fidelity == null ? null : new Checkpoint(
                fidelity.saveCheckpoint() ? "synthetic:" + req.trialId() + "/attempt-" + req.attempt() : null, epochs,
                first > 1 ? first - 1 : null, null);
        return new TrialResult.Completed(ExperimentSpec.SCHEMA_VERSION, req.experimentId(), req.trialId(), req.attempt(),
                workerId, m, null, checkpoint);
    }

    /**
     * A request whose rung counts training examples: there is no training set, so one report, as epoch 1 of 1, after
     * the delay; the accuracy is short of the candidate's by the share of the schedule's examples not yet trained, and
     * the checkpoint says the rung's examples (and where it continued from).
     */
    private TrialResult runExamples(TrialRequest req, Fidelity f, ProgressListener progress, BooleanSupplier cancelled) {
        try {
            Thread.sleep(delayMillis);
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new TrialCancelledException("synthetic trial " + req.trialId() + " interrupted");
        }
        if (cancelled.getAsBoolean()) {
            throw new TrialCancelledException("synthetic trial " + req.trialId() + " cancelled at " + f.examples() + " examples");
        }
        TrialMetrics m = atFraction(metricsOf(req), (double) f.examples() / f.scheduleExamples());
        progress.onEpoch(new TrialEvent.Progress(ExperimentSpec.SCHEMA_VERSION, req.experimentId(), req.trialId(),
                req.attempt(), 1, 1, 1 - m.accuracy(), m.accuracy(), m.accuracy(), 0));
        Checkpoint checkpoint = new Checkpoint(f.saveCheckpoint() ? "synthetic:" + req.trialId() + "/attempt-" + req.attempt()
                : null, 1, null, null, f.examples(), f.resumeExamples());
        return new TrialResult.Completed(ExperimentSpec.SCHEMA_VERSION, req.experimentId(), req.trialId(), req.attempt(),
                workerId, m, null, checkpoint);
    }

    /** The candidate's metrics after {@code epochs} of {@code scheduleEpochs}: accuracy lower by up to 0.1 before the end. */
    static TrialMetrics atEpochs(TrialMetrics full, int epochs, int scheduleEpochs) {
        return atFraction(full, (double) epochs / scheduleEpochs);
    }

    /** The candidate's metrics after a share {@code trained} of its schedule: accuracy lower by up to 0.1 before the end. */
    static TrialMetrics atFraction(TrialMetrics full, double trained) {
        double accuracy = full.accuracy() - 0.1 * (1 - trained);
        return TrialMetrics.synthetic(accuracy, full.latencyMsP50(), full.sizeBytes());
    }

    @Override
    public String engine() {
        return "synthetic (no engine)";
    }

    @Override
    public String device() {
        return "synthetic";
    }
}
