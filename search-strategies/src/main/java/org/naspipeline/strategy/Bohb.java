package org.naspipeline.strategy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.naspipeline.api.TrialResult;

/**
 * BOHB (Falkner et al. 2018): TPE proposals for a multi-fidelity scheduler, modelling each rung's results
 * apart. Every result is kept at the rung it was measured at (a promoted trial has one per rung it completed);
 * the model is fitted on the highest rung that holds at least {@code minResults} results, and lower rungs are
 * then ignored: the good set is the best ⌈γ·n_b⌉ (at most {@code maxGood}) of that rung's n_b results, the bad
 * set its other results within the {@code window}, plus the in-flight asks. While no rung has enough results a
 * proposal is a uniform draw, the same as {@link RandomSearch}'s for the seed; after that a fraction
 * {@code randomFraction} (ρ) of proposals stays uniform, so the model cannot shut out any region for good.
 */
final class Bohb extends AbstractTpe {
    /** A higher score first, then arrival order. */
    private static final Comparator<Observation> BEST_FIRST = Comparator.comparingDouble(Observation::score).reversed()
            .thenComparingLong(Observation::sequence);
    /** Rungs kept apart in a window slot's bit set; a higher rung shares the last bit (schedulers have ~10). */
    private static final int MAX_RUNG_BIT = 63;
    private final Scoring scoring;
    private final double randomFraction;
    private final int minResults;
    /** Per rung: the {@code maxGood} best results measured there. */
    private final List<List<Observation>> top = new ArrayList<>();
    /** Per rung: how many results were measured there. */
    private final List<Integer> counts = new ArrayList<>();
    /** The highest rung of each trial's results, by arrival order. */
    private final Map<Long, Integer> rungOf = new HashMap<>();
    /** Per window slot (arrival order mod window): the rungs its trial has a result at, one bit each. */
    private long[] rungBits = new long[64];
    private long newest = -1;

    Bohb(StrategyContext context, TpeSettings settings, double randomFraction, int minPoints) {
        super(context, settings);
        this.scoring = new Scoring(context.objectives());
        this.randomFraction = randomFraction;
        int nMin = minPoints > 0 ? minPoints : dimensions() + 1;
        this.minResults = Math.max(settings.startupTrials(), nMin + 2);
    }

    @Override
    protected int[] propose() {
        if (modelRung() < 0 || rnd.nextDouble() < randomFraction) {
            return encoding.sample(rnd);
        }
        return super.propose();
    }

    @Override
    protected Observation observe(long sequence, int[] coded, TrialResult result, int rung) {
        return new Observation(sequence, coded, rung, scoring.score(result), null, 0);
    }

    @Override
    protected void remember(Observation o, boolean replaces) {
        int rung = o.rung();
        while (top.size() <= rung) {
            top.add(new ArrayList<>());
            counts.add(0);
        }
        List<Observation> best = top.get(rung);
        Integer held = rungOf.put(o.sequence(), rung);
        if (held != null && held == rung) {
            best.removeIf(b -> b.sequence() == o.sequence()); // a new attempt at the same rung: replaced, not added
        } else {
            counts.set(rung, counts.get(rung) + 1);
        }
        int at = Collections.binarySearch(best, o, BEST_FIRST);
        best.add(at < 0 ? -at - 1 : at, o);
        if (best.size() > settings.maxGood()) {
            best.remove(best.size() - 1);
        }
        newest = Math.max(newest, o.sequence());
        if (o.sequence() <= newest - settings.window()) {
            return; // its slot holds a newer trial now
        }
        int slot = (int) (o.sequence() % settings.window());
        if (slot >= rungBits.length) {
            int capacity = (int) Math.min(settings.window(), 2L * Math.max(slot, rungBits.length));
            rungBits = java.util.Arrays.copyOf(rungBits, capacity);
        }
        long bit = 1L << Math.min(rung, MAX_RUNG_BIT);
        rungBits[slot] = (replaces ? rungBits[slot] : 0) | bit;
    }

    @Override
    protected boolean modelled(long sequence) {
        int rung = modelRung();
        return (rungBits[(int) (sequence % settings.window())] & 1L << Math.min(rung, MAX_RUNG_BIT)) != 0;
    }

    @Override
    protected List<Observation> selectGood(int n) {
        int rung = modelRung();
        if (rung < 0) {
            return List.of();
        }
        List<Observation> best = top.get(rung);
        return best.subList(0, Math.min(best.size(), settings.good(counts.get(rung))));
    }

    /** The highest rung with at least {@code minResults} results, or −1 while there is none. */
    int modelRung() {
        for (int rung = counts.size() - 1; rung >= 0; rung--) {
            if (counts.get(rung) >= minResults) {
                return rung;
            }
        }
        return -1;
    }

    /** Results a rung needs before the model is fitted on it (for tests). */
    int minResults() {
        return minResults;
    }
}
