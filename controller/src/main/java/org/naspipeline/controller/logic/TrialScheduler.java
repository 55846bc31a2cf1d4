package org.naspipeline.controller.logic;

import java.util.List;
import org.naspipeline.api.ExperimentSpec;
import org.naspipeline.api.Fidelity;
import org.naspipeline.api.SchedulerSpec;
import org.naspipeline.api.TrialEvent;

/**
 * How long each trial trains, apart from what it tries (the strategy): the SPI behind {@code scheduler.type}. A
 * scheduler keeps no state of its own: what it decides from lives in the trial table ({@link TrialRecord#rung},
 * {@link TrialRecord#rungs}), so a restored controller decides as one that never stopped. {@link ExperimentLogic}
 * calls it at three points: a progress report (the median rule stops a trial there), a new trial (placed in a
 * bracket and its first rung) and free slots (promotions go before new trials).
 */
interface TrialScheduler {
    /** Every trial trains {@code training.epochs}. */
    TrialScheduler NONE = new TrialScheduler() {};

    /** The scheduler an experiment's spec asks for ({@link ExperimentSpec#effectiveScheduler()}). */
    static TrialScheduler of(ExperimentSpec spec) {
        SchedulerSpec s = spec.effectiveScheduler();
        switch (s.type()) {
            case MEDIAN:
                return new MedianStopping(s);
            case ASHA:
            case HYPERBAND:
                return new SuccessiveHalving(s, spec);
            default:
                return NONE;
        }
    }

    /**
     * After {@code progress} raised {@code trial}'s best-so-far curve to {@code best}: may add one {@code stop} of the
     * attempt to {@code effects}.
     */
    default void onProgress(ExperimentState state, TrialRecord trial, TrialEvent.Progress progress, double best, Effects effects) {
        // most schedulers judge trials at rungs, not epochs
    }

    /** Whether trials train rung by rung, each rung's result recorded and promotions continuing from checkpoints. */
    default boolean promotes() {
        return false;
    }

    /** Places the {@code sequence}-th new search trial: its bracket and first rung (nothing by default). */
    default void place(TrialRecord trial, int sequence) {
        // one rung
    }

    /** Up to {@code n} trials to promote now, first to promote first; none by default. */
    default List<TrialRecord> promotions(ExperimentState state, int n) {
        return List.of();
    }

    /** The epochs the current attempt of {@code trial} trains to, given the trial's own (overridden) epochs. */
    default int epochs(TrialRecord trial, int trialEpochs) {
        return trialEpochs;
    }

    /**
     * The training examples the current attempt of {@code trial} trains to, counted from the trial's start, when rungs
     * count examples; null when they count epochs, or there are no rungs.
     */
    default Long examples(TrialRecord trial) {
        return null;
    }

    /** The fidelity of the current attempt of {@code trial}'s request; null: train from scratch, save nothing. */
    default Fidelity fidelity(TrialRecord trial) {
        return null;
    }
}
