package org.naspipeline.strategy;

import java.util.HashMap;
import java.util.Map;
import org.naspipeline.api.TrialResult;

/**
 * REINFORCE over a factorized policy: an independent softmax per decision. A proposal samples every decision;
 * a result updates the logits of the decisions that mattered by {@code lr × advantage × (onehot − p)}, where
 * the advantage is the reward minus an exponential moving-average baseline, divided by a moving estimate of
 * the reward's standard deviation so the step size does not depend on the reward's scale. The reward is the
 * spec's scalarization (use {@code mnasnet} for accuracy × (latency/T)^w). Per call cost: O(Σ arity).
 *
 * <p>Under a multi-fidelity scheduler each rung keeps its own baseline and deviation, so a reward is judged
 * only against rewards measured at the same fidelity (a 1-epoch accuracy is never an advantage or a penalty
 * against 9-epoch ones). The first result at a rung sets that rung's baseline and leaves the policy as it is.
 * A policy gradient keeps no entry to replace: a promoted trial updates the policy once per rung it
 * completes, each time by its advantage among that rung's results, which are the survivors of the rungs
 * below.
 */
final class Reinforce extends AbstractStrategy {
    private final double learningRate;
    private final double baselineDecay;
    private final Scoring scoring;
    private final double[][] logits;
    /** The reward baseline of each rung that has a result. */
    private final Map<Integer, Baseline> baselines = new HashMap<>();

    /** An exponential moving average of one rung's rewards, and of their squared deviation from it. */
    private static final class Baseline {
        double mean;
        double variance;

        Baseline(double first) {
            this.mean = first;
        }
    }

    Reinforce(StrategyContext context, double learningRate, double baselineDecay) {
        super(context);
        this.learningRate = learningRate;
        this.baselineDecay = baselineDecay;
        this.scoring = new Scoring(context.objectives());
        this.logits = new double[encoding.genes()][];
        for (int g = 0; g < logits.length; g++) {
            logits[g] = new double[encoding.arity(g)];
        }
    }

    @Override
    protected int[] propose() {
        int[] x = new int[logits.length];
        for (int g = 0; g < x.length; g++) {
            x[g] = sample(softmax(logits[g]));
        }
        return encoding.canonical(x);
    }

    private int sample(double[] p) {
        double u = rnd.nextDouble();
        for (int v = 0; v < p.length - 1; v++) {
            u -= p[v];
            if (u < 0) {
                return v;
            }
        }
        return p.length - 1;
    }

    static double[] softmax(double[] z) {
        double max = Double.NEGATIVE_INFINITY;
        for (double v : z) {
            max = Math.max(max, v);
        }
        double[] p = new double[z.length];
        double sum = 0;
        for (int i = 0; i < z.length; i++) {
            p[i] = Math.exp(z[i] - max);
            sum += p[i];
        }
        for (int i = 0; i < z.length; i++) {
            p[i] /= sum;
        }
        return p;
    }

    @Override
    protected void onResult(int[] genes, TrialResult result, int rung, boolean replaces) {
        double reward = scoring.score(result);
        Baseline b = baselines.get(rung);
        if (b == null) {
            baselines.put(rung, new Baseline(reward));
            return;
        }
        double advantage = reward - b.mean;
        b.variance = baselineDecay * b.variance + (1 - baselineDecay) * advantage * advantage;
        b.mean = baselineDecay * b.mean + (1 - baselineDecay) * reward;
        double step = learningRate * advantage / (Math.sqrt(b.variance) + 1e-8);
        for (int g = 0; g < logits.length; g++) {
            if (logits[g].length < 2 || !encoding.isActive(genes, g)) {
                continue;
            }
            double[] p = softmax(logits[g]);
            for (int v = 0; v < p.length; v++) {
                logits[g][v] += step * ((v == genes[g] ? 1 : 0) - p[v]);
            }
        }
    }

    /** The current probability of each value of gene {@code g} (for tests). */
    double[] policy(int g) {
        return softmax(logits[g]);
    }
}
