package org.naspipeline.controller.streams;

import java.nio.file.Path;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/** A JUnit test of the controller topology: a fresh {@link TopologyRig} per test, its topics as fields. */
abstract class TopologyTestBase {
    @TempDir
    Path stateDir;
    TopologyTestDriver driver;
    TestInputTopic<String, byte[]> experiments;
    TestInputTopic<String, byte[]> results;
    TestOutputTopic<String, byte[]> trials;
    TestOutputTopic<String, byte[]> events;
    TestOutputTopic<String, byte[]> dlq;
    TestOutputTopic<String, byte[]> control;

    @BeforeEach
    void startTopology() {
        use(new TopologyRig(stateDir));
    }

    /** Makes {@code rig}'s driver and topics this test's (e.g. a new controller after the old driver was closed). */
    void use(TopologyRig rig) {
        driver = rig.driver;
        experiments = rig.experiments;
        results = rig.results;
        trials = rig.trials;
        events = rig.events;
        dlq = rig.dlq;
        control = rig.control;
    }

    @AfterEach
    void closeTopology() {
        driver.close();
    }
}
