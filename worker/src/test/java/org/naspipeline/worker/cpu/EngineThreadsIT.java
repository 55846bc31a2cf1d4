package org.naspipeline.worker.cpu;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.naspipeline.api.config.Settings;

/** The thread budget reaches the PyTorch engine: read back from PyTorch on the threads that train and measure. */
class EngineThreadsIT {
    private static CpuSettings settings(Path dir, Map<String, String> env) {
        return CpuSettings.from(new Settings(env)).withLocalDir(dir);
    }

    @Test
    void eachSlotThreadTrainsOnItsBudgetAndMeasuresOnTheLatencyThreads(@TempDir Path dir) throws Exception {
        Engine.getEngine("PyTorch");
        int mainThreads = JniUtils.getNumThreads();
        try (WorkerCpu cpu = WorkerCpu.open(settings(dir, Map.of("NAS_WORKER_CPUS", "2", "NAS_LATENCY_THREADS", "2")), 2)) {
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            cpu.bindTo(registry);
            double hostWideBefore = registry.get("nas.worker.latency.measurements").tag("lock", "host").functionCounter().count();
            // 2 CPUs for 2 slots: one thread each, whatever else runs on the host
            assertThat(cpu.budget().perSlot()).isEqualTo(1);
            int[] seen = onFreshThread(() -> {
                int training = cpu.applyTrainingThreads();
                WorkerCpu.Measured<Integer> m = cpu.measureLatency(JniUtils::getNumThreads);
                return new int[] {training, m.value(), m.threads(), JniUtils.getNumThreads(), m.exclusive() ? 1 : 0};
            });
            assertThat(seen[0]).as("training threads read back").isEqualTo(1);
            assertThat(seen[1]).as("threads inside the measurement").isEqualTo(2);
            assertThat(seen[2]).as("threads reported for the measurement").isEqualTo(2);
            assertThat(seen[3]).as("training threads restored after it").isEqualTo(1);
            assertThat(seen[4]).as("measured with the host-wide lock").isEqualTo(1);
            assertThat(registry.get("nas.worker.latency.measurements").tag("lock", "host").functionCounter().count())
                    .isEqualTo(hostWideBefore + 1);
            assertThat(registry.get("nas.worker.threads.per.slot").gauge().value()).isEqualTo(1.0);
            assertThat(registry.get("nas.worker.local.slots").gauge().value()).isEqualTo(2.0);
            assertThat(registry.get("nas.worker.measurement.wait").tag("side", "training").functionCounter().count())
                    .isGreaterThanOrEqualTo(0.0);
        }
        assertThat(JniUtils.getNumThreads()).as("other threads keep their own count").isEqualTo(mainThreads);
    }

    @Test
    void theThreadsOverrideReachesTheEngine(@TempDir Path dir) throws Exception {
        try (WorkerCpu cpu = WorkerCpu.open(settings(dir, Map.of("NAS_WORKER_THREADS", "3")), 1)) {
            assertThat(onFreshThread(() -> new int[] {cpu.applyTrainingThreads(), JniUtils.getNumThreads()}))
                    .containsExactly(3, 3);
        }
    }

    @Test
    void withoutOverridesASlotAloneOnTheHostGetsEveryCpuAndSharesThemWhenAnotherRegisters(@TempDir Path dir) throws Exception {
        int cpus = Runtime.getRuntime().availableProcessors();
        try (WorkerCpu cpu = WorkerCpu.open(settings(dir, Map.of()), 1)) {
            assertThat(onFreshThread(() -> new int[] {cpu.applyTrainingThreads()})[0]).isEqualTo(cpus);
            try (LocalWorkers.Registration other = LocalWorkers.register(dir, 1)) {
                assertThat(onFreshThread(() -> new int[] {cpu.applyTrainingThreads()})[0]).isEqualTo(Math.max(1, cpus / 2));
            }
        }
    }

    private static int[] onFreshThread(java.util.function.Supplier<int[]> task) throws Exception {
        CompletableFuture<int[]> result = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                result.complete(task.get());
            } catch (Throwable e) {
                result.completeExceptionally(e);
            }
        });
        t.start();
        return result.get();
    }
}
