package org.naspipeline.strategy;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.naspipeline.api.Candidate;
import org.naspipeline.api.SearchSpace;
import org.naspipeline.api.TrialResult;

/**
 * Uniform random search without repeats: a candidate is proposed again only once every candidate of the
 * space has been proposed. Results do not steer it, so tell only records which results were seen.
 */
public final class RandomSearch implements SearchStrategy {
    /** Draws per proposal before concluding the unseen remainder is too small to hit by chance. */
    private static final int MAX_DRAWS = 10_000;

    private final SpaceSampler sampler;
    private final SplittableRandom rnd;
    private final BigInteger cardinality;
    private final Set<String> proposed = new HashSet<>();
    private final Set<String> told = new HashSet<>();

    /** A random search over {@code space} seeded with {@code seed}. */
    public RandomSearch(SearchSpace space, long seed) {
        this.sampler = new SpaceSampler(space);
        this.rnd = new SplittableRandom(seed);
        this.cardinality = space.cardinality();
    }

    @Override
    public List<Candidate> ask(int n) {
        List<Candidate> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(next());
        }
        return out;
    }

    private Candidate next() {
        if (cardinality.compareTo(BigInteger.valueOf(proposed.size())) <= 0) {
            proposed.clear(); // exhausted: start a new sweep over the space
        }
        Candidate c = null;
        for (int draw = 0; draw < MAX_DRAWS; draw++) {
            c = sampler.sample(rnd);
            if (proposed.add(c.canonicalHash())) {
                return c;
            }
        }
        // The unseen part of the space is tiny; a repeat is better than stalling the experiment.
        return c;
    }

    @Override
    public void tell(Candidate candidate, TrialResult result) {
        told.add(result.trialId() + "#" + result.attempt());
    }

    /** Number of distinct results seen so far (for tests). */
    int resultsSeen() {
        return told.size();
    }
}
