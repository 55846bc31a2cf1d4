package org.naspipeline.strategy;

import org.naspipeline.api.TrialResult;

/**
 * REINFORCE over a factorized policy: an independent softmax per decision. A proposal samples every decision;
 * a result updates the logits of the decisions that mattered by {@code lr × advantage × (onehot − p)}, where
 * the advantage is the reward minus an exponential moving-average baseline, divided by a moving estimate of
 * the reward's standard deviation so the step size does not depend on the reward's scale. The reward is the
 * spec's scalarization (use {@code mnasnet} for accuracy × (latency/T)^w). Per call cost: O(Σ arity).
 */
final class Reinforce extends AbstractStrategy {
    private final double learningRate;
    private final double baselineDecay;
    private final Scoring scoring;
    private final double[][] logits;
    private double baseline;
    private double variance;
    private boolean started;

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
    protected void onResult(int[] genes, TrialResult result) {
        double reward = scoring.score(result);
        if (!started) {
            baseline = reward;
            started = true;
            return;
        }
        double advantage = reward - baseline;
        variance = baselineDecay * variance + (1 - baselineDecay) * advantage * advantage;
        baseline = baselineDecay * baseline + (1 - baselineDecay) * reward;
        double step = learningRate * advantage / (Math.sqrt(variance) + 1e-8);
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
