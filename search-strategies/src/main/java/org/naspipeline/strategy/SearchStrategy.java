package org.naspipeline.strategy;

import java.util.List;
import org.naspipeline.api.Candidate;
import org.naspipeline.api.TrialResult;

/**
 * Ask/tell search strategy. The same seed and the same sequence of ask/tell calls give the same candidates,
 * so a strategy is recovered after a crash by replaying its recorded calls.
 */
public interface SearchStrategy {
    /** Proposes {@code n} more candidates. */
    List<Candidate> ask(int n);

    /**
     * Reports a result of a trial attempt at a fidelity rung. Idempotent on (trialId, attempt): a repeated
     * result is ignored.
     *
     * <p>Under a multi-fidelity scheduler (ASHA, Hyperband) a trial trains to rung 0 and, when promoted,
     * continues from its checkpoint to rung 1, 2, … The caller tells each {@link TrialResult.Completed} of a
     * trial once per rung it completes, in increasing rung order for that trial, each with a new attempt
     * number and the same trialId; and a {@link TrialResult.Failed} only when the trial completed no rung (a
     * failed promotion is not told: the lower rung's result stands). So a strategy sees, per trial, zero or
     * more completed results at increasing rungs, or one failure. Without a scheduler every result is at
     * rung 0.
     *
     * <p>Strategies compare like with like: a result at a higher rung ranks above every result at a lower
     * rung (the trial survived promotion there); results at the same rung compare by the strategy's usual
     * score or ranking. A trial's newer result replaces its earlier entry, so a trial is never counted twice.
     * A completed result at a rung below the trial's entry, or a failure after a completed result, is outside
     * the contract and ignored.
     *
     * @param candidate the candidate the trial evaluated
     * @param rung the fidelity rung the result was measured at, 0 the first
     * @throws IllegalArgumentException if {@code rung} is negative
     */
    void tell(Candidate candidate, TrialResult result, int rung);

    /**
     * Reports the final outcome of a trial attempt trained at a single fidelity: {@link #tell(Candidate,
     * TrialResult, int)} at rung 0. Failed trials are reported too; a strategy must cope with them.
     *
     * @param candidate the candidate the trial evaluated
     */
    default void tell(Candidate candidate, TrialResult result) {
        tell(candidate, result, 0);
    }

    /**
     * Reports a completed result of an earlier experiment (a warm start), before this strategy's first
     * {@link #ask}: the strategy learns from it as from {@link #tell(Candidate, TrialResult, int)}, and does not
     * propose {@code candidate} itself while candidates it has not handed out or been seeded with remain. The
     * result's trialId is the earlier experiment's, so it never collides with a trial of this one.
     *
     * @param candidate a candidate of this strategy's search space
     * @param rung the rung of this experiment's scheduler the result stands for, 0 the first
     */
    default void seed(Candidate candidate, TrialResult.Completed result, int rung) {
        tell(candidate, result, rung);
    }
}
