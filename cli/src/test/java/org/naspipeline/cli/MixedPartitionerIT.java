package org.naspipeline.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.utils.Utils;
import org.awaitility.Awaitility;
import org.naspipeline.api.Topics;
import org.naspipeline.controller.ControllerConfig;
import org.naspipeline.controller.ControllerVerticle;
import org.naspipeline.controller.http.ApiTokens;
import org.naspipeline.controller.TopicSetup;
import org.naspipeline.ops.Observability;
import org.naspipeline.strategy.StrategyRegistry;
import org.naspipeline.testkit.ConsumerGroups;
import org.naspipeline.testkit.CloseAfterEach;
import org.naspipeline.testkit.KafkaCluster;
import org.naspipeline.testkit.KafkaExtension;
import org.naspipeline.worker.pipeline.SyntheticEvaluator;
import org.naspipeline.worker.service.WorkerConfig;
import org.naspipeline.worker.service.WorkerService;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Experiments and commands produced the way librdkafka-based clients place them (CRC32 of the key, not
 * murmur2), each on a partition other than the one Java's partitioner would pick, run to completion, cancel,
 * and are readable through either of two controller instances.
 */
@ExtendWith(KafkaExtension.class)
class MixedPartitionerIT {
    static final int PARTITIONS = 4;
    @TempDir
    Path dir;
    @RegisterExtension
    final CloseAfterEach cleanup = new CloseAfterEach();


    /** Ids starting with {@code prefix} whose CRC32 partition differs from their murmur2 partition. */
    static List<String> idsPlacedDifferently(String prefix, int count) {
        List<String> ids = new ArrayList<>();
        for (int i = 0; ids.size() < count; i++) {
            String id = prefix + "-" + i;
            byte[] key = id.getBytes(StandardCharsets.UTF_8);
            if (Crc32Partitioner.partition(key, PARTITIONS) != Utils.toPositive(Utils.murmur2(key)) % PARTITIONS) {
                ids.add(id);
            }
        }
        return ids;
    }

    @Test
    void experimentsAndCommandsFromACrc32ProducerCompleteCancelAndAreReadableEverywhere(KafkaCluster kafka) throws Exception {
        TopicSetup.ensure(kafka.bootstrapServers(), PARTITIONS);
        String appId = "mixed-" + UUID.randomUUID().toString().substring(0, 6);
        String base1 = startController(kafka, appId, "c1");
        String base2 = startController(kafka, appId, "c2");
        ServiceHttp.awaitReady(base1, Duration.ofSeconds(90));
        ServiceHttp.awaitReady(base2, Duration.ofSeconds(90));
        String group = "mixed-workers-" + appId;
        ConsumerGroups.startAtEnd(kafka, group, Topics.TRIALS);
        WorkerService worker = new WorkerService(WorkerConfig.embedded(kafka.bootstrapServers(), group, "w-mixed", 2, "cpu", null,
                dir.resolve("artifacts"), 5, 1, "synthetic", 100),
                List.of(new SyntheticEvaluator("w-mixed", 100), new SyntheticEvaluator("w-mixed", 100)));
        worker.start();
        cleanup.add(worker);

        List<String> ids = idsPlacedDifferently(appId, 4);
        String cancelled = ids.get(3);
        try (KafkaProducer<byte[], byte[]> librdkafkaLike = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ProducerConfig.PARTITIONER_CLASS_CONFIG, Crc32Partitioner.class,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class))) {
            for (String id : ids) {
                ObjectNode spec = ServiceHttp.smallExperiment("examples/fashion-mnist.json", id, id.equals(cancelled) ? 200 : 3);
                if (id.equals(cancelled)) {
                    ((ObjectNode) spec.path("budget")).put("parallelism", 1);
                }
                librdkafkaLike.send(new ProducerRecord<>(Topics.EXPERIMENTS, bytes(id), PrometheusServer.JSON.writeValueAsBytes(spec))).get();
            }
            awaitStatus(base1, cancelled, "running");
            librdkafkaLike.send(new ProducerRecord<>(Topics.EXPERIMENTS, bytes(cancelled),
                    bytes("{\"command\": \"cancel\", \"reason\": \"from a CRC32 client\"}"))).get();
        }

        for (String id : ids) {
            JsonNode end1 = ServiceHttp.awaitEnd(base1, id, Duration.ofMinutes(2));
            JsonNode end2 = PrometheusServer.get(base2 + "/api/v1/experiments/" + id);
            assertThat(end2.path("status").asText()).isEqualTo(end1.path("status").asText());
            if (id.equals(cancelled)) {
                assertThat(end1.path("status").asText()).as(id).isEqualTo("cancelled");
            } else {
                assertThat(end1.path("status").asText()).as(id).isEqualTo("completed");
                assertThat(end1.path("completed").asInt()).as(id).isEqualTo(3);
                assertThat(PrometheusServer.get(base2 + "/api/v1/experiments/" + id + "/trials")).hasSize(3);
            }
        }
        for (String base : List.of(base1, base2)) {
            List<String> listed = new ArrayList<>();
            PrometheusServer.get(base + "/api/v1/experiments").forEach(e -> listed.add(e.path("id").asText()));
            assertThat(listed).containsAll(ids);
        }
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static void awaitStatus(String base, String id, String status) {
        Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).ignoreExceptions().until(() ->
                PrometheusServer.get(base + "/api/v1/experiments/" + id).path("status").asText().equals(status));
    }

    /** Starts an in-process controller instance with its REST API; returns its base URL. */
    String startController(KafkaCluster kafka, String appId, String name) throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        ControllerConfig config = new ControllerConfig(kafka.bootstrapServers(), appId, dir.resolve(name), PARTITIONS)
                .withHttp(port, "localhost", ApiTokens.NONE);
        PrometheusMeterRegistry meters = Observability.registry("controller", name);
        Vertx vertx = Observability.vertx(meters, Duration.ofSeconds(60));
        vertx.deployVerticle(new ControllerVerticle(config, StrategyRegistry.load(), meters)).toCompletionStage()
                .toCompletableFuture().get(60, TimeUnit.SECONDS);
        cleanup.add(() -> vertx.close().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS));
        return "http://localhost:" + port;
    }
}
