package org.naspipeline.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.naspipeline.api.Candidate;
import org.naspipeline.api.DatasetSpec;
import org.naspipeline.api.JsonCodec;
import org.naspipeline.api.TrainingSpec;

/**
 * Real DJL worker processes on one machine, with default CPU settings, through Kafka ({@code nas bench colocation} at
 * its smallest): alone, a worker trains on every CPU; two of them register on the host and take half each; every
 * latency is measured on one thread with the host-wide lock. The throughput and latency targets are the
 * benchmark's (docs/benchmarks.md), not this test's.
 */
class ColocationIT {
    @Test
    void coLocatedWorkersDivideTheCoresAndMeasureAlone(@TempDir Path dir) throws Exception {
        Map<String, Candidate> candidates = new LinkedHashMap<>();
        candidates.put("cnn-ds", JsonCodec.readCandidate(Files.readAllBytes(ComposeFile.REPO.resolve("examples/candidates/cnn-ds.json"))));
        ColocationBenchmark.Settings settings = new ColocationBenchmark.Settings(2, 1, candidates,
                new DatasetSpec("fashion-mnist", 300, 50), new TrainingSpec(1, 64, 0.002, "adam"),
                ComposeFile.REPO.resolve("datasets/fashion-mnist-mini"), 1, false);
        ColocationBenchmark.Result r = ColocationBenchmark.run(dir, settings, new PrintStream(PrintStream.nullOutputStream()));

        int cpus = Runtime.getRuntime().availableProcessors();
        assertThat(r.setups()).extracting(ColocationBenchmark.Setup::name).containsExactly("one", "colocated");
        ColocationBenchmark.Setup one = r.setups().get(0);
        ColocationBenchmark.Setup colocated = r.setups().get(1);
        assertThat(one.trials()).hasSize(1);
        assertThat(colocated.trials()).hasSize(2).extracting(ColocationBenchmark.Trial::worker)
                .containsExactlyInAnyOrder("colocated-1", "colocated-2");
        assertThat(one.threadsPerSlot()).containsExactly(cpus);
        assertThat(colocated.threadsPerSlot()).containsExactly(Math.max(1, cpus / 2));
        for (ColocationBenchmark.Setup s : r.setups()) {
            assertThat(s.allExclusive()).as(s.name() + ": every latency measured with the host-wide lock").isTrue();
            assertThat(s.trials()).allSatisfy(t -> {
                assertThat(t.latencyThreads()).isEqualTo(1);
                assertThat(t.samplesPerSecond()).isPositive();
                assertThat(t.latencyMsP50()).isPositive();
            });
        }
        assertThat(r.summary()).extracting(ColocationBenchmark.Summary::setup).containsExactly("one", "colocated");
    }
}
