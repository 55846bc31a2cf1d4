package org.naspipeline.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.locks.ReentrantLock;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.naspipeline.api.ExperimentEvent;
import org.naspipeline.api.JsonCodec;
import org.naspipeline.api.RecordChecks;
import org.naspipeline.api.Topics;
import org.naspipeline.api.TrialResult;
import org.naspipeline.api.TrialMetrics;
import org.naspipeline.controller.ControllerConfig;
import org.naspipeline.controller.ControllerService;
import org.naspipeline.controller.TopicSetup;
import org.naspipeline.strategy.StrategyRegistry;
import org.naspipeline.testkit.ConsumerGroups;
import org.naspipeline.testkit.KafkaCluster;
import org.naspipeline.testkit.KafkaExtension;
import org.naspipeline.worker.service.WorkerAssembly;
import org.naspipeline.worker.service.WorkerConfig;
import org.naspipeline.worker.service.WorkerService;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Records that used to stop the controller for good, written by a plain byte producer (no code of ours), one of
 * each class on each input topic: the controller's ({@code nas.experiments}, {@code nas.trial-results}) and the
 * worker's ({@code nas.trials}, {@code nas.trial-control}; this run's only worker owns partition 0 of
 * {@code nas.trials}, so it dead-letters the broadcast's bad records). Each must land on {@code nas.dlq} with a
 * reason, no stream thread may die, and a valid experiment submitted afterwards must complete with all its trials.
 */
@ExtendWith(KafkaExtension.class)
class PoisonRecordIT {
    @TempDir
    Path work;

    static byte[] utf8(String s) {
        return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
    }

    static String example() throws Exception {
        return Files.readString(Path.of("..", "examples", "fashion-mnist.json"));
    }

    /** One record of each class for {@code nas.experiments}, by a description. */
    static Map<String, ProducerRecord<byte[], byte[]>> experimentPoison(String run) throws Exception {
        String spec = example();
        Map<String, ProducerRecord<byte[], byte[]>> r = new LinkedHashMap<>();
        String t = Topics.EXPERIMENTS;
        r.put("tombstone", new ProducerRecord<>(t, utf8(run + "-x"), null));
        r.put("tombstone without key", new ProducerRecord<>(t, null, null));
        r.put("garbage bytes", new ProducerRecord<>(t, utf8(run + "-g"), new byte[] {(byte) 0xc3, 0x28, 0, (byte) 0xff, 0x7b}));
        r.put("empty object", new ProducerRecord<>(t, utf8(run + "-e"), utf8("{}")));
        r.put("JSON null", new ProducerRecord<>(t, utf8(run + "-n"), utf8("null")));
        r.put("null required field", new ProducerRecord<>(t, utf8(run + "-nb"), utf8(spec.replaceFirst("\"budget\": \\{[^}]*\\}", "\"budget\": null"))));
        String multi = Files.readString(Path.of("..", "examples", "multi-objective.json"));
        r.put("null bound", new ProducerRecord<>(t, utf8(run + "-nm"), utf8(multi.replace("\"min\": 0.0005", "\"min\": null"))));
        r.put("NaN constraint", new ProducerRecord<>(t, utf8(run + "-nan"), utf8(multi.replace("\"max\": 2000000", "\"max\": NaN"))));
        r.put("wrong type", new ProducerRecord<>(t, utf8(run + "-wt"), utf8(spec.replace("\"maxTrials\": 4", "\"maxTrials\": \"four\""))));
        r.put("key/id mismatch", new ProducerRecord<>(t, utf8(run + "-k1"), utf8(spec.replaceFirst("\\{", "{\"id\": \"" + run + "-k2\","))));
        r.put("no key, no id", new ProducerRecord<>(t, null, utf8(spec)));
        r.put("huge name", new ProducerRecord<>(t, utf8(run + "-h"), utf8(spec.replaceFirst("\\{", "{\"name\": \"" + "n".repeat(900_000) + "\","))));
        r.put("huge key", new ProducerRecord<>(t, utf8("k".repeat(100_000)), utf8(spec)));
        r.put("command without key", new ProducerRecord<>(t, null, utf8("{\"command\": \"cancel\"}")));
        r.put("command for unknown experiment", new ProducerRecord<>(t, utf8(run + "-unknown"), utf8("{\"command\": \"pause\"}")));
        r.put("unknown command", new ProducerRecord<>(t, utf8(run + "-unknown"), utf8("{\"command\": \"explode\"}")));
        return r;
    }

