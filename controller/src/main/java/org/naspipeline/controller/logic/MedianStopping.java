package org.naspipeline.controller.logic;

import java.util.ArrayList;
import java.util.List;
import org.naspipeline.api.ExperimentSpec;
import org.naspipeline.api.SchedulerSpec;
import org.naspipeline.api.TrialControl;
import org.naspipeline.api.TrialEvent;
import org.naspipeline.api.TrialStatus;

/**
 * The median stopping rule ({@code "scheduler": {"type": "median", …}}, or the older {@code "earlyStopping": {"rule":
 * "median", …}}): from epoch {@code minEpochs} on (never at the last epoch), once {@code minTrials} search trials
 * completed, an attempt whose best validation accuracy so far is below the median of the completed trials' best at
 * the same epoch is told once to stop.
 */
final class MedianStopping implements TrialScheduler {
    private static final int V = ExperimentSpec.SCHEMA_VERSION;
    private final SchedulerSpec rule;

    MedianStopping(SchedulerSpec rule) {
        this.rule = rule;
    }

    /**
     * After {@code progress} raised {@code trial}'s best-so-far curve to {@code best} at its epoch: adds one
     * {@code stop} for the attempt to {@code effects} when the rule says so.
     */
    @Override
    public void onProgress(ExperimentState state, TrialRecord trial, TrialEvent.Progress progress, double best, Effects effects) {
        if (trial.stopRequested || progress.epoch() < rule.minEpochs() || progress.epoch() >= progress.epochs()) {
            return;
        }
        List<Double> peers = new ArrayList<>();
        for (TrialRecord other : state.trials.all()) {
            if (other.status == TrialStatus.COMPLETED && other.bestValidationByEpoch.size() >= progress.epoch()
                    && !state.isTeacher(other.trialId)) {
                peers.add(other.bestValidationByEpoch.get(progress.epoch() - 1));
            }
        }
        if (peers.size() < rule.minTrials()) {
            return;
        }
        double median = median(peers);
        if (best < median) {
            trial.stopRequested = true;
            effects.controls.add(new TrialControl(V, state.spec.id(), trial.trialId, trial.attempt, TrialControl.Action.STOP,
                    String.format(java.util.Locale.ROOT, "median stopping rule: best validation accuracy %.4f at epoch %d is "
                            + "below the median %.4f of %d completed trials", best, progress.epoch(), median, peers.size())));
        }
    }

    /** The median of {@code values} (the mean of the middle two for an even count). */
    static double median(List<Double> values) {
        double[] v = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }
}
