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
     * Reports the final outcome of a trial attempt. Idempotent on (trialId, attempt): a repeated result
     * is ignored. Failed trials are reported too; a strategy must cope with them.
     *
     * @param candidate the candidate the trial evaluated
     */
    void tell(Candidate candidate, TrialResult result);

    /** Reports a result at a rung of a multi-fidelity scheduler (provisional: treated as a plain result). */
    default void tell(Candidate candidate, TrialResult result, int rung) {
        tell(candidate, result);
    }
}