    /** One record of each class for {@code nas.trial-results}. */
    static Map<String, ProducerRecord<byte[], byte[]>> resultPoison(String run) {
        String ok = new String(JsonCodec.write(new TrialResult.Completed(1, run + "-e", run + "-e-t0001", 1, "w",
                TrialMetrics.synthetic(0.5, 1, 100), "file:///a")), StandardCharsets.UTF_8);
        Map<String, ProducerRecord<byte[], byte[]>> r = new LinkedHashMap<>();
        String t = Topics.TRIAL_RESULTS;
        byte[] key = utf8(run + "-e");
        r.put("tombstone", new ProducerRecord<>(t, key, null));
        r.put("no key", new ProducerRecord<>(t, null, utf8(ok)));
        r.put("garbage bytes", new ProducerRecord<>(t, key, new byte[] {1, 2, 3, (byte) 0xfe}));
        r.put("empty object", new ProducerRecord<>(t, key, utf8("{}")));
        r.put("null experimentId", new ProducerRecord<>(t, key, utf8(ok.replace("\"experimentId\":\"" + run + "-e\"", "\"experimentId\":null"))));
        r.put("null metrics", new ProducerRecord<>(t, key, utf8(ok.replaceFirst("\"metrics\":\\{.*\\},\"artifactUri\"", "\"metrics\":null,\"artifactUri\""))));
        r.put("wrong type", new ProducerRecord<>(t, key, utf8(ok.replace("\"attempt\":1", "\"attempt\":\"one\""))));
        r.put("key/id mismatch", new ProducerRecord<>(t, utf8(run + "-other"), utf8(ok)));
        r.put("unknown type", new ProducerRecord<>(t, key, utf8(ok.replace("\"type\":\"completed\"", "\"type\":\"exploded\""))));
        r.put("huge value", new ProducerRecord<>(t, key, utf8(ok.replace("\"workerId\":\"w\"", "\"workerId\":\"" + "w".repeat(900_000) + "\""))));
        r.put("unknown experiment", new ProducerRecord<>(t, key, utf8(ok)));
        return r;
    }

    /** One record of each class for the workers' inputs, {@code nas.trials} and {@code nas.trial-control}. */
    static Map<String, ProducerRecord<byte[], byte[]>> workerPoison(String run) {
        String request = "{\"schemaVersion\":1,\"experimentId\":\"" + run + "-w\",\"trialId\":\"" + run + "-w-t0001\",\"attempt\":1,"
                + "\"candidate\":null,\"dataset\":{\"name\":\"fashion-mnist\"},\"training\":null,\"seed\":1}";
        String control = "{\"schemaVersion\":1,\"experimentId\":\"" + run + "-w\",\"trialId\":\"" + run + "-w-t0001\",\"attempt\":1,"
                + "\"action\":\"cancel\",\"reason\":\"r\"}";
        byte[] trialKey = utf8(run + "-w-t0001");
        Map<String, ProducerRecord<byte[], byte[]>> r = new LinkedHashMap<>();
        for (String t : List.of(Topics.TRIALS, Topics.TRIAL_CONTROL)) {
            String valid = t.equals(Topics.TRIALS) ? request : control;
            r.put(t + ": tombstone", new ProducerRecord<>(t, trialKey, null));
            r.put(t + ": garbage bytes", new ProducerRecord<>(t, trialKey, new byte[] {(byte) 0xfe, 0, 1}));
            r.put(t + ": empty object", new ProducerRecord<>(t, trialKey, utf8("{}")));
            r.put(t + ": null experimentId", new ProducerRecord<>(t, trialKey, utf8(valid.replace("\"" + run + "-w\"", "null"))));
            r.put(t + ": wrong type", new ProducerRecord<>(t, trialKey, utf8(valid.replace("\"attempt\":1", "\"attempt\":\"one\""))));
            r.put(t + ": key/id mismatch", new ProducerRecord<>(t, utf8(run + "-other"), utf8(valid)));
            r.put(t + ": huge value", new ProducerRecord<>(t, trialKey, utf8(valid.replace("\"" + run + "-w\"", "\"" + "x".repeat(900_000) + "\""))));
        }
        r.put(Topics.TRIALS + ": missing parts", new ProducerRecord<>(Topics.TRIALS, trialKey, utf8(request)));
        return r;
    }

