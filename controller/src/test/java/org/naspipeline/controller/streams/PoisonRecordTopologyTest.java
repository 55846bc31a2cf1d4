package org.naspipeline.controller.streams;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.test.TestRecord;
import org.naspipeline.api.ExperimentEvent;
import org.naspipeline.api.JsonCodec;
import org.naspipeline.api.Topics;
import org.naspipeline.api.TrialRequest;
import org.naspipeline.api.TrialResult;
import org.junit.jupiter.api.Test;
import org.naspipeline.controller.FailingStrategyProvider;
import org.naspipeline.controller.logic.ActorHeaders;

/**
 * Single records that used to stop the controller for good, each followed by a valid experiment that must run.
 * The real-broker version with plain producers is {@code PoisonRecordIT} in the cli module.
 */
class PoisonRecordTopologyTest extends TopologyTestBase {
    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** The one dead letter written since the last call, with its reason. */
    String deadLetterReason() {
        List<TestRecord<String, byte[]>> out = dlq.readRecordsToList();
        assertThat(out).hasSize(1);
        return new String(out.get(0).headers().lastHeader("nas.reason").value(), StandardCharsets.UTF_8);
    }

    /** A valid experiment still starts after the poison record. */
    void aValidExperimentStillRuns(String id) throws Exception {
        experiments.pipeInput(id, ControllerTopologyTest.exampleSpec(2, 1));
        assertThat(trials.readValuesToList()).hasSize(1);
    }

    @Test
    void aTombstoneOnTheExperimentsTopicIsDeadLettered() throws Exception {
        experiments.pipeInput("exp-x", (byte[]) null);
        assertThat(deadLetterReason()).contains("tombstone");
        experiments.pipeInput((String) null, (byte[]) null);
        assertThat(deadLetterReason()).contains("tombstone");
        aValidExperimentStillRuns("after-tombstone");
    }

    @Test
    void reportsWithNullOrMissingIdsNullMetricsOrAForeignKeyAreDeadLettered() throws Exception {
        experiments.pipeInput("e1", ControllerTopologyTest.exampleSpec(2, 1));
        TrialRequest r = JsonCodec.read(trials.readValuesToList().get(0), TrialRequest.class);
        String completed = new String(JsonCodec.write(new TrialResult.Completed(1, "e1", r.trialId(), 1, "w",
                ControllerTopologyTest.metrics(0.8), "file:///a")), StandardCharsets.UTF_8);
        results.pipeInput("e1", bytes(completed.replace("\"experimentId\":\"e1\"", "\"experimentId\":null")));
        assertThat(deadLetterReason()).contains("experimentId: is required");
        results.pipeInput("e1", bytes(completed.replace("\"experimentId\":\"e1\",", "")));
        assertThat(deadLetterReason()).contains("experimentId");
        results.pipeInput("e1", bytes(completed.replaceFirst("\"metrics\":\\{.*\\},\"artifactUri\"", "\"metrics\":null,\"artifactUri\"")));
        assertThat(deadLetterReason()).contains("metrics: is required");
        results.pipeInput("other", bytes(completed));
        assertThat(deadLetterReason()).contains("differs from experimentId 'e1'");
        results.pipeInput((String) null, bytes(completed));
        assertThat(deadLetterReason()).contains("no key");
        results.pipeInput("e1", (byte[]) null);
        assertThat(deadLetterReason()).contains("tombstone");
        results.pipeInput("e1", new byte[] {(byte) 0xff, 0, 1, 2});
        assertThat(deadLetterReason()).startsWith("invalid trial report");
        // a bad inference block: of the wrong type, naming a file outside the attempt, a huge kernel list of nulls
        results.pipeInput("e1", bytes(completed.replace("\"inference\":null", "\"inference\":\"onnxruntime\"")));
        assertThat(deadLetterReason()).contains("metrics.inference");
        results.pipeInput("e1", bytes(completed.replace("\"inference\":null", "\"inference\":{\"runtime\":\"onnxruntime\","
                + "\"model\":\"model.onnx\",\"kernels\":[],\"files\":[\"../../etc/passwd\"],\"fp32TestAccuracy\":null}")));
        assertThat(deadLetterReason()).contains("metrics.inference.files[0]: must be a plain file name");
        results.pipeInput("e1", bytes(completed.replace("\"inference\":null", "\"inference\":{\"runtime\":\"x\","
                + "\"model\":\"m\",\"kernels\":[" + "null,".repeat(100_000) + "null],\"files\":[],\"fp32TestAccuracy\":null}")));
        assertThat(deadLetterReason()).contains("metrics.inference.kernels[0]: is required");
        // a bad checkpoint block: of the wrong type, resumed from after its own epoch, a blank URI
        results.pipeInput("e1", bytes(completed.replace("\"checkpoint\":null", "\"checkpoint\":[1]")));
        assertThat(deadLetterReason()).contains("checkpoint");
        results.pipeInput("e1", bytes(completed.replace("\"checkpoint\":null",
                "\"checkpoint\":{\"uri\":\"file:///c\",\"epoch\":2,\"resumedFromEpoch\":5,\"note\":null}")));
        assertThat(deadLetterReason()).contains("checkpoint.resumedFromEpoch: must be in [1, epoch)");
        results.pipeInput("e1", bytes(completed.replace("\"checkpoint\":null",
                "\"checkpoint\":{\"uri\":\"  \",\"epoch\":2,\"resumedFromEpoch\":null,\"note\":null}")));
        assertThat(deadLetterReason()).contains("checkpoint.uri: must be an artifact URI");
        // the trial is still in flight and its real result completes it
        results.pipeInput("e1", bytes(completed));
        assertThat(dlq.readRecordsToList()).isEmpty();
        assertThat(JsonCodec.read(trials.readValuesToList().get(0), TrialRequest.class).trialId()).isEqualTo("e1-t0002");
    }

