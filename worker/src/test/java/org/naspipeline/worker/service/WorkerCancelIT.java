package org.naspipeline.worker.service;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.IntStream;
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
import org.naspipeline.api.TrialControl;
import org.naspipeline.api.TrialEvent;
import org.naspipeline.api.TrialRequest;
import org.naspipeline.api.TrialResult;
import org.naspipeline.testkit.ConsumerGroups;
import org.naspipeline.testkit.KafkaCluster;
import org.naspipeline.testkit.KafkaExtension;
import org.naspipeline.worker.pipeline.SyntheticEvaluator;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Cancel reaches queued requests (issue 19, part 5), on a real broker: a worker with one slot and a slow evaluator
 * never starts a request whose attempt was cancelled, whether the cancel came while the request waited or before
 * the worker started; it reports each as a non-retriable failure with the skip reason and commits it. A
 * redelivered attempt the worker already finished is committed without running or reporting again.
 */
@ExtendWith(KafkaExtension.class)
class WorkerCancelIT {
    static final long TRIAL_MS = 5_000;
    static final String SKIPPED = "skipped: the attempt was cancelled before it started (experiment cancelled: enough)";

    KafkaCluster kafka;
    String run;
    String group;
    Map<TopicPartition, Long> before;
    SimpleMeterRegistry registry = new SimpleMeterRegistry();

    @BeforeEach
    void topics(KafkaCluster kafka) throws Exception {
        this.kafka = kafka;
        LongTrialIT.ensureTopics(kafka);
        run = UUID.randomUUID().toString().substring(0, 8);
        group = "cancel-" + run;
        ConsumerGroups.startAtEnd(kafka, group, Topics.TRIALS);
        before = ConsumerGroups.committed(kafka, group, Topics.TRIALS);
    }

    @Test
    void requestsCancelledWhileQueuedNeverStartAndAreReportedAsSkippedAndCommitted() throws Exception {
        String experiment = "cxq-" + run;
        List<TrialRequest> requests = requests(experiment, 6);
        try (WorkerService worker = worker("w-cancel");
             KafkaProducer<String, byte[]> producer = LongTrialIT.producer(kafka);
             ResultLog log = new ResultLog(kafka, experiment)) {
            worker.start();
            for (TrialRequest r : requests) {
                producer.send(new ProducerRecord<>(Topics.TRIALS, r.trialId(), JsonCodec.write(r))).get();
            }
            List<TrialEvent> events = log.awaitUntil(e -> !ResultLog.started(e).isEmpty(), Duration.ofSeconds(60));
            String running = ResultLog.started(events).get(0);
            // the controller's cancel: one instruction per attempt in flight, the running one and the queued ones. The
            // controller writes them in one transaction, so a worker sees all or none; sent one by one here, the running
            // one goes last, or the slot it frees could take a queued request whose cancel is not written yet.
            List<TrialRequest> cancelOrder = new java.util.ArrayList<>(requests);
            cancelOrder.sort(java.util.Comparator.comparing(r -> r.trialId().equals(running)));
            for (TrialRequest r : cancelOrder) {
                producer.send(new ProducerRecord<>(Topics.TRIAL_CONTROL, r.trialId(), JsonCodec.write(new TrialControl(1, experiment,
                        r.trialId(), 1, TrialControl.Action.CANCEL, "experiment cancelled: enough")))).get();
            }
            events = log.awaitUntil(e -> ResultLog.results(e) == requests.size(), Duration.ofSeconds(60));
            awaitCommitted(requests.size());
            events = log.readFor(Duration.ofSeconds(1));

            assertThat(ResultLog.started(events)).as("only the request running before the cancel started").containsExactly(running);
            for (TrialRequest r : requests) {
                List<TrialResult> results = events.stream().filter(e -> e instanceof TrialResult && e.trialId().equals(r.trialId()))
                        .map(e -> (TrialResult) e).toList();
                assertThat(results).as(r.trialId()).singleElement().isInstanceOfSatisfying(TrialResult.Failed.class, f -> {
                    assertThat(f.retriable()).isFalse();
                    assertThat(f.attempt()).isEqualTo(1);
                    assertThat(f.workerId()).isEqualTo("w-cancel");
                    assertThat(f.reason()).isEqualTo(r.trialId().equals(running) ? "cancelled: experiment cancelled: enough" : SKIPPED);
                });
            }
            assertThat(skipped("cancelled")).isEqualTo(requests.size() - 1);
        }
        assertNothingRedelivered();
    }

