package org.naspipeline.strategy;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import org.naspipeline.api.Candidate;
import org.naspipeline.api.TrialResult;
import org.naspipeline.strategy.space.SpaceEncoding;

/**
 * What every strategy shares: the encoding, a seeded random source, "no duplicate until the space is
 * exhausted", idempotent {@code tell}, and which told result of a trial replaces its entry (see
 * {@link SearchStrategy#tell(Candidate, TrialResult, int)}). Subclasses propose gene vectors and learn from
 * results.
 */
abstract class AbstractStrategy implements SearchStrategy {
    /** Attempts of the strategy's own proposal before falling back to random unseen candidates. */
    private static final int OWN_TRIES = 32;
    /** Random draws before concluding the unseen rest is too small to hit by chance. */
    private static final int RANDOM_TRIES = 10_000;

    protected final SpaceEncoding encoding;
    protected final SplittableRandom rnd;
    private final BigInteger cardinality;
    private final Set<Long> proposed = new HashSet<>();
    private final Set<String> told = new HashSet<>();
    /** Each told trial's entry: the rung of its result, and whether it completed. */
    private final Map<String, Entry> entries = new HashMap<>();

    private record Entry(int rung, boolean completed) {}

    AbstractStrategy(StrategyContext context) {
        this.encoding = new SpaceEncoding(context.space());
        this.rnd = new SplittableRandom(context.strategy().seed());
        this.cardinality = encoding.cardinality();
    }

    @Override
    public final List<Candidate> ask(int n) {
        List<Candidate> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int[] x = unique(this::propose);
            onProposed(x);
            out.add(encoding.decode(x));
        }
        return out;
    }

    /** The strategy's next proposal (may be a duplicate; the caller retries). */
    protected abstract int[] propose();

    /** Called with each candidate {@code ask} hands out, after the duplicate check; by default nothing. */
    protected void onProposed(int[] genes) {
        // most strategies learn only from results
    }

    /** Whether {@code x} was handed out since the space was last exhausted. */
    protected final boolean proposedBefore(int[] x) {
        return proposed.contains(encoding.key(x));
    }

    private int[] unique(Supplier<int[]> generator) {
        if (cardinality.compareTo(BigInteger.valueOf(proposed.size())) <= 0) {
            proposed.clear(); // exhausted: a new sweep over the space begins
        }
        for (int i = 0; i < OWN_TRIES; i++) {
            int[] x = generator.get();
            if (proposed.add(encoding.key(x))) {
                return x;
            }
        }
        int[] x = null;
        for (int i = 0; i < RANDOM_TRIES; i++) {
            x = encoding.sample(rnd);
            if (proposed.add(encoding.key(x))) {
                return x;
            }
        }
        return x; // the unseen remainder is tiny; a repeat is better than stalling
    }

    /** A seeded candidate counts as handed out, so {@code ask} proposes it only once the space is exhausted. */
    @Override
    public final void seed(Candidate candidate, TrialResult.Completed result, int rung) {
        int[] genes = encoding.encode(candidate); // outside the space: throws before anything changed
        tell(candidate, result, rung);
        proposed.add(encoding.key(genes));
    }

    @Override
    public final void tell(Candidate candidate, TrialResult result, int rung) {
        if (rung < 0) {
            throw new IllegalArgumentException("rung: must be at least 0 (got " + rung + ")");
        }
        if (!told.add(result.trialId() + "#" + result.attempt())) {
            return;
        }
        boolean completed = result instanceof TrialResult.Completed;
        Entry held = entries.get(result.trialId());
        if (held != null && !(completed && (!held.completed() || rung >= held.rung()))) {
            return; // outside the contract: an older fidelity or a failed promotion never overwrites a result
        }
        entries.put(result.trialId(), new Entry(rung, completed));
        onResult(encoding.encode(candidate), result, rung, held != null);
    }

    /**
     * Learns from a result, told once per (trialId, attempt).
     *
     * @param rung the fidelity rung of the result
     * @param replaces whether the trial already had an entry, which this result replaces (a completed result
     *     at a higher rung, as a rule); the strategy must not count the trial twice
     */
    protected abstract void onResult(int[] genes, TrialResult result, int rung, boolean replaces);

    /** Results seen so far (for tests). */
    int resultsSeen() {
        return told.size();
    }
}
