package org.naspipeline.controller;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.Stores;
import org.naspipeline.api.Topics;
import org.naspipeline.strategy.StrategyRegistry;

/** The controller's Streams topology: two co-partitioned sources, one stateful processor, three sinks. */
public final class ControllerTopology {
    static final String STORE = "experiments";
    static final String PROCESSOR = "experiment-processor";
    static final String TRIALS_SINK = "trials-sink";
    static final String EVENTS_SINK = "events-sink";
    static final String DLQ_SINK = "dlq-sink";

    private ControllerTopology() {}

    /** Builds the topology with the strategies in {@code registry}. */
    public static Topology build(StrategyRegistry registry) {
        Topology t = new Topology();
        t.addSource("experiments-source", Serdes.String().deserializer(), Serdes.ByteArray().deserializer(), Topics.EXPERIMENTS);
        t.addSource("results-source", Serdes.String().deserializer(), Serdes.ByteArray().deserializer(), Topics.TRIAL_RESULTS);
        t.addProcessor(PROCESSOR, () -> new ExperimentProcessor(registry), "experiments-source", "results-source");
        t.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(STORE), Serdes.String(), Serdes.ByteArray()),
                PROCESSOR);
        t.addSink(TRIALS_SINK, Topics.TRIALS, Serdes.String().serializer(), Serdes.ByteArray().serializer(), PROCESSOR);
        t.addSink(EVENTS_SINK, Topics.EXPERIMENT_EVENTS, Serdes.String().serializer(), Serdes.ByteArray().serializer(), PROCESSOR);
        t.addSink(DLQ_SINK, Topics.DLQ, Serdes.String().serializer(), Serdes.ByteArray().serializer(), PROCESSOR);
        return t;
    }
}
