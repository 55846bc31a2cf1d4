package org.naspipeline.worker.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.OffsetOutOfRangeException;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.naspipeline.api.DatasetSpec;
import org.naspipeline.api.JsonCodec;
import org.naspipeline.api.Topics;
import org.naspipeline.api.TrainingSpec;
import org.naspipeline.api.TrialEvent;
import org.naspipeline.api.TrialRequest;
import org.naspipeline.api.TrialResult;
import org.naspipeline.worker.pipeline.SyntheticEvaluator;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The consumer loop's error classes and commit rule, on Kafka's mock clients (the real-broker tests are the *IT). */
class WorkerServiceTest {
    static final TopicPartition TP = new TopicPartition(Topics.TRIALS, 0);
    MockConsumer<String, byte[]> trials;
    MockConsumer<String, byte[]> control;
    MockProducer<String, byte[]> producer;
    WorkerService worker;

    @BeforeEach
    void clients() {
        trials = new MockConsumer<>("earliest");
        control = new MockConsumer<>("latest");
        control.updatePartitions(Topics.TRIAL_CONTROL, List.of(new PartitionInfo(Topics.TRIAL_CONTROL, 0, Node.noNode(), null, null)));
        control.updateEndOffsets(Map.of(new TopicPartition(Topics.TRIAL_CONTROL, 0), 0L));
        producer = new MockProducer<>(true, null, new StringSerializer(), new ByteArraySerializer());
        WorkerConfig config = WorkerConfig.embedded("mock:9092", "g", "w-mock", 1, "cpu", null, Path.of("target"), 5, 1, "synthetic", 10);
        worker = new WorkerService(config, List.of(new SyntheticEvaluator("w-mock", 10)), new SimpleMeterRegistry(),
                new WorkerClients(trials, control, producer));
        trials.schedulePollTask(() -> {
            trials.rebalance(List.of(TP));
            trials.updateBeginningOffsets(Map.of(TP, 0L));
        });
    }

    @Test
    void anAuthorizationErrorStopsTheService() {
        trials.schedulePollTask(() -> trials.setPollException(new TopicAuthorizationException(Set.of(Topics.TRIALS))));
        worker.start();
        await().atMost(Duration.ofSeconds(10)).until(() -> worker.terminated().isDone());
        assertThat(worker.terminated()).isCompletedExceptionally();
        assertThat(worker.health().alive()).isFalse();
        assertThat(worker.health().failure()).contains("TopicAuthorizationException");
        worker.close();
        assertThat(trials.closed()).isTrue();
    }

    @Test
    void anUnsupportedVersionStopsTheService() {
        trials.schedulePollTask(() -> trials.setPollException(new UnsupportedVersionException("broker too old")));
        worker.start();
        await().atMost(Duration.ofSeconds(10)).until(() -> worker.terminated().isDone());
        assertThat(worker.health().failure()).contains("broker too old");
        worker.close();
    }

    @Test
    void anInvalidOffsetSeeksToTheEarliestAndTheTrialStillRuns() {
        trials.schedulePollTask(() -> trials.setPollException(new OffsetOutOfRangeException(Map.of(TP, 7L))));
        trials.schedulePollTask(() -> trials.addRecord(trialRecord(0, "t-1")));
        worker.start();
        awaitCommitted(1);
        assertThat(worker.health().alive()).isTrue();
        assertThat(results()).singleElement().isInstanceOf(TrialResult.Completed.class);
        worker.close();
        assertThat(worker.terminated()).isCompleted();
    }

    @Test
    void aTransientErrorIsRetriedAndAPoisonRecordGoesToTheDlqWhileTheNextTrialRuns() {
        trials.schedulePollTask(() -> trials.setPollException(new TimeoutException("broker busy")));
        trials.schedulePollTask(() -> {
            trials.addRecord(new ConsumerRecord<>(Topics.TRIALS, 0, 0, "bad", "{not json".getBytes(StandardCharsets.UTF_8)));
            trials.addRecord(trialRecord(1, "t-2"));
        });
        worker.start();
        awaitCommitted(2);
        List<ProducerRecord<String, byte[]>> dlq = producer.history().stream().filter(r -> r.topic().equals(Topics.DLQ)).toList();
        assertThat(dlq).singleElement().satisfies(r -> {
            assertThat(r.key()).isEqualTo("bad");
            assertThat(new String(r.headers().lastHeader("nas.reason").value(), StandardCharsets.UTF_8)).contains("not valid JSON");
        });
        assertThat(results()).singleElement().isInstanceOfSatisfying(TrialResult.Completed.class,
                c -> assertThat(c.trialId()).isEqualTo("t-2"));
        worker.close();
    }

    private void awaitCommitted(long offset) {
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            OffsetAndMetadata o = trials.committed(Set.of(TP)).get(TP);
            return o != null && o.offset() == offset;
        });
    }

    private List<TrialResult> results() {
        return producer.history().stream().filter(r -> r.topic().equals(Topics.TRIAL_RESULTS))
                .map(r -> JsonCodec.read(r.value(), TrialEvent.class))
                .filter(e -> e instanceof TrialResult).map(e -> (TrialResult) e).toList();
    }

    private static ConsumerRecord<String, byte[]> trialRecord(long offset, String trialId) {
        TrialRequest req = new TrialRequest(1, "e", trialId, 1, WorkerControlIT.MLP, new DatasetSpec("fashion-mnist", 10, 10),
                new TrainingSpec(1, 64, 0.001, "adam"), 1L);
        return new ConsumerRecord<>(Topics.TRIALS, 0, offset, trialId, JsonCodec.write(req));
    }
}
