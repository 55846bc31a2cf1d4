package org.naspipeline.worker.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Steps and examples of rungs that count examples, checked against counting batch by batch. */
class ExampleClockTest {
    @Test
    void aRungEndsAtTheFirstStepThatReachesItsExamplesForEveryShapeOfEpoch() {
        for (int n = 1; n <= 40; n++) {
            for (int b = 1; b <= 17; b++) {
                ExampleClock clock = new ExampleClock(n, b);
                // count by hand: batches of b, an epoch's last batch short
                long[] after = new long[6 * clock.stepsPerEpoch() + 1];
                int step = 0;
                for (int epoch = 0; epoch < 6; epoch++) {
                    for (int start = 0; start < n; start += b) {
                        after[step + 1] = after[step] + Math.min(b, n - start);
                        step++;
                    }
                }
                for (int s = 0; s < after.length; s++) {
                    assertThat(clock.examplesAfter(s)).as("n %d b %d steps %d", n, b, s).isEqualTo(after[s]);
                }
                for (long x = 1; x <= after[after.length - 1]; x++) {
                    long s = clock.stepsFor(x);
                    assertThat(after[(int) s]).as("n %d b %d examples %d", n, b, x).isGreaterThanOrEqualTo(x);
                    assertThat(after[(int) s - 1]).as("n %d b %d examples %d", n, b, x).isLessThan(x);
                }
            }
        }
    }

    @Test
    void epochsAndBatchesOfAPosition() {
        ExampleClock clock = new ExampleClock(900, 64); // 15 steps an epoch, the last of 4 examples
        assertThat(clock.stepsPerEpoch()).isEqualTo(15);
        assertThat(clock.stepsFor(600)).isEqualTo(10);
        assertThat(clock.examplesAfter(10)).isEqualTo(640);
        assertThat(clock.stepsFor(900)).isEqualTo(15);
        assertThat(clock.stepsFor(901)).isEqualTo(16);
        assertThat(clock.stepsFor(1500)).isEqualTo(25);
        // after 10 steps the next is epoch 1's 11th batch; after 15, epoch 2's first
        assertThat(clock.epochOfNextStep(10)).isEqualTo(1);
        assertThat(clock.batchesIntoEpoch(10)).isEqualTo(10);
        assertThat(clock.epochOfNextStep(15)).isEqualTo(2);
        assertThat(clock.batchesIntoEpoch(15)).isZero();
        // the epoch training ended in: step 15 closes epoch 1, step 16 opens epoch 2
        assertThat(clock.epochOfStep(15)).isEqualTo(1);
        assertThat(clock.epochOfStep(16)).isEqualTo(2);
        assertThat(clock.epochOfStep(0)).isEqualTo(1);
        // a billion-example rung in batches of 32 of the full Fashion-MNIST training split
        ExampleClock full = new ExampleClock(54_000, 32);
        assertThat(full.examplesAfter(full.stepsFor(1_000_000_000L))).isBetween(1_000_000_000L, 1_000_000_031L);
    }

    @Test
    void anEmptyTrainingSetOrBatchIsRefused() {
        assertThatThrownBy(() -> new ExampleClock(0, 64)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ExampleClock(900, 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
