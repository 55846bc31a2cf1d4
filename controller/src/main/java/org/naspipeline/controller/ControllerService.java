package org.naspipeline.controller;

import java.time.Duration;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.naspipeline.api.Topics;
import org.naspipeline.controller.metrics.ControllerMetrics;
import org.naspipeline.controller.streams.ControllerTopology;
import org.naspipeline.controller.streams.OutputErrorHandler;
import org.naspipeline.controller.streams.ProcessingErrorHandler;
import org.naspipeline.strategy.StrategyRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Runs the controller topology with exactly-once processing. */
public final class ControllerService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ControllerService.class);
    private final KafkaStreams streams;
    private final ThreadFailures threadFailures = new ThreadFailures();

    /** Creates the Streams application; {@link #start()} runs it. */
    public ControllerService(ControllerConfig config, StrategyRegistry registry) {
        this(config, registry, ControllerMetrics.none());
    }

    /** Creates the Streams application reporting into {@code metrics}; {@link #start()} runs it. */
    public ControllerService(ControllerConfig config, StrategyRegistry registry, ControllerMetrics metrics) {
        Properties props = streamsProps(config);
        props.put(ProcessingErrorHandler.METRICS_CONFIG, metrics);
        this.streams = new KafkaStreams(ControllerTopology.build(registry, ControllerTopology.DEFAULT_TIMEOUT_CHECK, metrics), props);
        streams.setUncaughtExceptionHandler(e -> {
            threadFailures.record(System.currentTimeMillis());
            metrics.streamThreadReplaced();
            LOG.error("controller stream thread failed; replacing it (state is restored from the changelog)", e);
            return org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
        });
    }

    /**
     * Whether stream threads keep dying: {@value ThreadFailures#LIMIT} or more replacements within
     * {@value ThreadFailures#WINDOW_MINUTES} minutes. A record that kills the thread on every retry shows this
     * way; the liveness check reports it so the orchestrator restarts the process and operators look.
     */
    public boolean threadsKeepFailing() {
        return threadFailures.recent(System.currentTimeMillis()) >= ThreadFailures.LIMIT;
    }

    /** Stream-thread replacements since the start. */
    public int threadReplacements() {
        return threadFailures.total();
    }

    /** Recent stream-thread failures, for liveness. */
    static final class ThreadFailures {
        static final int LIMIT = 3;
        static final int WINDOW_MINUTES = 10;
        private final java.util.ArrayDeque<Long> times = new java.util.ArrayDeque<>();
        private int total;

        synchronized void record(long nowMillis) {
            times.addLast(nowMillis);
            total++;
            recent(nowMillis);
        }

        synchronized int recent(long nowMillis) {
            while (!times.isEmpty() && times.peekFirst() < nowMillis - WINDOW_MINUTES * 60_000L) {
                times.removeFirst();
            }
            return times.size();
        }

        synchronized int total() {
            return total;
        }
    }

    public static Properties streamsProps(ControllerConfig c) {
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, c.applicationId());
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, c.bootstrapServers());
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        p.put(StreamsConfig.STATE_DIR_CONFIG, c.stateDir().toAbsolutePath().toString());
        p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, c.commitIntervalMs());
        p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, -1); // the broker's default
        // A task reads nas.experiments and nas.trial-results together. With the default (0), Streams holds a
        // task's buffered results until a fetch has confirmed the other, usually idle, partition empty, which
        // costs up to fetch.max.wait.ms (500 ms) per round. The controller needs no timestamp order across the
        // two topics (each record is applied on its own), so it never waits.
        p.put(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, -1L);
        p.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
        // Records are JSON: compress them. An experiment header holds its spec (up to 1 MiB from outside) and its
        // Pareto front; allow 16 MiB so even an extreme front never wedges the changelog (configured to match).
        p.put(StreamsConfig.producerPrefix(org.apache.kafka.clients.producer.ProducerConfig.COMPRESSION_TYPE_CONFIG), "zstd");
        p.put(StreamsConfig.producerPrefix(org.apache.kafka.clients.producer.ProducerConfig.MAX_REQUEST_SIZE_CONFIG),
                ControllerTopology.MAX_STATE_BYTES);
        // Input is read as bytes and checked by the processor, which sends what is invalid to nas.dlq with a
        // path-precise reason; what still throws is dead-lettered by ProcessingErrorHandler; output errors are
        // handled by OutputErrorHandler.
        p.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, ProcessingErrorHandler.class);
        p.put(StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG, OutputErrorHandler.class);
        if (c.httpPort() > 0) {
            // Other instances find this one's experiments through the key metadata and forward reads here.
            p.put(StreamsConfig.APPLICATION_SERVER_CONFIG, c.advertisedHost() + ":" + c.httpPort());
        }
        c.kafka().properties().forEach(p::put);
        if (c.instanceId() != null) {
            p.put(StreamsConfig.mainConsumerPrefix(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG), c.instanceId());
        }
        return p;
    }

    /** Starts processing. The pipeline topics must exist (see {@code TopicSetup}). */
    public void start() {
        LOG.info("controller starting: consumes {} and {}", Topics.EXPERIMENTS, Topics.TRIAL_RESULTS);
        streams.start();
    }

    /** The Streams instance, for interactive queries. */
    KafkaStreams streams() {
        return streams;
    }

    /** The Streams state, for health checks and tests. */
    /** Kafka Streams' thread-level metrics (commit, poll and process latencies and rates) by name. */
    public java.util.Map<String, Object> threadMetrics() {
        java.util.Map<String, Object> out = new java.util.TreeMap<>();
        streams.metrics().forEach((name, metric) -> {
            if ("stream-thread-metrics".equals(name.group()) || name.group().startsWith("consumer-fetch-manager")
                    || "producer-metrics".equals(name.group()) && name.tags().get("client-id").contains("StreamThread")) {
                out.put(name.group() + ":" + name.name(), metric.metricValue());
            }
        });
        return out;
    }

    public KafkaStreams.State state() {
        return streams.state();
    }

    /** Closes cleanly, committing the current transaction. */
    @Override
    public void close() {
        streams.close(Duration.ofSeconds(30));
    }
}
