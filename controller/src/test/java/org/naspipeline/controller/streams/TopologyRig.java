package org.naspipeline.controller.streams;

import java.nio.file.Path;
import java.util.Properties;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.naspipeline.api.Topics;
import org.naspipeline.controller.ControllerConfig;
import org.naspipeline.controller.ControllerService;
import org.naspipeline.strategy.StrategyRegistry;

/** The controller topology in a {@link TopologyTestDriver} (at-least-once, one partition), with its topics. */
final class TopologyRig implements AutoCloseable {
    final TopologyTestDriver driver;
    final TestInputTopic<String, byte[]> experiments;
    final TestInputTopic<String, byte[]> results;
    final TestOutputTopic<String, byte[]> trials;
    final TestOutputTopic<String, byte[]> events;
    final TestOutputTopic<String, byte[]> dlq;
    final TestOutputTopic<String, byte[]> control;

    TopologyRig(Path stateDir) {
        Properties props = ControllerService.streamsProps(new ControllerConfig("dummy:9092", "test", stateDir, 1));
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.AT_LEAST_ONCE);
        driver = new TopologyTestDriver(ControllerTopology.build(StrategyRegistry.load()), props);
        experiments = driver.createInputTopic(Topics.EXPERIMENTS, Serdes.String().serializer(), Serdes.ByteArray().serializer());
        results = driver.createInputTopic(Topics.TRIAL_RESULTS, Serdes.String().serializer(), Serdes.ByteArray().serializer());
        trials = output(Topics.TRIALS);
        events = output(Topics.EXPERIMENT_EVENTS);
        dlq = output(Topics.DLQ);
        control = output(Topics.TRIAL_CONTROL);
    }

    private TestOutputTopic<String, byte[]> output(String topic) {
        return driver.createOutputTopic(topic, Serdes.String().deserializer(), Serdes.ByteArray().deserializer());
    }

    @Override
    public void close() {
        driver.close();
    }
}
