package org.naspipeline.worker.service;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.naspipeline.api.ArchitectureSpec;
import org.naspipeline.api.Candidate;
import org.naspipeline.api.DatasetSpec;
import org.naspipeline.api.HeadSpec;
import org.naspipeline.api.JsonCodec;
import org.naspipeline.api.MlpArchitecture;
import org.naspipeline.api.ModelFamily;
import org.naspipeline.api.Topics;
import org.naspipeline.api.TrainingSpec;
import org.naspipeline.api.TrialControl;
import org.naspipeline.api.TrialEvent;
import org.naspipeline.api.TrialRequest;
import org.naspipeline.api.TrialResult;
import org.naspipeline.testkit.ConsumerGroups;
import org.naspipeline.testkit.KafkaCluster;
import org.naspipeline.testkit.KafkaExtension;
import org.naspipeline.worker.pipeline.SyntheticEvaluator;

/** Stop and cancel broadcasts on the real broker end a running trial, which is then reported and committed. */
@ExtendWith(KafkaExtension.class)
class WorkerControlIT {
    static final Candidate MLP = new Candidate(new MlpArchitecture(List.of(8), new HeadSpec(0, 0)), null);

    @Test
    void stopAndCancelEndARunningTrialWhichIsReportedAndCommitted(KafkaCluster kafka) throws Exception {
        LongTrialIT.ensureTopics(kafka);
        String group = "workers-" + UUID.randomUUID();
        ConsumerGroups.startAtEnd(kafka, group, Topics.TRIALS);
        Map<TopicPartition, Long> before = ConsumerGroups.committed(kafka, group, Topics.TRIALS);
        WorkerConfig config = WorkerConfig.embedded(kafka.bootstrapServers(), group, "w-control", 1, "cpu", null,
                Path.of("target", "artifacts"), 5, 1, "synthetic", 60_000);
        // 60 s per trial in 600 epochs: a cancellation check every 100 ms
        try (WorkerService worker = new WorkerService(config, List.of(new SyntheticEvaluator("w-control", 60_000)));
             KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers", kafka.bootstrapServers(),
                     "key.serializer", StringSerializer.class, "value.serializer", ByteArraySerializer.class));
             KafkaConsumer<String, byte[]> results = new KafkaConsumer<>(Map.of("bootstrap.servers", kafka.bootstrapServers(),
                     "group.id", "reader-" + UUID.randomUUID(), "auto.offset.reset", "earliest",
                     "key.deserializer", StringDeserializer.class, "value.deserializer", ByteArrayDeserializer.class))) {
            worker.start();
            results.subscribe(List.of(Topics.TRIAL_RESULTS));
            List<TrialEvent> seen = new ArrayList<>();
            for (TrialControl.Action action : List.of(TrialControl.Action.STOP, TrialControl.Action.CANCEL)) {
                String trialId = "ctl-" + action + "-" + UUID.randomUUID().toString().substring(0, 6);
                TrialRequest req = new TrialRequest(1, "ctl", trialId, 1, MLP, new DatasetSpec("fashion-mnist", 10, 10),
                        new TrainingSpec(600, 64, 0.001, "adam"), 1L);
                producer.send(new ProducerRecord<>(Topics.TRIALS, trialId, JsonCodec.write(req))).get();
                awaitEvent(results, seen, e -> e instanceof TrialEvent.Progress p && p.trialId().equals(trialId));
                long sent = System.nanoTime();
                producer.send(new ProducerRecord<>(Topics.TRIAL_CONTROL, trialId, JsonCodec.write(
                        new TrialControl(1, "ctl", trialId, 1, action, "test says so")))).get();
                TrialEvent end = awaitEvent(results, seen, e -> e instanceof TrialResult r && r.trialId().equals(trialId));
                double seconds = (System.nanoTime() - sent) / 1e9;
                assertThat(end).isInstanceOfSatisfying(TrialResult.Failed.class, f -> {
                    assertThat(f.retriable()).isFalse();
                    assertThat(f.reason()).isEqualTo((action == TrialControl.Action.STOP ? "stopped" : "cancelled") + ": test says so");
                });
                assertThat(seconds).as("the trial ended long before its 60 s").isLessThan(30);
            }
            // both records are committed: a new member of the group would not run them again
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
                    .until(() -> ConsumerGroups.committedBeyond(kafka, group, Topics.TRIALS, before) == 2);
        }
    }

    private static TrialEvent awaitEvent(KafkaConsumer<String, byte[]> consumer, List<TrialEvent> seen,
                                         java.util.function.Predicate<TrialEvent> match) {
        long deadline = System.currentTimeMillis() + 30_000;
        while (System.currentTimeMillis() < deadline) {
            for (TrialEvent e : seen) {
                if (match.test(e)) {
                    seen.remove(e);
                    return e;
                }
            }
            for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                seen.add(JsonCodec.read(r.value(), TrialEvent.class));
            }
        }
        throw new AssertionError("no matching event within 30 s; seen " + seen);
    }
}