    @Test
    void commandsWithoutKeyOrForUnknownExperimentsAreDeadLettered() throws Exception {
        experiments.pipeInput((String) null, bytes("{\"command\": \"cancel\"}"));
        assertThat(deadLetterReason()).contains("command needs the experiment id");
        experiments.pipeInput("nope", bytes("{\"command\": \"cancel\"}"));
        assertThat(deadLetterReason()).contains("unknown experiment 'nope'");
        experiments.pipeInput("nope", bytes("{\"command\": null}"));
        assertThat(dlq.readRecordsToList()).hasSize(1);
        aValidExperimentStillRuns("after-commands");
    }

    @Test
    void aKeyThatIsNoValidIdIsRejectedWithoutAnEventKeyedByIt() throws Exception {
        String hugeKey = "k".repeat(200_000);
        experiments.pipeInput(hugeKey, ControllerTopologyTest.exampleSpec(2, 1));
        assertThat(deadLetterReason()).contains("longer than any id").hasSizeLessThan(1000);
        results.pipeInput(hugeKey, ControllerTopologyTest.exampleSpec(2, 1));
        List<TestRecord<String, byte[]>> out = dlq.readRecordsToList();
        assertThat(out).singleElement().satisfies(r -> assertThat(r.key()).as("the key is not kept").isNull());
        experiments.pipeInput("not a valid id!", ControllerTopologyTest.exampleSpec(2, 1));
        assertThat(deadLetterReason()).contains("is not a valid experiment id");
        assertThat(events.readValuesToList()).isEmpty();
        aValidExperimentStillRuns("after-huge-key");
    }

    @Test
    void anExceptionPastTheChecksDeadLettersTheRecordWithTheFirstFrameAndProcessingContinues() throws Exception {
        String spec = new String(ControllerTopologyTest.exampleSpec(2, 1), StandardCharsets.UTF_8)
                .replace("\"name\": \"random\"", "\"name\": \"" + FailingStrategyProvider.NAME + "\"");
        RecordHeaders forged = new RecordHeaders();
        forged.add(InputRouter.SOURCE, bytes("forged")); // a client's header of the router's name does not count
        experiments.pipeInput(new TestRecord<>("buggy", bytes(spec), forged));
        List<TestRecord<String, byte[]>> out = dlq.readRecordsToList();
        assertThat(out).singleElement().satisfies(r -> {
            assertThat(r.key()).isEqualTo("buggy");
            assertThat(new String(r.headers().lastHeader("nas.reason").value(), StandardCharsets.UTF_8))
                    .isEqualTo("processing failed: a strategy bug (details in nas.error and nas.frame)");
            assertThat(new String(r.headers().lastHeader("nas.error").value(), StandardCharsets.UTF_8))
                    .isEqualTo("java.lang.IllegalStateException: a strategy bug");
            assertThat(new String(r.headers().lastHeader("nas.frame").value(), StandardCharsets.UTF_8))
                    .contains("FailingStrategyProvider");
            assertThat(new String(r.headers().lastHeader("nas.source").value(), StandardCharsets.UTF_8))
                    .isEqualTo(Topics.EXPERIMENTS + "-0@0");
        });
        assertThat(trials.readValuesToList()).isEmpty();
        // its submitter learns of it like of any refusal
        assertThat(events.readValuesToList()).singleElement().satisfies(v -> assertThat(JsonCodec.read(v, ExperimentEvent.class))
                .isInstanceOfSatisfying(ExperimentEvent.Rejected.class, rej -> {
                    assertThat(rej.experimentId()).isEqualTo("buggy");
                    assertThat(rej.errors()).singleElement().satisfies(e -> assertThat(e.message()).startsWith("processing failed"));
                }));
        aValidExperimentStillRuns("after-bug");
        // the failed submission left no experiment behind: the same id can be submitted again
        experiments.pipeInput("buggy", ControllerTopologyTest.exampleSpec(2, 1));
        assertThat(events.readValuesToList()).anyMatch(v -> JsonCodec.read(v, ExperimentEvent.class) instanceof ExperimentEvent.Accepted a
                && a.experimentId().equals("buggy"));
    }

