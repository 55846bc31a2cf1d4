package org.naspipeline.strategy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.naspipeline.api.TrialResult;

/**
 * Tree-structured Parzen Estimator (Bergstra et al. 2011; multivariate as in Falkner et al. 2018 and Optuna):
 * results are split into a good set and a bad set, each modelled by a {@link ParzenEstimator}, l(x) and g(x);
 * a proposal draws {@code candidates} vectors from l and keeps the one not asked before with the largest
 * l(x)/g(x), the expected-improvement maximizer. Subclasses define "good": the best scores ({@link Tpe}), the
 * first non-dominated fronts ({@link MoTpe}), or the best scores of one fidelity rung ({@link Bohb}, which also
 * leaves the other rungs' results out of the bad set through {@link #modelled(long)}).
 *
 * <p>Cost stays flat in history length: the good set is bounded by {@code maxGood}, the bad set is the good
 * set's complement within the last {@code window} results. Candidates asked but not yet told join the bad set
 * (a constant liar at the worst value, Optuna's {@code constant_liar}), so parallel asks spread out instead
 * of piling onto the same mode.
 *
 * <p>Under a multi-fidelity scheduler a trial's higher-rung result replaces its observation, which keeps its
 * arrival order (so the number of observations does not grow), and the good/bad split orders by (rung,
 * score), a higher rung first, as Optuna's TPE orders pruned trials by step, then value.
 */
abstract class AbstractTpe extends AbstractStrategy {
    /** Liars kept at most: a trial lost without a result must not be avoided forever. */
    private static final int MAX_PENDING = 1024;

