package org.naspipeline.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The arithmetic of {@code nas bench colocation}: per-worker rates summed, medians over trials and rounds, ratios. */
class ColocationBenchmarkTest {
    private static ColocationBenchmark.Trial trial(String worker, String candidate, double samples, double seconds, double p50) {
        return new ColocationBenchmark.Trial(worker, candidate, 1, samples / seconds, seconds, (long) samples, p50, 0.1, 1, true);
    }

    @Test
    void workersRunningSideBySideAddTheirTrainingRates() {
        ColocationBenchmark.Setup s = ColocationBenchmark.figures("colocated", 1, 2, Map.of(), List.of(
                trial("w1", "a", 1000, 1.0, 1.0), trial("w1", "b", 1000, 3.0, 2.0), // w1: 2000 samples in 4 s = 500/s
                trial("w2", "a", 1000, 2.0, 1.2), trial("w2", "b", 3000, 2.0, 3.0)), // w2: 4000 in 4 s = 1000/s
                10.0);
        assertThat(s.trainingSamplesPerSecond()).isCloseTo(1500, within(1e-9));
        assertThat(s.wallSamplesPerSecond()).isCloseTo(600, within(1e-9)); // 6000 samples in 10 s
        assertThat(s.latencyMsP50()).containsEntry("a", 1.1).containsEntry("b", 2.5);
        assertThat(s.threadsPerSlot()).containsExactly(1);
        assertThat(s.allExclusive()).isTrue();
    }

    @Test
    void theSummaryTakesMediansOverRoundsAndRatiosAgainstOneWorker() {
        List<ColocationBenchmark.Setup> setups = List.of(
                ColocationBenchmark.figures("one", 1, 1, Map.of(), List.of(trial("o", "a", 1000, 1, 1.0)), 2),
                ColocationBenchmark.figures("one", 2, 1, Map.of(), List.of(trial("o", "a", 1000, 2, 1.2)), 2),
                ColocationBenchmark.figures("one", 3, 1, Map.of(), List.of(trial("o", "a", 1000, 4, 5.0)), 2),
                ColocationBenchmark.figures("colocated", 1, 2, Map.of(), List.of(trial("x", "a", 900, 1, 1.1),
                        trial("y", "a", 900, 1, 1.1)), 2));
        ColocationBenchmark.Summary one = ColocationBenchmark.summarize("one", setups, null);
        assertThat(one.trainingSamplesPerSecond()).isEqualTo(500); // median of 1000, 500, 250
        assertThat(one.latencyMsP50()).containsEntry("a", 1.2);
        ColocationBenchmark.Summary colocated = ColocationBenchmark.summarize("colocated", setups, one);
        assertThat(colocated.trainingRatio()).isCloseTo(1800.0 / 500, within(1e-9));
        assertThat(colocated.latencyRatio().get("a")).isCloseTo(1.1 / 1.2, within(1e-9));
        // side by side with round 1's one-worker run only
        assertThat(colocated.pairedTrainingRatio()).isCloseTo(1800.0 / 1000, within(1e-9));
        assertThat(colocated.pairedLatencyRatio().get("a")).isCloseTo(1.1 / 1.0, within(1e-9));
        assertThat(ColocationBenchmark.median(List.of(3.0, 1.0, 2.0, 10.0))).isEqualTo(2.5);
        assertThat(ColocationBenchmark.median(List.of())).isNaN();
    }
}
