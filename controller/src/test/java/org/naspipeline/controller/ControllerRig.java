package org.naspipeline.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.naspipeline.api.JsonCodec;
import org.naspipeline.api.Topics;
import org.naspipeline.controller.http.ApiTokens;
import org.naspipeline.ops.Observability;
import org.naspipeline.strategy.StrategyRegistry;

/** Test helpers for controllers with HTTP on a real broker: start one, talk to it with the JDK client, read topics. */
final class ControllerRig {
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private ControllerRig() {}

    /** A controller verticle in its own Vert.x; closing it closes both. */
    record Running(String base, Vertx vertx) implements AutoCloseable {
        @Override
        public void close() throws Exception {
            vertx.close().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        }
    }

    static Running start(ControllerConfig config) throws Exception {
        PrometheusMeterRegistry meters = Observability.registry("controller", "it-" + config.httpPort());
        Vertx vertx = Observability.vertx(meters, Duration.ofSeconds(60));
        try {
            vertx.deployVerticle(new ControllerVerticle(config, StrategyRegistry.load(), meters)).toCompletionStage()
                    .toCompletableFuture().get(90, TimeUnit.SECONDS);
        } catch (Exception e) {
            vertx.close().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
            throw e;
        }
        return new Running("http://localhost:" + config.httpPort(), vertx);
    }

    static ControllerConfig config(String bootstrap, String appId, Path state, int port, ApiTokens tokens) {
        return new ControllerConfig(bootstrap, appId, state, 4).withHttp(port, "localhost", tokens);
    }

    static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    static void awaitReady(String base) {
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250)).until(() -> {
            try {
                return send(HttpRequest.newBuilder(URI.create(base + "/health/ready")).GET(), null).statusCode() == 200;
            } catch (java.io.IOException e) {
                return false;
            }
        });
    }

    static HttpResponse<String> get(String base, String path, String token) throws Exception {
        return send(HttpRequest.newBuilder(URI.create(base + path)).GET(), token);
    }

    static HttpResponse<String> post(String base, String path, byte[] body, String token) throws Exception {
        return send(HttpRequest.newBuilder(URI.create(base + path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)), token);
    }

    static HttpResponse<String> delete(String base, String path, String token) throws Exception {
        return send(HttpRequest.newBuilder(URI.create(base + path)).DELETE(), token);
    }

    static HttpResponse<String> send(HttpRequest.Builder request, String token) throws Exception {
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return HTTP.send(request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static JsonNode json(HttpResponse<String> response) {
        return JsonCodec.readTree(response.body().getBytes(StandardCharsets.UTF_8));
    }

    /** Waits until the experiment reads with {@code status} (as {@code token}) and returns its summary. */
    static JsonNode awaitStatus(String base, String id, String status, String token) {
        JsonNode[] last = {null};
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).until(() -> {
            HttpResponse<String> r = get(base, "/api/v1/experiments/" + id, token);
            if (r.statusCode() != 200) {
                return false;
            }
            last[0] = json(r);
            return last[0].path("status").asText().equals(status);
        });
        return last[0];
    }

    /** The demo spec with {@code id} and a budget large enough to stay running without workers. */
    static byte[] spec(String id) throws Exception {
        ObjectNode root = (ObjectNode) JsonCodec.readTree(Files.readAllBytes(Path.of("..", "examples", "fashion-mnist.json")));
        root.put("id", id);
        ObjectNode budget = (ObjectNode) root.get("budget");
        budget.put("maxTrials", 20);
        budget.put("parallelism", 2);
        return JsonCodec.write(root);
    }

    /** Every record on {@code nas.experiments} with key {@code id}, read from the beginning to the current end. */
    static List<ConsumerRecord<String, byte[]>> experimentRecords(String bootstrap, String id) {
        return records(bootstrap, Topics.EXPERIMENTS, id);
    }

    /** The committed records of {@code topic} keyed {@code id}, read to the topic's current end. */
    static List<ConsumerRecord<String, byte[]>> records(String bootstrap, String topic, String id) {
        List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class))) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (PartitionInfo p : consumer.partitionsFor(topic)) {
                partitions.add(new TopicPartition(p.topic(), p.partition()));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                assertThat(System.nanoTime()).as("read " + topic + " to its end").isLessThan(deadline);
                consumer.poll(Duration.ofMillis(200)).forEach(r -> {
                    if (id.equals(r.key())) {
                        out.add(r);
                    }
                });
            }
        }
        return out;
    }

    /** A header's value as text, or null. */
    static String header(ConsumerRecord<?, ?> record, String name) {
        var h = record.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
