package org.naspipeline.controller.streams;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.lifecycle.AfterProperty;
import net.jqwik.api.lifecycle.BeforeProperty;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.naspipeline.api.ExperimentEvent;
import org.naspipeline.api.JsonArbitraries;
import org.naspipeline.api.JsonCodec;
import org.naspipeline.api.Topics;

/**
 * Arbitrary bytes, arbitrary JSON and mutated specs, with arbitrary keys, on either input topic: every record ends
 * as a dead letter with a reason or as an accepted experiment (or an applied report), and none ever gets past the
 * processor's checks to an exception (no dead letter of the last-line handler, whose reason says "processing
 * failed").
 */
class ProcessorPropertiesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private Path stateDir;
    private TopologyTestDriver driver;
    private TestInputTopic<String, byte[]> experiments;
    private TestInputTopic<String, byte[]> results;
    private TestOutputTopic<String, byte[]> dlq;
    private TestOutputTopic<String, byte[]> events;

    @BeforeProperty
    void start() throws IOException {
        stateDir = Files.createTempDirectory("processor-properties");
        TopologyRig rig = new TopologyRig(stateDir);
        driver = rig.driver;
        experiments = rig.experiments;
        results = rig.results;
        dlq = rig.dlq;
        events = rig.events;
    }

    @AfterProperty
    void stop() throws IOException {
        driver.close();
        try (var files = Files.walk(stateDir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Provide
    Arbitrary<String> keys() {
        return Arbitraries.oneOf(Arbitraries.just(null), Arbitraries.of("e1", "e1-t0001", "", " "),
                JsonArbitraries.strings(), Arbitraries.strings().ofMaxLength(300));
    }

    @Provide
    Arbitrary<byte[]> values() {
        return Arbitraries.oneOf(Arbitraries.just(null), Arbitraries.bytes().array(byte[].class).ofMaxSize(200),
                JsonArbitraries.value(3).map(ProcessorPropertiesTest::bytes), JsonArbitraries.records().map(ProcessorPropertiesTest::bytes),
                JsonArbitraries.mutatedSpecs().map(ProcessorPropertiesTest::bytes));
    }

    static byte[] bytes(JsonNode tree) {
        try {
            return JSON.writeValueAsBytes(tree);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Property(tries = 400)
    void everySubmissionOrCommandIsDeadLetteredWithAReasonOrAccepted(@ForAll("keys") String key, @ForAll("values") byte[] value) {
        experiments.pipeInput(key, value);
        List<TestRecord<String, byte[]>> dead = dlq.readRecordsToList();
        List<ExperimentEvent> out = events.readValuesToList().stream().map(v -> JsonCodec.read(v, ExperimentEvent.class)).toList();
        if (dead.isEmpty()) {
            // not dead-lettered: a valid submission (accepted) or a command for an experiment that exists
            assertThat(out).isNotEmpty();
            assertThat(out).noneMatch(e -> e instanceof ExperimentEvent.Rejected);
        } else {
            assertThat(dead).hasSize(1);
            assertThat(reason(dead.get(0))).isNotBlank().doesNotStartWith("processing failed");
        }
    }

    @Property(tries = 400)
    void everyReportForAnUnknownExperimentIsDeadLetteredWithAReason(@ForAll("keys") String key, @ForAll("values") byte[] value) {
        results.pipeInput(key, value);
        List<TestRecord<String, byte[]>> dead = dlq.readRecordsToList();
        assertThat(dead).hasSize(1); // no experiment exists here, so no report applies
        assertThat(reason(dead.get(0))).isNotBlank().doesNotStartWith("processing failed");
    }

    @Property(tries = 200)
    void bytesOfAnyKindNeverStopTheProcessor(@ForAll @Size(max = 400) byte[] value, @ForAll boolean toResults) {
        (toResults ? results : experiments).pipeInput("k", value);
        assertThat(dlq.readRecordsToList()).singleElement().satisfies(r -> assertThat(reason(r)).doesNotStartWith("processing failed"));
    }

    static String reason(TestRecord<String, byte[]> r) {
        return new String(r.headers().lastHeader("nas.reason").value(), StandardCharsets.UTF_8);
    }
}