    @Test
    void aStrategyThatThrowsDuringTheTimeoutCheckDoesNotStopTheCheckOfOtherExperiments() throws Exception {
        // one experiment with a healthy strategy and one whose strategy fails once its first trial times out
        experiments.pipeInput("healthy", ControllerTopologyTest.exampleSpec(3, 1));
        String failing = new String(ControllerTopologyTest.exampleSpec(3, 1), StandardCharsets.UTF_8)
                .replace("\"name\": \"random\"", "\"name\": \"" + FailingStrategyProvider.LATE_NAME + "\"");
        experiments.pipeInput("fails-late", bytes(failing));
        assertThat(trials.readValuesToList()).hasSize(2);
        events.readValuesToList();
        // both first trials stay silent past the 1800 s timeout twice (two attempts each): then each ends failed
        // and the strategy is asked for the next trial; the failing strategy throws there
        driver.advanceWallClockTime(java.time.Duration.ofSeconds(1810));
        assertThat(trials.readValuesToList()).hasSize(2); // the second attempts
        driver.advanceWallClockTime(java.time.Duration.ofSeconds(1810));
        List<TrialRequest> next = trials.readValuesToList().stream().map(v -> JsonCodec.read(v, TrialRequest.class)).toList();
        assertThat(next).extracting(TrialRequest::experimentId).contains("healthy").doesNotContain("fails-late");
        driver.advanceWallClockTime(java.time.Duration.ofSeconds(20)); // later rounds go on
        aValidExperimentStillRuns("after-punctuation");
    }

    @Test
    void aCommandLabelledWithAnotherTenantIsRefusedUnlessAnAdminSentIt() throws Exception {
        RecordHeaders acme = new RecordHeaders();
        acme.add(ActorHeaders.TENANT, bytes("acme"));
        experiments.pipeInput(new TestRecord<>("owned", ControllerTopologyTest.exampleSpec(4, 1), acme));
        events.readValuesToList();
        RecordHeaders globex = new RecordHeaders();
        globex.add(ActorHeaders.TENANT, bytes("globex"));
        experiments.pipeInput(new TestRecord<>("owned", bytes("{\"command\": \"pause\"}"), globex));
        assertThat(deadLetterReason()).isEqualTo("PAUSE for experiment 'owned' from tenant 'globex', which does not own it");
        assertThat(events.readValuesToList()).isEmpty();
        RecordHeaders admin = new RecordHeaders();
        admin.add(ActorHeaders.TENANT, bytes("admin"));
        admin.add(ActorHeaders.ACTOR, bytes("admin:admin"));
        experiments.pipeInput(new TestRecord<>("owned", bytes("{\"command\": \"pause\"}"), admin));
        experiments.pipeInput(new TestRecord<>("owned", bytes("{\"command\": \"resume\"}"), new RecordHeaders()));
        assertThat(events.readValuesToList().stream().map(v -> JsonCodec.read(v, ExperimentEvent.class))
                .filter(e -> e instanceof ExperimentEvent.StatusChanged).map(e -> ((ExperimentEvent.StatusChanged) e).actor()))
                .containsExactly("admin:admin", "topic");
        assertThat(dlq.readRecordsToList()).isEmpty();
    }

    @Test
    void garbageAndHugeTenantAndActorHeadersAreBoundedNotFatal() throws Exception {
        byte[] garbage = new byte[100_000];
        java.util.Arrays.fill(garbage, (byte) 0xff);
        RecordHeaders headers = new RecordHeaders();
        headers.add(ActorHeaders.TENANT, garbage);
        headers.add(ActorHeaders.ACTOR, garbage);
        experiments.pipeInput(new TestRecord<>("odd-headers", ControllerTopologyTest.exampleSpec(2, 1), headers));
        assertThat(dlq.readRecordsToList()).isEmpty();
        assertThat(events.readValuesToList()).first().satisfies(v -> assertThat(JsonCodec.read(v, ExperimentEvent.class))
                .isInstanceOfSatisfying(ExperimentEvent.Accepted.class, a -> assertThat(a.actor()).hasSizeLessThanOrEqualTo(80)));
        RecordHeaders nullValues = new RecordHeaders();
        nullValues.add(ActorHeaders.TENANT, null);
        nullValues.add(ActorHeaders.ACTOR, null);
        experiments.pipeInput(new TestRecord<>("odd-headers", bytes("{\"command\": \"pause\"}"), nullValues));
        assertThat(dlq.readRecordsToList()).isEmpty();
        assertThat(events.readValuesToList()).singleElement().satisfies(v -> assertThat(JsonCodec.read(v, ExperimentEvent.class))
                .isInstanceOfSatisfying(ExperimentEvent.StatusChanged.class, c -> assertThat(c.actor()).isEqualTo("topic")));
    }
}
