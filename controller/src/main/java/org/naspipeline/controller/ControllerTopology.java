package org.naspipeline.controller;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.Stores;
import org.naspipeline.api.Topics;
import org.naspipeline.strategy.StrategyRegistry;

/** The controller's Streams topology: two co-partitioned sources, one stateful processor, four sinks. */
public final class ControllerTopology {
    /** One small header per experiment ({@link ExperimentState}). */
    static final String STORE = "experiments";
    /** Each experiment's spec, written once when it is accepted. */
    static final String SPEC_STORE = "experiment-specs";
    /** One entry per trial, keyed {@code experimentId NUL trialId} (see {@link TrialTable.Stored}). */
    static final String TRIAL_STORE = "trials";
    /** The strategies' call logs, one entry per call (see {@link StrategyLog.Stored}). */
    static final String STRATEGY_LOG_STORE = "strategy-log";
    static final String PROCESSOR = "experiment-processor";
    static final String TRIALS_SINK = "trials-sink";
    static final String EVENTS_SINK = "events-sink";
    static final String DLQ_SINK = "dlq-sink";
    static final String CONTROL_SINK = "control-sink";
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

    /** Builds the topology, reporting into {@code metrics}. */
    public static Topology build(StrategyRegistry registry, java.time.Duration timeoutCheck, ControllerMetrics metrics) {
        Topology t = new Topology();
        t.addSource("experiments-source", Serdes.String().deserializer(), Serdes.ByteArray().deserializer(), Topics.EXPERIMENTS);
        t.addSource("results-source", Serdes.String().deserializer(), Serdes.ByteArray().deserializer(), Topics.TRIAL_RESULTS);
        t.addProcessor(PROCESSOR, () -> new ExperimentProcessor(registry, timeoutCheck, metrics), "experiments-source", "results-source");
        t.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(STORE), Serdes.String(), Serdes.ByteArray())
                        .withLoggingEnabled(java.util.Map.of("max.message.bytes", String.valueOf(MAX_STATE_BYTES)))
                        .withCachingEnabled(),
                PROCESSOR);
        t.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(SPEC_STORE), Serdes.String(), Serdes.ByteArray())
                        .withLoggingEnabled(java.util.Map.of("max.message.bytes", String.valueOf(MAX_STATE_BYTES))),
                PROCESSOR);
        t.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(TRIAL_STORE), Serdes.String(), Serdes.ByteArray())
                        .withLoggingEnabled(java.util.Map.of())
                        .withCachingEnabled(),
                PROCESSOR);
        t.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(STRATEGY_LOG_STORE), Serdes.String(), Serdes.String())
                        .withLoggingEnabled(java.util.Map.of()),
                PROCESSOR);
        t.addSink(TRIALS_SINK, Topics.TRIALS, Serdes.String().serializer(), Serdes.ByteArray().serializer(), new SlotPartitioner(), PROCESSOR);
        t.addSink(EVENTS_SINK, Topics.EXPERIMENT_EVENTS, Serdes.String().serializer(), Serdes.ByteArray().serializer(), PROCESSOR);
        t.addSink(CONTROL_SINK, Topics.TRIAL_CONTROL, Serdes.String().serializer(), Serdes.ByteArray().serializer(), PROCESSOR);
        t.addSink(DLQ_SINK, Topics.DLQ, Serdes.String().serializer(), Serdes.ByteArray().serializer(), PROCESSOR);
        return t;
    }
}
