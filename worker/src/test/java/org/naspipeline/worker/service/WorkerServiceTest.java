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
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
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
import org.naspipeline.api.TrialControl;
import org.naspipeline.api.TrialEvent;
import org.naspipeline.api.TrialRequest;
import org.naspipeline.api.TrialResult;
import org.naspipeline.worker.pipeline.ProgressListener;
import org.naspipeline.worker.pipeline.SyntheticEvaluator;
import org.naspipeline.worker.pipeline.TrialEvaluator;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The consumer loop's error classes and commit rule, on Kafka's mock clients (the real-broker tests are the *IT). */
class WorkerServiceTest {
    static final TopicPartition TP = new TopicPartition(Topics.TRIALS, 0);
    MockConsumer<String, byte[]> trials;
    MockConsumer<String, byte[]> control;
    MockProducer<String, byte[]> producer;
    WorkerService worker;
    SimpleMeterRegistry registry;

    @BeforeEach
    void clients() {
        trials = new MockConsumer<>("earliest");
        control = new MockControlConsumer();
        control.updatePartitions(Topics.TRIAL_CONTROL, List.of(new PartitionInfo(Topics.TRIAL_CONTROL, 0, Node.noNode(), null, null)));
        control.updateEndOffsets(Map.of(new TopicPartition(Topics.TRIAL_CONTROL, 0), 0L));
        producer = new MockProducer<>(true, null, new StringSerializer(), new ByteArraySerializer());
        WorkerConfig config = WorkerConfig.embedded("mock:9092", "g", "w-mock", 1, "cpu", null, Path.of("target"), 5, 1, "synthetic", 10);
        registry = new SimpleMeterRegistry();
        worker = new WorkerService(config, List.of(new SyntheticEvaluator("w-mock", 10)), registry,
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

    @Test
    void aRequestWhoseAttemptWasCancelledBeforeItWasTakenIsReportedAsSkippedWithoutStartingAndCommitted() {
        TopicPartition ctl = new TopicPartition(Topics.TRIAL_CONTROL, 0);
        control.schedulePollTask(() -> control.addRecord(new ConsumerRecord<>(Topics.TRIAL_CONTROL, 0, 0, "t-c",
                JsonCodec.write(new TrialControl(1, "e", "t-c", 1, TrialControl.Action.CANCEL, "experiment cancelled: enough")))));
        // the request comes only once the cancel has been read: control is polled before the trials each round
        control.schedulePollTask(() -> trials.schedulePollTask(() -> {
            trials.addRecord(trialRecord(0, "t-c"));
            trials.addRecord(trialRecord(1, "t-run"));
        }));
        worker.start();
        awaitCommitted(2);
        assertThat(results()).hasSize(2).anySatisfy(r -> assertThat(r).isInstanceOfSatisfying(TrialResult.Failed.class, f -> {
            assertThat(f.trialId()).isEqualTo("t-c");
            assertThat(f.attempt()).isEqualTo(1);
            assertThat(f.workerId()).isEqualTo("w-mock");
            assertThat(f.retriable()).isFalse();
            assertThat(f.reason()).isEqualTo("skipped: the attempt was cancelled before it started (experiment cancelled: enough)");
        })).anySatisfy(r -> assertThat(r).isInstanceOfSatisfying(TrialResult.Completed.class, c -> assertThat(c.trialId()).isEqualTo("t-run")));
        assertThat(started()).containsExactly("t-run");
        assertThat(registry.get("nas.worker.requests.skipped").tag("reason", "cancelled").counter().count()).isEqualTo(1);
        assertThat(control.position(ctl)).isEqualTo(1);
        worker.close();
    }

    @Test
    void invalidControlRecordsAreCountedAndSkippedAndTheWorkerGoesOn() {
        control.schedulePollTask(() -> {
            control.addRecord(new ConsumerRecord<>(Topics.TRIAL_CONTROL, 0, 0, "t-x", null));
            control.addRecord(new ConsumerRecord<>(Topics.TRIAL_CONTROL, 0, 1, "t-x", new byte[] {(byte) 0xff, 0, 1}));
            control.addRecord(new ConsumerRecord<>(Topics.TRIAL_CONTROL, 0, 2, "t-x",
                    "{\"schemaVersion\":1,\"experimentId\":\"e\",\"trialId\":null,\"attempt\":1,\"action\":\"cancel\",\"reason\":\"r\"}"
                            .getBytes(StandardCharsets.UTF_8)));
            trials.schedulePollTask(() -> trials.addRecord(trialRecord(0, "t-x")));
        });
        worker.start();
        awaitCommitted(1);
        assertThat(results()).singleElement().isInstanceOf(TrialResult.Completed.class);
        assertThat(registry.get("nas.worker.control.records.invalid").counter().count()).isEqualTo(3);
        assertThat(worker.health().alive()).isTrue();
        worker.close();
    }

    @Test
    void anEvaluatorThatThrowsIsReportedRetriableWithoutClassNamesAndFreesItsSlot() {
        AtomicInteger calls = new AtomicInteger();
        TrialEvaluator flaky = new TrialEvaluator() {
            @Override
            public TrialResult run(TrialRequest request, ProgressListener progress, BooleanSupplier cancelled) {
                return switch (calls.incrementAndGet()) {
                    case 1 -> throw new IllegalStateException("engine exploded");
                    case 2 -> throw new UnsatisfiedLinkError("no native library");
                    case 3 -> throw new NullPointerException();
                    default -> new SyntheticEvaluator("w-mock", 1).run(request, progress, cancelled);
                };
            }

            @Override
            public String device() {
                return "cpu()";
            }

            @Override
            public String engine() {
                return "test";
            }
        };
        WorkerConfig config = WorkerConfig.embedded("mock:9092", "g", "w-mock", 1, "cpu", null, Path.of("target"), 5, 1, "synthetic", 10);
        worker = new WorkerService(config, List.of(flaky), registry, new WorkerClients(trials, control, producer));
        trials.schedulePollTask(() -> {
            for (int i = 0; i < 4; i++) {
                trials.addRecord(trialRecord(i, "t-" + i));
            }
        });
        worker.start();
        awaitCommitted(4);
        List<TrialResult> results = results();
        assertThat(results).hasSize(4);
        assertThat(results.subList(0, 3)).allSatisfy(r -> assertThat(r).isInstanceOfSatisfying(TrialResult.Failed.class, f -> {
            assertThat(f.retriable()).isTrue();
            assertThat(f.reason()).startsWith("worker error: ").doesNotContain("Exception", "Error", "java.");
        }));
        assertThat(((TrialResult.Failed) results.get(0)).reason()).isEqualTo("worker error: engine exploded");
        assertThat(((TrialResult.Failed) results.get(2)).reason()).isEqualTo("worker error: an unexpected error in the trial pipeline");
        assertThat(results.get(3)).isInstanceOf(TrialResult.Completed.class);
        assertThat(worker.busySlots()).isZero();
        assertThat(worker.health().alive()).isTrue();
        worker.close();
    }

    @Test
    void aTrialWhoseEventsCannotBePublishedFreesItsSlotStaysUncommittedAndTheWorkerGoesOn() {
        // a producer that refuses every event of trial t-fail (its started event, and then its failure report)
        producer = new MockProducer<>(true, null, new StringSerializer(), new ByteArraySerializer()) {
            @Override
            public synchronized java.util.concurrent.Future<org.apache.kafka.clients.producer.RecordMetadata> send(
                    ProducerRecord<String, byte[]> record, org.apache.kafka.clients.producer.Callback callback) {
                if (new String(record.value(), StandardCharsets.UTF_8).contains("\"trialId\":\"t-fail\"")) {
                    throw new org.apache.kafka.common.KafkaException("broker gone");
                }
                return super.send(record, callback);
            }
        };
        WorkerConfig config = WorkerConfig.embedded("mock:9092", "g", "w-mock", 1, "cpu", null, Path.of("target"), 5, 1, "synthetic", 10);
        worker = new WorkerService(config, List.of(new SyntheticEvaluator("w-mock", 10)), registry, new WorkerClients(trials, control, producer));
        trials.schedulePollTask(() -> {
            trials.addRecord(trialRecord(0, "t-fail"));
            trials.addRecord(trialRecord(1, "t-ok"));
        });
        worker.start();
        await().atMost(Duration.ofSeconds(20)).until(() -> results().size() == 1);
        assertThat(results()).singleElement().satisfies(r -> assertThat(r.trialId()).isEqualTo("t-ok"));
        assertThat(worker.busySlots()).isZero();
        assertThat(worker.health().alive()).isTrue();
        // offset 0 never finished: nothing is committed, so both are redelivered after a restart (at-least-once)
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2)).until(() -> trials.committed(Set.of(TP)).get(TP) == null);
        worker.close();
    }

    private List<String> started() {
        return producer.history().stream().filter(r -> r.topic().equals(Topics.TRIAL_RESULTS))
                .map(r -> JsonCodec.read(r.value(), TrialEvent.class))
                .filter(e -> e instanceof TrialEvent.Started).map(TrialEvent::trialId).toList();
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