    @Test
    void everyPoisonRecordIsDeadLetteredAndAValidExperimentStillCompletes(KafkaCluster kafka) throws Exception {
        String run = "poison-" + UUID.randomUUID().toString().substring(0, 8);
        TopicSetup.ensure(kafka.bootstrapServers(), 4);
        String group = "nas-workers-" + run;
        ConsumerGroups.startAtEnd(kafka, group, Topics.TRIALS); // before the poison, which this run's worker must read
        Map<String, String> expected = new HashMap<>(); // nas.source of each record → its description
        Map<String, ProducerRecord<byte[], byte[]>> controllerInputs = new LinkedHashMap<>();
        experimentPoison(run).forEach((d, r) -> controllerInputs.put(Topics.EXPERIMENTS + ": " + d, r));
        resultPoison(run).forEach((d, r) -> controllerInputs.put(Topics.TRIAL_RESULTS + ": " + d, r));
        produce(kafka, controllerInputs, expected); // before the controller starts: it reads them first thing

        ControllerService controller = new ControllerService(
                new ControllerConfig(kafka.bootstrapServers(), "nas-controller-" + run, work.resolve("state"), 4), StrategyRegistry.load());
        WorkerService worker = WorkerAssembly.worker(WorkerConfig.embedded(kafka.bootstrapServers(), group, "poison-worker", 2,
                "auto", null, work.resolve("artifacts"), 5, 1, "synthetic", 50), new ReentrantLock(), new SimpleMeterRegistry());
        try {
            controller.start();
            worker.start();
            // the worker's inputs once it holds nas.trials: a bad broadcast record is dead-lettered as it arrives, by
            // the owner of partition 0 (one read while catching up at start was handled when it arrived)
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                    .until(() -> worker.health().assignedPartitions() == 4);
            produce(kafka, workerPoison(run), expected);
            Map<String, String> reasons = deadLetters(kafka, expected, Duration.ofMinutes(2));
            assertThat(reasons.keySet()).containsExactlyInAnyOrderElementsOf(expected.values());
            reasons.forEach((what, reason) -> assertThat(reason).as(what).isNotBlank().doesNotContain("Exception"));

            String id = run + "-valid";
            produce(kafka, Map.of("valid", new ProducerRecord<>(Topics.EXPERIMENTS, utf8(id), utf8(example()))), new HashMap<>());
            List<ExperimentEvent> events = new ExperimentWatcher(kafka.bootstrapServers()).follow(id, Duration.ofMinutes(2), e -> {});
            assertThat(events.get(events.size() - 1)).isInstanceOfSatisfying(ExperimentEvent.Completed.class,
                    c -> assertThat(c.completedTrials()).isEqualTo(4));
            assertThat(controller.state()).isEqualTo(KafkaStreams.State.RUNNING);
            assertThat(controller.threadReplacements()).isZero();
        } finally {
            worker.close();
            controller.close();
        }
    }

    /** Produces {@code records} with a plain byte producer, noting each one's {@code topic-partition@offset}. */
    static void produce(KafkaCluster kafka, Map<String, ProducerRecord<byte[], byte[]>> records, Map<String, String> sources)
            throws Exception {
        try (KafkaProducer<byte[], byte[]> plain = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 1_000_000,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class))) {
            for (Map.Entry<String, ProducerRecord<byte[], byte[]>> e : records.entrySet()) {
                RecordMetadata m = plain.send(e.getValue()).get();
                sources.put(m.topic() + "-" + m.partition() + "@" + m.offset(), e.getKey());
            }
        }
    }

    /** Reads {@code nas.dlq} until a dead letter of every expected source arrived: description → reason. */
    static Map<String, String> deadLetters(KafkaCluster kafka, Map<String, String> expected, Duration timeout) {
        Map<String, String> found = new LinkedHashMap<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class))) {
            List<TopicPartition> parts = c.partitionsFor(Topics.DLQ).stream().map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            c.assign(parts);
            c.seekToBeginning(parts);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (found.size() < expected.size() && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(500))) {
                    Header source = r.headers().lastHeader("nas.source");
                    Header reason = r.headers().lastHeader("nas.reason");
                    String what = source == null ? null : expected.get(new String(source.value(), StandardCharsets.UTF_8));
                    if (what != null) {
                        found.put(what, reason == null ? "" : new String(reason.value(), StandardCharsets.UTF_8));
                    } else if (source != null && reason != null) {
                        System.out.println("other dead letter from " + new String(source.value(), StandardCharsets.UTF_8)
                                + ": " + RecordChecks.abbreviate(new String(reason.value(), StandardCharsets.UTF_8)));
                    }
                }
            }
        }
        return found;
    }
}
