package org.naspipeline.worker.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import ai.djl.training.dataset.ArrayDataset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The data order of rungs that count examples: a function of the seed and the epoch, resumable at any batch. */
class EpochOrderTest {
    static List<List<Long>> batches(EpochOrder order, ArrayDataset dataset) {
        List<List<Long>> out = new ArrayList<>();
        Iterator<List<Long>> it = order.sample(dataset);
        it.forEachRemaining(out::add);
        return out;
    }

    @Test
    void eachEpochIsAPermutationOfItsOwnAndAResumedEpochSeesTheRestOfIt() {
        try (NDManager manager = NDManager.newBaseManager()) {
            ArrayDataset dataset = new ArrayDataset.Builder().setData(manager.arange(900f).reshape(900, 1))
                    .setSampling(64, false).build();
            List<List<Long>> epoch1 = batches(new EpochOrder(42, 1, 64, 0), dataset);
            assertThat(epoch1).hasSize(15);
            assertThat(epoch1.subList(0, 14)).allSatisfy(b -> assertThat(b).hasSize(64));
            assertThat(epoch1.get(14)).hasSize(4);
            long[] all = epoch1.stream().flatMap(List::stream).mapToLong(Long::longValue).sorted().toArray();
            long[] expected = new long[900];
            Arrays.setAll(expected, i -> i);
            assertThat(all).isEqualTo(expected);

            assertThat(batches(new EpochOrder(42, 1, 64, 0), dataset)).as("the same seed and epoch").isEqualTo(epoch1);
            assertThat(batches(new EpochOrder(42, 2, 64, 0), dataset)).as("another epoch").isNotEqualTo(epoch1);
            assertThat(batches(new EpochOrder(43, 1, 64, 0), dataset)).as("another trial").isNotEqualTo(epoch1);
            assertThat(batches(new EpochOrder(42, 1, 64, 10), dataset)).isEqualTo(epoch1.subList(10, 15));
            assertThat(batches(new EpochOrder(42, 1, 64, 15), dataset)).isEmpty();
        }
    }
}
