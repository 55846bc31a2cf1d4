package org.naspipeline.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class PrometheusNamesTest {
    @Test
    void gaugesLoseTheCountSuffix() {
        assertThat(PrometheusNames.renamed("kafka.consumer.connection.count", Meter.Type.GAUGE)).isEqualTo("kafka.consumer.connections");
        assertThat(PrometheusNames.renamed("system.cpu.count", Meter.Type.GAUGE)).isEqualTo("system.cpus");
        assertThat(PrometheusNames.renamed("kafka.stream.task.active.buffers.count", Meter.Type.GAUGE))
                .isEqualTo("kafka.stream.task.active.buffers.number");
        // Histogram-like meters get their _count series from the exposition format, not from their name.
        assertThat(PrometheusNames.renamed("nas.trial.duration", Meter.Type.TIMER)).isEqualTo("nas.trial.duration");
        assertThat(PrometheusNames.renamed("nas.worker.slots", Meter.Type.GAUGE)).isEqualTo("nas.worker.slots");
        assertThat(PrometheusNames.renamed("jvm.classes.loaded.count", Meter.Type.COUNTER)).isEqualTo("jvm.classes.loaded.count");
        // "ms" inside a word is no unit.
        assertThat(PrometheusNames.renamed("kafka.stream.thread.process.records.max", Meter.Type.GAUGE))
                .isEqualTo("kafka.stream.thread.process.records.max");
    }

    @Test
    void theRegistryDropsSubSecondUnitsAndExposesRenamedMetricsWithHelpTextAndRestLatencyBuckets() {
        var registry = Observability.registry("worker", "w1");
        FunctionCounter.builder("kafka.producer.flush.time.ns", new double[] {3}, a -> a[0]).register(registry);
        Gauge.builder("kafka.consumer.request.latency.avg", () -> 4).register(registry);
        FunctionCounter.builder("jvm.compilation.time", new double[] {7}, a -> a[0]).baseUnit("ms").description("compile time")
                .register(registry);
        Gauge.builder("kafka.consumer.connection.count", () -> 2).description("open connections").register(registry);
        Timer.builder("vertx.http.server.response.time").register(registry).record(Duration.ofMillis(12));
        String scrape = registry.scrape();
        assertThat(scrape).doesNotContain("kafka_producer_flush_time").doesNotContain("jvm_compilation_time")
                .contains("# HELP kafka_consumer_request_latency_avg the kafka.consumer.request.latency.avg metric of the Kafka client")
                .contains("kafka_consumer_connections{instance=\"w1\",service=\"worker\"} 2.0")
                .contains("vertx_http_server_response_time_seconds_bucket{")
                .doesNotContain("_ns").doesNotContain("_ms");
    }
}
