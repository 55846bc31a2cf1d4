package org.naspipeline.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.naspipeline.api.BudgetSpec;
import org.naspipeline.api.DatasetSpec;
import org.naspipeline.api.ExperimentEvent;
import org.naspipeline.api.ExperimentSpec;
import org.naspipeline.api.JsonCodec;
import org.naspipeline.api.Topics;
import org.naspipeline.api.TrainingSpec;
import org.naspipeline.api.TrialStatus;
import org.naspipeline.controller.TopicSetup;
import org.naspipeline.testkit.ConsumerGroups;
import org.naspipeline.testkit.KafkaCluster;
import org.naspipeline.testkit.KafkaExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A whole experiment through a real broker: the controller schedules trials on Kafka, two workers in one
 * consumer group train real DJL models on the bundled subset, and results flow back until completion.
 */
@ExtendWith(KafkaExtension.class)
class PipelineEndToEndIT {
    static final Path DATA = Path.of("..", "datasets", "fashion-mnist-mini");

    @TempDir
    Path work;

    @Test
    void anExperimentRunsToCompletionWithRealTrainingAndAPoisonTrialGoesToTheDlq(KafkaCluster kafka) throws Exception {
        ExperimentSpec example = JsonCodec.readSpec(Files.readAllBytes(Path.of("..", "examples", "fashion-mnist.json")));
        String id = "e2e-" + UUID.randomUUID().toString().substring(0, 8);
        ExperimentSpec spec = new ExperimentSpec(1, id, "e2e", new DatasetSpec("fashion-mnist", 1500, 400),
                example.searchSpace(), example.strategy(), new BudgetSpec(3, 2, 2), new TrainingSpec(1, 64, 0.002, "adam"), null);
        TopicSetup.ensure(kafka.bootstrapServers(), 4);
        ConsumerGroups.startAtEnd(kafka, LocalPipeline.workerGroup(id), Topics.TRIALS); // not what other tests left
        String poisonKey = "poison-" + id;
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class))) {
            producer.send(new ProducerRecord<>(Topics.TRIALS, poisonKey, "{\"trialId\": 42".getBytes(StandardCharsets.UTF_8))).get();
        }

        List<ExperimentEvent> events;
        try (LocalPipeline pipeline = new LocalPipeline(kafka.bootstrapServers(), 2, work, DATA.toAbsolutePath(), id)) {
            pipeline.submit(spec);
            events = new ExperimentWatcher(kafka.bootstrapServers()).follow(id, Duration.ofMinutes(5), e -> {});
        }

        DemoSummary summary = DemoSummary.from(id, "random", DATA.toString(), 0, events);
        assertThat(summary.status()).isEqualTo("completed");
        assertThat(summary.trials()).extracting(DemoSummary.TrialRow::trialId)
                .containsExactly(id + "-t0001", id + "-t0002", id + "-t0003");
        assertThat(summary.trials()).allSatisfy(t -> {
            assertThat(t.status()).isEqualTo(TrialStatus.COMPLETED);
            assertThat(t.accuracy()).isGreaterThan(0.5);
            assertThat(t.latencyMsP50()).isPositive();
            assertThat(t.sizeBytes()).isGreaterThan(4 * t.params());
        });
        assertThat(summary.trials()).extracting(t -> t.candidate()).doesNotHaveDuplicates();
        double bestAccuracy = summary.trials().stream().mapToDouble(DemoSummary.TrialRow::accuracy).max().orElseThrow();
        assertThat(summary.best().accuracy()).isEqualTo(bestAccuracy);
        ExperimentEvent last = events.get(events.size() - 1);
        assertThat(last).isInstanceOfSatisfying(ExperimentEvent.Completed.class, c -> {
            assertThat(c.completedTrials()).isEqualTo(3);
            assertThat(c.bestAccuracy()).isEqualTo(bestAccuracy);
        });
        assertThat(Files.list(work.resolve("artifacts").resolve(id)).count()).isEqualTo(3);

        assertThat(dlqReasonFor(kafka, poisonKey)).startsWith("$: ").contains("not valid JSON");
    }

    static String dlqReasonFor(KafkaCluster kafka, String key) {
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "dlq-reader-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class))) {
            consumer.subscribe(List.of(Topics.DLQ));
            List<String> reasons = new ArrayList<>();
            long deadline = System.currentTimeMillis() + 30_000;
            while (reasons.isEmpty() && System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(250))) {
                    if (key.equals(r.key())) {
                        reasons.add(new String(r.headers().lastHeader("nas.reason").value(), StandardCharsets.UTF_8));
                    }
                }
            }
            assertThat(reasons).as("DLQ record for %s", key).hasSize(1);
            return reasons.get(0);
        }
    }
}
