package org.naspipeline.ops;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.config.MeterFilterReply;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import java.util.ArrayList;
import java.util.List;

/**
 * Makes every meter of a service pass {@code promtool check metrics}, whoever registered it (Kafka's client and
 * Streams metrics, Micrometer's JVM binders, Vert.x):
 * <ul>
 *   <li>meters counted in milli-, micro- or nanoseconds are not exported: Prometheus wants seconds, a filter cannot
 *       rescale a value, and renaming alone would keep the wrong unit ({@code kafka_consumer_io_time_ns_total},
 *       {@code kafka_producer_txn_commit_time_ns_total}, {@code jvm_compilation_time_ms_total},
 *       {@code kafka_app_info_start_time_ms}; no dashboard or alert uses them);</li>
 *   <li>a gauge named {@code …count} loses the suffix Prometheus reserves for histograms
 *       ({@code kafka_consumer_connection_count} → {@code kafka_consumer_connections});</li>
 *   <li>a meter without a description gets one naming where it comes from;</li>
 *   <li>the REST server's response time gets histogram buckets, so dashboards can show its percentiles.</li>
 * </ul>
 */
public final class PrometheusNames implements MeterFilter {
    private static final java.util.Set<String> SUB_SECOND_UNITS = java.util.Set.of("ns", "ms", "us", "nanoseconds",
            "milliseconds", "microseconds");

    @Override
    public MeterFilterReply accept(Meter.Id id) {
        boolean subSecond = (id.getBaseUnit() != null && SUB_SECOND_UNITS.contains(id.getBaseUnit()))
                || java.util.Arrays.stream(id.getName().split("\\.")).anyMatch(SUB_SECOND_UNITS::contains);
        return subSecond ? MeterFilterReply.DENY : MeterFilterReply.NEUTRAL;
    }

    @Override
    public Meter.Id map(Meter.Id id) {
        String name = renamed(id.getName(), id.getType());
        String unit = id.getBaseUnit();
        String description = id.getDescription() == null || id.getDescription().isBlank()
                ? "the " + id.getName() + " metric of " + source(id.getName()) + " (it comes without a description)"
                : id.getDescription();
        if (name.equals(id.getName()) && java.util.Objects.equals(unit, id.getBaseUnit()) && description.equals(id.getDescription())) {
            return id;
        }
        return new Meter.Id(name, Tags.of(id.getTagsAsIterable()), unit, description, id.getType());
    }

    @Override
    public DistributionStatisticConfig configure(Meter.Id id, DistributionStatisticConfig config) {
        if (id.getName().equals("vertx.http.server.response.time")) {
            return DistributionStatisticConfig.builder().percentilesHistogram(true).build().merge(config);
        }
        return config;
    }

    /** {@code name} with a gauge's {@code count} suffix turned into a plural. */
    static String renamed(String name, Meter.Type type) {
        List<String> parts = new ArrayList<>(List.of(name.split("\\.")));
        // Only gauges: histograms get their _count series from the format, counters end in _total.
        if (type == Meter.Type.GAUGE && parts.size() > 1 && parts.get(parts.size() - 1).equals("count")) {
            parts.remove(parts.size() - 1);
            String last = parts.get(parts.size() - 1);
            parts.set(parts.size() - 1, last.endsWith("s") ? last + ".number" : last + "s");
        }
        return String.join(".", parts);
    }

    private static String source(String name) {
        if (name.startsWith("kafka.")) {
            return "the Kafka client";
        }
        return name.startsWith("vertx.") ? "Vert.x" : "the JVM";
    }
}
