package org.naspipeline.ops;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** The Prometheus registry of a service and a Vert.x instance that reports into it (with JVM and Vert.x metrics). */
public final class Observability {
    private Observability() {}

    /**
     * A registry whose every meter carries the {@code service} tag (controller or worker) and the instance id, with
     * names that pass {@code promtool check metrics} ({@link PrometheusNames}).
     */
    public static PrometheusMeterRegistry registry(String service, String instance) {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        registry.config().commonTags("service", service, "instance", instance).meterFilter(new PrometheusNames());
        return registry;
    }

    /**
     * A Vert.x instance with Micrometer metrics (JVM ones included) in {@code registry}. {@code longestBlockingCall}
     * raises the blocked-thread warning threshold for work that is slow on purpose (a graceful shutdown that waits
     * for running trials).
     */
    public static Vertx vertx(PrometheusMeterRegistry registry, Duration longestBlockingCall) {
        VertxOptions options = new VertxOptions()
                .setMetricsOptions(new MicrometerMetricsOptions().setEnabled(true).setJvmMetricsEnabled(true))
                .setMaxWorkerExecuteTime(longestBlockingCall.toMillis())
                .setMaxWorkerExecuteTimeUnit(TimeUnit.MILLISECONDS);
        return Vertx.builder().with(options).withMetrics(new MicrometerMetricsFactory(registry)).build();
    }
}
