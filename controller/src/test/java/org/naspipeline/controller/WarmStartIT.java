package org.naspipeline.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.naspipeline.controller.ControllerRig.awaitStatus;
import static org.naspipeline.controller.ControllerRig.post;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.naspipeline.api.Candidate;
import org.naspipeline.api.ExperimentEvent;
import org.naspipeline.api.JsonCodec;
import org.naspipeline.api.Topics;
import org.naspipeline.controller.http.ApiTokens;
import org.naspipeline.controller.logic.WarmStartExchange;
import org.naspipeline.testkit.CloseAfterEach;
import org.naspipeline.testkit.KafkaCluster;
import org.naspipeline.testkit.KafkaExtension;

/**
 * A warm start on a real broker (exactly-once controller, four partitions), between two experiments whose ids hash
 * to different partitions, so their state lives in different Streams tasks: the request and the answer go round
 * through {@code nas.experiments}, the new experiment's strategy is seeded with every completed result of the
 * earlier one, proposes none of them again, and counts only its own trials.
 */
@ExtendWith(KafkaExtension.class)
class WarmStartIT {
    static final int PARTITIONS = 4;

    @RegisterExtension
    final CloseAfterEach cleanup = new CloseAfterEach();

    @TempDir
    Path dir;

    static int partition(String key) {
        return Utils.toPositive(Utils.murmur2(key.getBytes(java.nio.charset.StandardCharsets.UTF_8))) % PARTITIONS;
    }

    /** The demo spec as {@code id} with {@code strategy} (JSON), the budget, and a warm start from {@code from} (or none). */
    static byte[] spec(String id, String strategy, int maxTrials, int parallelism, String from) throws Exception {
        ObjectNode root = (ObjectNode) JsonCodec.readTree(Files.readAllBytes(Path.of("..", "examples", "fashion-mnist.json")));
        root.put("id", id);
        root.set("strategy", JsonCodec.readTree(strategy.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        ((ObjectNode) root.get("budget")).put("maxTrials", maxTrials).put("parallelism", parallelism);
        if (from != null) {
            root.putObject("warmStart").put("fromExperiment", from);
        }
        return JsonCodec.write(root);
    }

    @Test
    void theEarlierExperimentsOwnerSeedsTheNewOneAcrossPartitions(KafkaCluster kafka) throws Exception {
        TopicSetup.ensure(kafka.bootstrapServers(), PARTITIONS);
        String appId = "warm-" + UUID.randomUUID().toString().substring(0, 6);
        String old = appId + "-old";
        String next = appId + "-new";
        for (int i = 0; partition(next) == partition(old); i++) {
            next = appId + "-new" + i;
        }
        ControllerRig.Running controller = ControllerRig.start(ControllerRig.config(kafka.bootstrapServers(), appId, dir.resolve("c"),
                ControllerRig.freePort(), ApiTokens.NONE));
        cleanup.add(controller);
        String base = controller.base();
        ControllerRig.awaitReady(base);
        SyntheticTrials workers = new SyntheticTrials(kafka.bootstrapServers(), base, null);
        cleanup.add(workers);

        assertThat(post(base, "/api/v1/experiments", spec(old, "{\"name\": \"random\", \"seed\": 3}", 6, 6, null), null).statusCode())
                .isEqualTo(201);
        workers.complete(old, 6);
        awaitStatus(base, old, "completed", null);

        String evolution = "{\"name\": \"regularized-evolution\", \"seed\": 4, \"settings\": {\"populationSize\": 6, \"sampleSize\": 6}}";
        assertThat(post(base, "/api/v1/experiments", spec(next, evolution, 4, 2, old), null).statusCode()).isEqualTo(201);
        String id = next;
        List<ExperimentEvent> events = new ArrayList<>();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).until(() -> {
            events.clear();
            ControllerRig.records(kafka.bootstrapServers(), Topics.EXPERIMENT_EVENTS, id)
                    .forEach(r -> events.add(JsonCodec.read(r.value(), ExperimentEvent.class)));
            return events.stream().filter(e -> e instanceof ExperimentEvent.TrialScheduled).count() == 2;
        });
        assertThat(events.get(0)).isInstanceOf(ExperimentEvent.Accepted.class);
        assertThat(events).filteredOn(e -> e instanceof ExperimentEvent.StatusChanged)
                .extracting(e -> ((ExperimentEvent.StatusChanged) e).reason()).containsExactly(
                        "waiting for the completed results of experiment '" + old + "' (warmStart)",
                        "warm-started from experiment '" + old + "': 6 completed result(s) told to the strategy");

        // the request went to the earlier experiment's partition, the answer to the new one's
        List<ConsumerRecord<String, byte[]>> toOld = ControllerRig.experimentRecords(kafka.bootstrapServers(), old);
        List<ConsumerRecord<String, byte[]>> toNew = ControllerRig.experimentRecords(kafka.bootstrapServers(), next);
        assertThat(toOld).hasSize(2); // the submission and the request
        assertThat(toNew).hasSize(2); // the submission and the answer
        assertThat(toOld.get(1).partition()).isEqualTo(partition(old)).isNotEqualTo(toNew.get(1).partition());
        WarmStartExchange.Request request = JsonCodec.read(toOld.get(1).value(), WarmStartExchange.Request.class);
        assertThat(request.experimentId()).isEqualTo(next);
        WarmStartExchange.Answer answer = JsonCodec.read(toNew.get(1).value(), WarmStartExchange.Answer.class);
        List<Candidate> oldCandidates = new ArrayList<>();
        for (JsonNode t : ControllerRig.json(ControllerRig.get(base, "/api/v1/experiments/" + old + "/trials", null))) {
            oldCandidates.add(JsonCodec.read(JsonCodec.write(t.get("candidate")), Candidate.class));
        }
        assertThat(answer.errors()).isEmpty();
        assertThat(answer.seeds()).extracting(WarmStartExchange.Seed::candidate).containsExactlyInAnyOrderElementsOf(oldCandidates);

        // the new experiment proposes none of the seeded candidates, and counts only its own four trials
        workers.complete(next, 4);
        JsonNode summary = awaitStatus(base, next, "completed", null);
        assertThat(summary.path("completed").asInt()).isEqualTo(4);
        List<Candidate> asked = new ArrayList<>();
        for (JsonNode t : ControllerRig.json(ControllerRig.get(base, "/api/v1/experiments/" + next + "/trials", null))) {
            assertThat(t.path("trialId").asText()).startsWith(next + "-t");
            asked.add(JsonCodec.read(JsonCodec.write(t.get("candidate")), Candidate.class));
        }
        assertThat(asked).hasSize(4).doesNotContainAnyElementsOf(oldCandidates);
        assertThat(summary.path("bestTrialId").asText()).startsWith(next + "-t");
    }
}
