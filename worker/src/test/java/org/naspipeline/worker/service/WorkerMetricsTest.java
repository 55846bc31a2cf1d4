package org.naspipeline.worker.service;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

class WorkerMetricsTest {
    @Test
    void deviceMemoryIsOneSeriesPerGpuHoldingTheLastTrialsFigure() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        WorkerMetrics metrics = new WorkerMetrics(registry, 2, () -> 1, () -> 0.5);
        assertThat(registry.find("nas.worker.device.peak.memory").gauges()).as("no series before a GPU trial").isEmpty();
        metrics.devicePeakMemory("gpu(0)", 1_000);
        metrics.devicePeakMemory("gpu(1)", 3_000);
        metrics.devicePeakMemory("gpu(0)", 2_000);
        assertThat(registry.get("nas.worker.device.peak.memory").tag("device", "gpu(0)").gauge().value()).isEqualTo(2_000.0);
        assertThat(registry.get("nas.worker.device.peak.memory").tag("device", "gpu(1)").gauge().value()).isEqualTo(3_000.0);
        assertThat(registry.get("nas.worker.last.poll.age").gauge().value()).isEqualTo(0.5);
        assertThat(registry.get("nas.worker.busy.slots").gauge().value()).isEqualTo(1.0);
    }

    @Test
    void deadLettersAreCountedByTheirSourceTopic() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        WorkerMetrics metrics = new WorkerMetrics(registry, 1, () -> 0);
        metrics.deadLettered("nas.trials");
        metrics.deadLettered("nas.trials");
        assertThat(registry.get("nas.dlq.records").tag("topic", "nas.trials").counter().count()).isEqualTo(2.0);
    }
}
