package org.naspipeline.controller.streams;

import java.util.Map;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.state.Stores;
import org.naspipeline.api.ExperimentEvent;
import org.naspipeline.api.Topics;
import org.naspipeline.api.TrialControl;
import org.naspipeline.api.TrialRequest;
import org.naspipeline.controller.metrics.ControllerMetrics;
import org.naspipeline.strategy.StrategyRegistry;

/**
 * The controller's Streams topology: two sources, each keyed by experiment and repartitioned together into one
 * internal topic, one stateful processor reading it, five sinks (one of them back to {@code nas.experiments}, for
 * the warm-start exchange between experiments on different partitions).
 */
public final class ControllerTopology {
    /** One small header per experiment ({@code ExperimentState}). */
    public static final String STORE = "experiments";
    /** Each experiment's spec, written once when it is accepted. */
    public static final String SPEC_STORE = "experiment-specs";
    /** One entry per trial, keyed {@code experimentId NUL trialId} (see {@link StoredTrialTable}). */
    public static final String TRIAL_STORE = "trials";
    /** The strategies' call logs, one entry per call (see {@link StoredStrategyLog}). */
    public static final String STRATEGY_LOG_STORE = "strategy-log";
    static final String PROCESSOR = "experiment-processor";
    /** The internal repartition topic's name within the application ({@code <application.id>-by-experiment-repartition}). */
    static final String BY_EXPERIMENT = "by-experiment";
    static final String TRIALS_SINK = "trials-sink";
    static final String EVENTS_SINK = "events-sink";
    static final String DLQ_SINK = "dlq-sink";
    static final String CONTROL_SINK = "control-sink";
    /** The controller's own records to {@code nas.experiments}: warm-start requests and answers. */
    static final String EXPERIMENTS_SINK = "experiments-sink";
    /** Largest experiment header or spec the changelogs accept (zstd-compressed JSON). */
    public static final int MAX_STATE_BYTES = 16 * 1024 * 1024;
    /** How often running experiments are checked for silent trials. */
    public static final java.time.Duration DEFAULT_TIMEOUT_CHECK = java.time.Duration.ofSeconds(10);

    private ControllerTopology() {}

    /** Builds the topology with the strategies in {@code registry} and the default timeout check interval. */
    public static Topology build(StrategyRegistry registry) {
        return build(registry, DEFAULT_TIMEOUT_CHECK);
    }

    /** Builds the topology, checking for silent trials every {@code timeoutCheck}. */
    public static Topology build(StrategyRegistry registry, java.time.Duration timeoutCheck) {
        return build(registry, timeoutCheck, ControllerMetrics.none());
    }

    /**
     * Builds the topology, reporting into {@code metrics}: each input is keyed by experiment ({@link InputRouter}),
     * repartitioned through the internal topic {@code <application.id>-}{@value #BY_EXPERIMENT}{@code -repartition}
     * (so a record reaches its experiment's owner whatever partitioner its producer used), then processed.
     */
    public static Topology build(StrategyRegistry registry, java.time.Duration timeoutCheck, ControllerMetrics metrics) {
        StreamsBuilder b = new StreamsBuilder();
        b.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(STORE), Serdes.String(), Serdes.ByteArray())
                .withLoggingEnabled(Map.of("max.message.bytes", String.valueOf(MAX_STATE_BYTES)))
                .withCachingEnabled());
        b.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(SPEC_STORE), Serdes.String(), Serdes.ByteArray())
                .withLoggingEnabled(Map.of("max.message.bytes", String.valueOf(MAX_STATE_BYTES))));
        b.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(TRIAL_STORE), Serdes.String(), Serdes.ByteArray())
                .withLoggingEnabled(Map.of())
                .withCachingEnabled());
        b.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(STRATEGY_LOG_STORE), Serdes.String(), Serdes.String())
                .withLoggingEnabled(Map.of()));
        Consumed<String, byte[]> bytes = Consumed.with(Serdes.String(), Serdes.ByteArray());
        KStream<String, byte[]> experiments = b.stream(Topics.EXPERIMENTS, bytes.withName("experiments-source"))
                .process(() -> new InputRouter(Topics.EXPERIMENTS), Named.as("route-experiments"));
        KStream<String, byte[]> results = b.stream(Topics.TRIAL_RESULTS, bytes.withName("results-source"))
                .process(() -> new InputRouter(Topics.TRIAL_RESULTS), Named.as("route-results"));
        experiments.merge(results, Named.as("inputs"))
                .repartition(Repartitioned.<String, byte[]>as(BY_EXPERIMENT).withKeySerde(Serdes.String()).withValueSerde(Serdes.ByteArray()))
                .process(() -> new ExperimentProcessor(registry, timeoutCheck, metrics), Named.as(PROCESSOR),
                        STORE, SPEC_STORE, TRIAL_STORE, STRATEGY_LOG_STORE);
        // Each sink serializes its own record type, so the processor forwards records, not bytes, and the slot
        // partitioner reads the request it places instead of parsing its JSON again.
        Topology topology = b.build();
        StringSerializer keys = new StringSerializer();
        topology.addSink(TRIALS_SINK, Topics.TRIALS, keys, new RecordSerializer<TrialRequest>(), new SlotPartitioner(), PROCESSOR);
        topology.addSink(EVENTS_SINK, Topics.EXPERIMENT_EVENTS, keys, new RecordSerializer<ExperimentEvent>(), PROCESSOR);
        topology.addSink(CONTROL_SINK, Topics.TRIAL_CONTROL, keys, new RecordSerializer<TrialControl>(), PROCESSOR);
        // warm-start requests and answers go round through nas.experiments to the owner of the experiment they are keyed by
        topology.addSink(EXPERIMENTS_SINK, Topics.EXPERIMENTS, keys, new RecordSerializer<Object>(), PROCESSOR);
        topology.addSink(DLQ_SINK, Topics.DLQ, keys, new ByteArraySerializer(), PROCESSOR); // the original bytes
        return topology;
    }
}
