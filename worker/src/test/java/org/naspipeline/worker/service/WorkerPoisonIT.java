package org.naspipeline.worker.service;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.naspipeline.api.DatasetSpec;
import org.naspipeline.api.JsonCodec;
import org.naspipeline.api.Topics;
import org.naspipeline.api.TrainingSpec;
import org.naspipeline.api.TrialEvent;
import org.naspipeline.api.TrialRequest;
import org.naspipeline.api.TrialResult;
import org.naspipeline.testkit.ConsumerGroups;
import org.naspipeline.testkit.KafkaCluster;
import org.naspipeline.testkit.KafkaExtension;
import org.naspipeline.worker.pipeline.SyntheticEvaluator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Poison records on the worker's inputs, written by a plain byte producer on a real broker: each bad trial request
 * lands on nas.dlq with its reason and is committed, bad control records are dead-lettered once, and the worker still trains
 * the valid requests after them.
 */
@ExtendWith(KafkaExtension.class)
class WorkerPoisonIT {
    static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void badRequestsAreDeadLetteredAndCommittedBadControlsIgnoredAndValidRequestsStillRun(KafkaCluster kafka) throws Exception {
        LongTrialIT.ensureTopics(kafka);
        String run = UUID.randomUUID().toString().substring(0, 8);
        String experiment = "poison-" + run;
        String group = "poison-" + run;
        ConsumerGroups.startAtEnd(kafka, group, Topics.TRIALS);
        Map<TopicPartition, Long> before = ConsumerGroups.committed(kafka, group, Topics.TRIALS);

        Map<String, byte[]> poison = new LinkedHashMap<>();
        poison.put("tombstone", null);
        poison.put("garbage", new byte[] {(byte) 0xff, (byte) 0xfe, 0, 1, 2, '{', (byte) 0x80});
        poison.put("empty-object", "{}".getBytes(StandardCharsets.UTF_8));
        poison.put("null-experiment", edit(request(experiment, "p-" + run + "-null-experiment"), n -> n.putNull("experimentId")));
        poison.put("wrong-types", edit(request(experiment, "p-" + run + "-wrong-types"), n -> n.put("attempt", "one").put("seed", true)));
        poison.put("key-mismatch", JsonCodec.write(request(experiment, "someone-else-" + run)));
        poison.put("huge", edit(request(experiment, "p-" + run + "-huge"), n -> n.put("experimentId", "x".repeat(900_000))));
        Map<String, String> expectedReason = Map.of("tombstone", "tombstone", "garbage", "not valid JSON",
                "empty-object", "is required", "null-experiment", "experimentId", "wrong-types", "attempt",
                "key-mismatch", "$key", "huge", "at most 256 characters");

        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        WorkerConfig config = WorkerConfig.embedded(kafka.bootstrapServers(), group, "w-poison", 1, "cpu", null,
                Path.of("target", "artifacts"), 5, 1, "synthetic", 200);
        try (KafkaConsumer<String, byte[]> dlq = dlqAtEnd(kafka);
             WorkerService worker = new WorkerService(config, List.of(new SyntheticEvaluator("w-poison", 200)), registry);
             KafkaProducer<byte[], byte[]> raw = new KafkaProducer<>(Map.of("bootstrap.servers", kafka.bootstrapServers(),
                     "key.serializer", ByteArraySerializer.class, "value.serializer", ByteArraySerializer.class,
                     "max.request.size", 2_000_000));
             ResultLog log = new ResultLog(kafka, experiment)) {
            worker.start();
            for (Map.Entry<String, byte[]> p : poison.entrySet()) {
                String key = "p-" + run + "-" + p.getKey();
                raw.send(new ProducerRecord<>(Topics.TRIALS, bytes(key), p.getValue())).get();
            }
            TrialRequest first = request(experiment, "ok-" + run + "-1");
            raw.send(new ProducerRecord<>(Topics.TRIALS, bytes(first.trialId()), JsonCodec.write(first))).get();
            log.awaitUntil(e -> ResultLog.results(e) == 1, Duration.ofSeconds(60));

            Map<String, ConsumerRecord<String, byte[]>> letters = awaitLetters(dlq, run, poison.size());
            for (String kind : poison.keySet()) {
                ConsumerRecord<String, byte[]> letter = letters.get("p-" + run + "-" + kind);
                assertThat(letter).as("dead letter for " + kind).isNotNull();
                String reason = header(letter, "nas.reason");
                assertThat(reason).as(kind).contains(expectedReason.get(kind)).doesNotContain("Exception", "java.", "\tat ");
                assertThat(reason.length()).as(kind + " reason length").isLessThan(2_000);
                assertThat(header(letter, "nas.source")).startsWith(Topics.TRIALS + "-");
                assertThat(letter.value()).as(kind + " original bytes").isEqualTo(poison.get(kind));
            }

            // a key of 400,000 invalid UTF-8 bytes reads as 1.2 MB of replacement characters: too large to copy back,
            // so the dead letter goes without key and value, and the worker goes on
            byte[] garbageKey = new byte[400_000];
            java.util.Arrays.fill(garbageKey, (byte) 0xff);
            org.apache.kafka.clients.producer.RecordMetadata hugeKey = raw.send(new ProducerRecord<>(Topics.TRIALS, garbageKey,
                    bytes("{}"))).get();
            String hugeKeySource = Topics.TRIALS + "-" + hugeKey.partition() + "@" + hugeKey.offset();
            ConsumerRecord<String, byte[]> slim = null;
            long slimDeadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (slim == null && System.nanoTime() < slimDeadline) {
                for (ConsumerRecord<String, byte[]> r : dlq.poll(Duration.ofMillis(200))) {
                    if (hugeKeySource.equals(header(r, "nas.source"))) {
                        slim = r;
                    }
                }
            }
            assertThat(slim).as("dead letter of the huge-key request").isNotNull();
            assertThat(slim.key()).isNull();
            assertThat(header(slim, "nas.value-dropped")).contains("key of 400000 characters");

            // bad instructions on the broadcast topic: counted by every worker, dead-lettered by the owner of
            // nas.trials partition 0 (this one), and the worker goes on
            double invalidBefore = registry.get("nas.worker.control.records.invalid").counter().count();
            Map<String, byte[]> badControls = new LinkedHashMap<>();
            badControls.put("tombstone", null);
            badControls.put("garbage", new byte[] {(byte) 0xc3, 0x28, 0});
            badControls.put("null-trial", ("{\"schemaVersion\":1,\"experimentId\":\"" + experiment
                    + "\",\"trialId\":null,\"attempt\":1,\"action\":\"cancel\",\"reason\":\"r\"}").getBytes(StandardCharsets.UTF_8));
            badControls.put("bad-action", ("{\"schemaVersion\":1,\"experimentId\":\"" + experiment
                    + "\",\"trialId\":\"ok-" + run + "-2\",\"attempt\":1,\"action\":\"explode\",\"reason\":\"r\"}").getBytes(StandardCharsets.UTF_8));
            for (Map.Entry<String, byte[]> c : badControls.entrySet()) {
                raw.send(new ProducerRecord<>(Topics.TRIAL_CONTROL, bytes("p-" + run + "-control-" + c.getKey()), c.getValue())).get();
            }
            Map<String, ConsumerRecord<String, byte[]>> controlLetters = awaitLetters(dlq, run, badControls.size());
            for (String kind : badControls.keySet()) {
                ConsumerRecord<String, byte[]> letter = controlLetters.get("p-" + run + "-control-" + kind);
                assertThat(letter).as("dead letter for control " + kind).isNotNull();
                assertThat(header(letter, "nas.reason")).as(kind).startsWith("invalid trial control: ").doesNotContain("Exception", "java.");
                assertThat(header(letter, "nas.source")).startsWith(Topics.TRIAL_CONTROL + "-");
            }
            TrialRequest second = request(experiment, "ok-" + run + "-2");
            raw.send(new ProducerRecord<>(Topics.TRIALS, bytes(second.trialId()), JsonCodec.write(second))).get();
            List<TrialEvent> events = log.awaitUntil(e -> ResultLog.results(e) == 2, Duration.ofSeconds(60));
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() ->
                    registry.get("nas.worker.control.records.invalid").counter().count() - invalidBefore == 4);

            assertThat(events.stream().filter(e -> e instanceof TrialResult).toList()).hasSize(2)
                    .allSatisfy(r -> assertThat(r).isInstanceOf(TrialResult.Completed.class));
            assertThat(ResultLog.started(events)).containsExactly(first.trialId(), second.trialId());
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20))
                    .until(() -> ConsumerGroups.committedBeyond(kafka, group, Topics.TRIALS, before) == poison.size() + 3);
            assertThat(registry.get("nas.dlq.records").tag("topic", Topics.TRIALS).counter().count()).isEqualTo(poison.size() + 1);
            assertThat(registry.get("nas.dlq.records").tag("topic", Topics.TRIAL_CONTROL).counter().count()).isEqualTo(badControls.size());
            assertThat(worker.health().alive()).isTrue();
        }
    }

    private static TrialRequest request(String experiment, String trialId) {
        return new TrialRequest(1, experiment, trialId, 1, WorkerControlIT.MLP, new DatasetSpec("fashion-mnist", 10, 10),
                new TrainingSpec(2, 64, 0.001, "adam"), 1L);
    }

    private static byte[] edit(TrialRequest request, java.util.function.Consumer<ObjectNode> change) throws Exception {
        ObjectNode node = (ObjectNode) JSON.readTree(JsonCodec.write(request));
        change.accept(node);
        return JSON.writeValueAsBytes(node);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String header(ConsumerRecord<String, byte[]> record, String name) {
        Header h = record.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    private static KafkaConsumer<String, byte[]> dlqAtEnd(KafkaCluster kafka) {
        KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(Map.of("bootstrap.servers", kafka.bootstrapServers(),
                "key.deserializer", StringDeserializer.class, "value.deserializer", ByteArrayDeserializer.class,
                "max.partition.fetch.bytes", 2_000_000));
        List<TopicPartition> parts = c.partitionsFor(Topics.DLQ).stream().map(p -> new TopicPartition(p.topic(), p.partition())).toList();
        c.assign(parts);
        c.seekToEnd(parts);
        parts.forEach(c::position);
        return c;
    }

    private static Map<String, ConsumerRecord<String, byte[]>> awaitLetters(KafkaConsumer<String, byte[]> dlq, String run, int n) {
        Map<String, ConsumerRecord<String, byte[]>> letters = new HashMap<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (letters.size() < n && System.nanoTime() < deadline) {
            for (ConsumerRecord<String, byte[]> r : dlq.poll(Duration.ofMillis(200))) {
                if (r.key() != null && r.key().startsWith("p-" + run + "-")) {
                    letters.put(r.key(), r);
                }
            }
        }
        assertThat(letters).as("dead letters of this run").hasSize(n);
        return letters;
    }
}
