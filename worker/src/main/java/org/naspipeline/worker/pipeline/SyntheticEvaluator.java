package org.naspipeline.worker.pipeline;

import java.util.function.BooleanSupplier;
import org.naspipeline.api.ExperimentSpec;
import org.naspipeline.api.TrialEvent;
import org.naspipeline.api.TrialMetrics;
import org.naspipeline.api.TrialRequest;
import org.naspipeline.api.TrialResult;

/**
 * A stand-in evaluator for load, crash and benchmark tests of the control plane; it trains nothing. It waits
 * {@code delayMillis} per trial (split over the requested epochs, with a progress report after each) and returns
 * metrics that are a deterministic function of the candidate, labelled {@code device = "synthetic"} so they can
 * never pass for measurements.
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
        TrialMetrics m = metricsOf(req);
        for (int e = 1; e <= epochs; e++) {
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
        return new TrialResult.Completed(ExperimentSpec.SCHEMA_VERSION, req.experimentId(), req.trialId(), req.attempt(),
                workerId, m, null);
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
