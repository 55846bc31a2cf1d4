package org.naspipeline.worker.pipeline;

import ai.djl.training.dataset.RandomAccessDataset;
import ai.djl.training.dataset.Sampler;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;
import org.naspipeline.worker.data.Datasets;

/**
 * The mini-batches of one epoch in an order that depends only on the trial's seed and the epoch, from batch
 * {@code skip} on: a trial continued from a checkpoint inside an epoch sees the rest of that epoch's batches exactly
 * as an uninterrupted run would. Used when rungs count training examples (a rung may end inside an epoch); DJL's
 * own random sampler draws from one JVM-wide generator, whose state a checkpoint cannot hold.
 */
final class EpochOrder implements Sampler {
    private final long seed;
    private final int epoch;
    private final int batchSize;
    private final int skip;

    EpochOrder(long seed, int epoch, int batchSize, int skip) {
        this.seed = seed;
        this.epoch = epoch;
        this.batchSize = batchSize;
        this.skip = skip;
    }

    /** The permutation of {@code n} indices for {@code epoch}: Fisher–Yates on a generator seeded by both. */
    static int[] permutation(long seed, int epoch, int n) {
        return Datasets.permutation(n, new SplittableRandom(seed ^ (0x9E3779B97F4A7C15L * epoch)));
    }

    @Override
    public Iterator<List<Long>> sample(RandomAccessDataset dataset) {
        int n = Math.toIntExact(dataset.size());
        int[] order = permutation(seed, epoch, n);
        return new Iterator<>() {
            private int next = Math.min(n, (int) Math.min(Integer.MAX_VALUE, (long) skip * batchSize));

            @Override
            public boolean hasNext() {
                return next < n;
            }

            @Override
            public List<Long> next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                int end = Math.min(n, next + batchSize);
                List<Long> batch = new ArrayList<>(end - next);
                for (int i = next; i < end; i++) {
                    batch.add((long) order[i]);
                }
                next = end;
                return batch;
            }
        };
    }

    @Override
    public int getBatchSize() {
        return batchSize;
    }
}
