package org.naspipeline.worker.service;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.naspipeline.api.DatasetSpec;
import org.naspipeline.api.JsonCodec;
import org.naspipeline.api.Topics;
import org.naspipeline.api.TrainingSpec;
import org.naspipeline.api.TrialEvent;
import org.naspipeline.api.TrialRequest;
import org.naspipeline.api.TrialResult;
import org.naspipeline.ops.KafkaClientOverrides;
import org.naspipeline.testkit.ConsumerGroups;
import org.naspipeline.testkit.KafkaCluster;
import org.naspipeline.testkit.KafkaExtension;
import org.naspipeline.worker.pipeline.SyntheticEvaluator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A trial four times longer than {@code max.poll.interval.ms} completes on the real broker without a rebalance:
 * the worker keeps polling with its partitions paused while the slot is busy.
 */
@ExtendWith(KafkaExtension.class)
class LongTrialIT {
    static final int MAX_POLL_INTERVAL_MS = 1_500;
    static final int TRIAL_MS = 4 * MAX_POLL_INTERVAL_MS;

    @Test
    void aTrialLongerThanMaxPollIntervalCompletesWithoutARebalance(KafkaCluster kafka) throws Exception {
        String topicSuffix = UUID.randomUUID().toString().substring(0, 6);
        ensureTopics(kafka);
        String group = "long-" + topicSuffix;
        ConsumerGroups.startAtEnd(kafka, group, Topics.TRIALS);
        WorkerConfig config = WorkerConfig.embedded(kafka.bootstrapServers(), group, "w-long", 1, "cpu", null,
                Path.of("target", "artifacts"), 5, 1, "synthetic", TRIAL_MS)
                .withKafka(KafkaClientOverrides.of(Map.of(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, String.valueOf(MAX_POLL_INTERVAL_MS))));
        String trialId = "long-" + topicSuffix;
        TrialRequest req = new TrialRequest(1, "long", trialId, 1, WorkerControlIT.MLP, new DatasetSpec("fashion-mnist", 10, 10),
                new TrainingSpec(3, 64, 0.001, "adam"), 1L);
        Map<TopicPartition, Long> before = ConsumerGroups.committed(kafka, group, Topics.TRIALS);
        try (WorkerService worker = new WorkerService(config, List.of(new SyntheticEvaluator("w-long", TRIAL_MS)));
             KafkaProducer<String, byte[]> producer = producer(kafka);
             KafkaConsumer<String, byte[]> results = reader(kafka)) {
            worker.start();
            results.subscribe(List.of(Topics.TRIAL_RESULTS));
            producer.send(new ProducerRecord<>(Topics.TRIALS, trialId, JsonCodec.write(req))).get();
            TrialResult result = awaitResult(results, trialId, Duration.ofSeconds(60));

            assertThat(result).isInstanceOf(TrialResult.Completed.class);
            WorkerService.Health health = worker.health();
            assertThat(health.assignments()).as("partition assignments seen by the rebalance listener").isEqualTo(1);
            assertThat(health.revocations()).as("revocations seen by the rebalance listener").isZero();
            assertThat(health.alive()).isTrue();
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
                    .until(() -> ConsumerGroups.committedBeyond(kafka, group, Topics.TRIALS, before) == 1);
        }
    }

    static void ensureTopics(KafkaCluster kafka) throws Exception {
        try (Admin admin = Admin.create(Map.<String, Object>of("bootstrap.servers", kafka.bootstrapServers()))) {
            var existing = admin.listTopics().names().get();
            List<NewTopic> missing = Topics.ALL.stream().filter(t -> !existing.contains(t)).map(t -> new NewTopic(t, 2, (short) 1)).toList();
            if (!missing.isEmpty()) {
                admin.createTopics(missing).all().get();
            }
        }
    }

    static KafkaProducer<String, byte[]> producer(KafkaCluster kafka) {
        return new KafkaProducer<>(Map.of("bootstrap.servers", kafka.bootstrapServers(),
                "key.serializer", StringSerializer.class, "value.serializer", ByteArraySerializer.class));
    }

    static KafkaConsumer<String, byte[]> reader(KafkaCluster kafka) {
        return new KafkaConsumer<>(Map.of("bootstrap.servers", kafka.bootstrapServers(),
                "group.id", "reader-" + UUID.randomUUID(), "auto.offset.reset", "earliest",
                "key.deserializer", StringDeserializer.class, "value.deserializer", ByteArrayDeserializer.class));
    }

    static TrialResult awaitResult(KafkaConsumer<String, byte[]> consumer, String trialId, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                TrialEvent e = JsonCodec.read(r.value(), TrialEvent.class);
                if (e instanceof TrialResult result && result.trialId().equals(trialId)) {
                    return result;
                }
            }
        }
        throw new AssertionError("no result for " + trialId + " within " + timeout);
    }

}