    @Test
    void aWorkerStartedAfterTheCancelLearnsItFromTheControlTopicAndRunsNone() throws Exception {
        String experiment = "cxs-" + run;
        List<TrialRequest> requests = requests(experiment, 4);
        // written in transactions, as the controller writes both topics (the worker reads them read_committed)
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers", kafka.bootstrapServers(),
                "transactional.id", "cancel-it-" + run, "key.serializer", StringSerializer.class,
                "value.serializer", ByteArraySerializer.class))) {
            producer.initTransactions();
            producer.beginTransaction();
            for (TrialRequest r : requests) {
                producer.send(new ProducerRecord<>(Topics.TRIALS, r.trialId(), JsonCodec.write(r)));
            }
            producer.commitTransaction();
            producer.beginTransaction();
            for (TrialRequest r : requests) {
                producer.send(new ProducerRecord<>(Topics.TRIAL_CONTROL, r.trialId(), JsonCodec.write(new TrialControl(1, experiment,
                        r.trialId(), 1, TrialControl.Action.CANCEL, "experiment cancelled: enough"))));
            }
            producer.commitTransaction();
        }
        try (WorkerService worker = worker("w-late");
             ResultLog log = new ResultLog(kafka, experiment)) {
            worker.start();
            log.awaitUntil(e -> ResultLog.results(e) == requests.size(), Duration.ofSeconds(60));
            awaitCommitted(requests.size());
            List<TrialEvent> events = log.readFor(Duration.ofSeconds(1));
            assertThat(ResultLog.started(events)).as("started events").isEmpty();
            assertThat(events).hasSize(requests.size()).allSatisfy(e -> assertThat(e).isInstanceOfSatisfying(TrialResult.Failed.class, f -> {
                assertThat(f.retriable()).isFalse();
                assertThat(f.workerId()).isEqualTo("w-late");
                assertThat(f.reason()).isEqualTo(SKIPPED);
            }));
            assertThat(skipped("cancelled")).isEqualTo(requests.size());
        }
        assertNothingRedelivered();
    }

    @Test
    void aRedeliveredAttemptThisWorkerFinishedIsCommittedWithoutRunningOrReportingAgain() throws Exception {
        String experiment = "cxd-" + run;
        TrialRequest request = requests(experiment, 1).get(0);
        try (WorkerService worker = worker("w-dup");
             KafkaProducer<String, byte[]> producer = LongTrialIT.producer(kafka);
             ResultLog log = new ResultLog(kafka, experiment)) {
            worker.start();
            producer.send(new ProducerRecord<>(Topics.TRIALS, request.trialId(), JsonCodec.write(request))).get();
            log.awaitUntil(e -> ResultLog.results(e) == 1, Duration.ofSeconds(60));
            // the same attempt again, as after a crash between the result and the commit
            producer.send(new ProducerRecord<>(Topics.TRIALS, request.trialId(), JsonCodec.write(request))).get();
            awaitCommitted(2);
            List<TrialEvent> events = log.readFor(Duration.ofSeconds(2));
            assertThat(ResultLog.started(events)).containsExactly(request.trialId());
            assertThat(events.stream().filter(e -> e instanceof TrialResult).toList())
                    .singleElement().isInstanceOf(TrialResult.Completed.class);
            assertThat(skipped("finished")).isEqualTo(1);
        }
    }

    private WorkerService worker(String id) {
        WorkerConfig config = WorkerConfig.embedded(kafka.bootstrapServers(), group, id, 1, "cpu", null,
                Path.of("target", "artifacts"), 5, 1, "synthetic", TRIAL_MS);
        return new WorkerService(config, List.of(new SyntheticEvaluator(id, TRIAL_MS)), registry);
    }

    private List<TrialRequest> requests(String experiment, int n) {
        // 50 epochs: the evaluator checks for a cancel every 100 ms
        return IntStream.range(0, n).mapToObj(i -> new TrialRequest(1, experiment, experiment + "-t" + i, 1, WorkerControlIT.MLP,
                new DatasetSpec("fashion-mnist", 10, 10), new TrainingSpec(50, 64, 0.001, "adam"), 1L)).toList();
    }

    private double skipped(String reason) {
        return registry.get("nas.worker.requests.skipped").tag("reason", reason).counter().count();
    }

    private void awaitCommitted(long n) {
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20))
                .until(() -> ConsumerGroups.committedBeyond(kafka, group, Topics.TRIALS, before) == n);
    }

    /** A new member of the group (after the worker left it) gets nothing: every request was committed. */
    private void assertNothingRedelivered() {
        try (KafkaConsumer<String, byte[]> next = new KafkaConsumer<>(Map.of("bootstrap.servers", kafka.bootstrapServers(),
                "group.id", group, "auto.offset.reset", "earliest", "enable.auto.commit", "false",
                "key.deserializer", StringDeserializer.class, "value.deserializer", ByteArrayDeserializer.class))) {
            next.subscribe(List.of(Topics.TRIALS));
            int redelivered = 0;
            long deadline = System.nanoTime() + Duration.ofSeconds(8).toNanos();
            while (System.nanoTime() < deadline) {
                redelivered += next.poll(Duration.ofMillis(200)).count();
            }
            assertThat(next.assignment()).as("the new member joined the group").isNotEmpty();
            assertThat(redelivered).as("records redelivered to a new member of the group").isZero();
        }
    }
}
