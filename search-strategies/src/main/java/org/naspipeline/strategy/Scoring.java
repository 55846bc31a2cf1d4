package org.naspipeline.strategy;

import org.naspipeline.api.ObjectivesSpec;
import org.naspipeline.api.TrialMetrics;
import org.naspipeline.api.TrialResult;

/**
 * Turns results into the single score single-objective strategies maximize: the spec's scalarization for a
 * feasible trial; for one that breaks a constraint or failed, a score below every score seen so far, so it
 * ranks last without distorting the scale of the others.
 */
final class Scoring {
    private final ObjectivesSpec objectives;
    private double worst = Double.POSITIVE_INFINITY;

    Scoring(ObjectivesSpec objectives) {
        this.objectives = objectives;
    }

    /** The score of a final result; larger is better. */
    double score(TrialResult result) {
        if (!(result instanceof TrialResult.Completed c)) {
            return floor() - 1;
        }
        double violation = violation(c.metrics());
        if (violation > 0) {
            return floor() - violation;
        }
        double s = objectives.scalarization().score(c.metrics());
        worst = Math.min(worst, s);
        return s;
    }

    private double floor() {
        return worst == Double.POSITIVE_INFINITY ? 0 : worst;
    }

    /** Total relative violation of the spec's constraints (0 when all hold). */
    double violation(TrialMetrics m) {
        double v = 0;
        for (ObjectivesSpec.Constraint c : objectives.constraints()) {
            v += c.violation(m);
        }
        return v;
    }
}