    protected final TpeSettings settings;
    private final int[] arity;
    private final boolean[] ordinal;
    private final int dimensions;
    /**
     * The last {@code window} results' genes, gene-major, result s in slot s mod window (inactive genes hold
     * their arity, the kernels' uniform column): the bad set's density reads it in place. Grows up to
     * {@code window} as results arrive.
     */
    private int[][] recent;
    private final Map<Long, int[]> pending = new LinkedHashMap<>();
    /** The arrival order of each trial's observation, which a later result of the trial keeps. */
    private final Map<String, Long> sequences = new HashMap<>();
    /** The last few kernel tables by observation count, least recently used first. */
    private final Map<Integer, ParzenKernels> kernelCache = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Integer, ParzenKernels> eldest) {
            return size() > 8;
        }
    };
    private int results;
    private long sequence;
    private ParzenEstimator good;
    private ParzenEstimator bad;
    private boolean stale = true;
    private int goodSize;
    private int badSize;

    /**
     * A result as the model sees it: coded genes (−1 where inactive), the rung it was measured at, the score
     * or objectives, arrival order.
     */
    protected record Observation(long sequence, int[] coded, int rung, double score, double[] objectives,
            double violation) {}

    AbstractTpe(StrategyContext context, TpeSettings settings) {
        super(context);
        this.settings = settings;
        this.arity = new int[encoding.genes()];
        int varying = 0;
        for (int g = 0; g < arity.length; g++) {
            arity[g] = encoding.arity(g);
            varying += arity[g] > 1 ? 1 : 0;
        }
        this.dimensions = Math.max(1, varying);
        this.ordinal = GeneKinds.ordinal(encoding);
        this.recent = new int[arity.length][Math.min(settings.window(), 64)];
    }

    /** The good set among everything remembered, given {@code n} results so far. */
    protected abstract List<Observation> selectGood(int n);

    /** Turns a result at {@code rung} into an observation (a failed trial too: it ranks last). */
    protected abstract Observation observe(long sequence, int[] coded, TrialResult result, int rung);

    /**
     * Keeps what {@link #selectGood} needs to know about an observation: a new one, or, when {@code replaces},
     * one that replaces the observation of the same sequence (the same trial at a higher rung).
     */
    protected abstract void remember(Observation observation, boolean replaces);

    /**
     * Whether the result of arrival order {@code sequence}, one of the last {@code window}, belongs in the
     * model (in the bad set, unless it is in the good set); by default every result does.
     */
    protected boolean modelled(long sequence) {
        return true;
    }

    /** The genes that vary in the space (d in the literature, at least 1). */
    protected final int dimensions() {
        return dimensions;
    }

    @Override
    protected int[] propose() {
        if (results < settings.startupTrials()) {
            return encoding.sample(rnd);
        }
        if (stale) {
            rebuild();
        }
        int[] best = null;
        int[] last = null;
        double bestValue = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < settings.candidates(); c++) {
            int[] x = encoding.canonical(good.sample(rnd));
            last = x;
            if (proposedBefore(x)) {
                continue;
            }
            int[] active = activeGenes(x);
            double value = good.logDensity(x, active) - bad.logDensity(x, active);
            if (best == null || value > bestValue) {
                best = x;
                bestValue = value;
            }
        }
        return best != null ? best : last; // all seen: the caller draws again, then falls back to random
    }

    private void rebuild() {
        List<Observation> goodSet = selectGood(results);
        List<int[]> goodCoded = new ArrayList<>(goodSet.size());
        int inWindow = Math.min(results, settings.window());
        boolean[] excluded = new boolean[inWindow];
        int bad = inWindow;
        for (long s = results - inWindow; s < results; s++) {
            if (!modelled(s)) {
                excluded[(int) (s % settings.window())] = true;
                bad--;
            }
        }
        for (Observation o : goodSet) {
            goodCoded.add(o.coded());
            int slot = (int) (o.sequence() % settings.window());
            if (o.sequence() >= results - inWindow && !excluded[slot]) {
                excluded[slot] = true;
                bad--;
            }
        }
        List<ParzenEstimator.Block> blocks = new ArrayList<>(2);
        blocks.add(new ParzenEstimator.Block(recent, inWindow, excluded));
        if (settings.constantLiar() && !pending.isEmpty()) {
            int[][] liars = new int[arity.length][pending.size()];
            int i = 0;
            for (int[] coded : pending.values()) {
                for (int g = 0; g < arity.length; g++) {
                    liars[g][i] = coded[g] < 0 ? arity[g] : coded[g];
                }
                i++;
            }
            blocks.add(new ParzenEstimator.Block(liars, i, null));
            bad += i;
        }
        this.good = ParzenEstimator.of(arity, kernels(goodCoded.size()), goodCoded, settings.priorWeight(),
                settings.multivariate());
        this.bad = new ParzenEstimator(arity, kernels(bad), blocks, settings.priorWeight(), settings.multivariate());
        goodSize = goodCoded.size();
        badSize = bad;
        stale = false;
    }

    /** The good set as the next model will take it (for tests). */
    List<Observation> goodSet() {
        return selectGood(results);
    }

    /** Observations remembered, one per trial (for tests). */
    int observations() {
        return results;
    }

    /** Observations behind the last model built, {good, bad} (for tests). */
    int[] modelSizes() {
        return new int[] {goodSize, badSize};
    }

    /** Kernel tables for n observations, built once per n while it stays in use. */
    private ParzenKernels kernels(int n) {
        ParzenKernels k = kernelCache.get(n);
        if (k == null) {
            k = new ParzenKernels(arity, ordinal, dimensions, n, settings.priorWeight());
            kernelCache.put(n, k);
        }
        return k;
    }

    private int[] activeGenes(int[] x) {
        int[] active = new int[x.length];
        int k = 0;
        for (int g = 0; g < x.length; g++) {
            if (arity[g] > 1 && encoding.isActive(x, g)) {
                active[k++] = g;
            }
        }
        return java.util.Arrays.copyOf(active, k);
    }

    /** {@code x} with −1 in its inactive genes. */
    private int[] code(int[] x) {
        int[] c = encoding.canonical(x);
        for (int g = 0; g < c.length; g++) {
            if (!encoding.isActive(c, g)) {
                c[g] = -1;
            }
        }
        return c;
    }

    @Override
    protected void onProposed(int[] genes) {
        pending.put(encoding.key(genes), code(genes));
        stale |= settings.constantLiar();
        if (pending.size() > MAX_PENDING) {
            Iterator<Long> eldest = pending.keySet().iterator();
            eldest.next();
            eldest.remove();
        }
    }

    @Override
    protected void onResult(int[] genes, TrialResult result, int rung, boolean replaces) {
        pending.remove(encoding.key(genes));
        Long held = replaces ? sequences.get(result.trialId()) : null;
        if (held != null) {
            // same genes, same slot of the window: only the good/bad split changes
            remember(observe(held, code(genes), result, rung), true);
            stale = true;
            return;
        }
        Observation o = observe(sequence++, code(genes), result, rung);
        sequences.put(result.trialId(), o.sequence());
        results++;
        int slot = (int) (o.sequence() % settings.window());
        if (slot >= recent[0].length) {
            int capacity = (int) Math.min(settings.window(), 2L * recent[0].length);
            for (int g = 0; g < arity.length; g++) {
                recent[g] = java.util.Arrays.copyOf(recent[g], capacity);
            }
        }
        for (int g = 0; g < arity.length; g++) {
            recent[g][slot] = o.coded()[g] < 0 ? arity[g] : o.coded()[g];
        }
        remember(o, false);
        stale = true;
    }
}
