package org.naspipeline.worker.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ai.djl.Device;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.naspipeline.worker.cpu.TestCpu;
import org.naspipeline.api.DatasetSpec;
import org.naspipeline.api.JsonCodec;
import org.naspipeline.api.Topics;
import org.naspipeline.api.TrainingSpec;
import org.naspipeline.api.TrialEvent;
import org.naspipeline.api.TrialRequest;
import org.naspipeline.api.TrialResult;
import org.naspipeline.worker.artifact.ArtifactStores;
import org.naspipeline.worker.artifact.S3ArtifactStore;
import org.naspipeline.worker.artifact.S3TestServer;
import org.naspipeline.worker.data.DatasetResolver;
import org.naspipeline.worker.pipeline.TrialRunner;
import org.junit.jupiter.api.Test;

/**
 * What the worker service does with a trial whose model cannot be uploaded (the S3 server went away after the
 * start-up check): the real pipeline reports a retriable failure, the service publishes it and commits the
 * request's offset, so Kafka does not redeliver it; the controller's retry is a new request for attempt + 1.
 * Kafka is Kafka's mock client here; S3 is a real (stopped) server.
 */
class FailedUploadIT {
    static final TopicPartition TP = new TopicPartition(Topics.TRIALS, 0);

    @Test
    void aFailedUploadIsPublishedAsARetriableFailureAndItsOffsetIsCommitted() throws Exception {
        MockConsumer<String, byte[]> trials = new MockConsumer<>("earliest");
        MockConsumer<String, byte[]> control = new MockControlConsumer();
        control.updatePartitions(Topics.TRIAL_CONTROL, List.of(new PartitionInfo(Topics.TRIAL_CONTROL, 0, Node.noNode(), null, null)));
        control.updateEndOffsets(Map.of(new TopicPartition(Topics.TRIAL_CONTROL, 0), 0L));
        MockProducer<String, byte[]> producer = new MockProducer<>(true, null, new StringSerializer(), new ByteArraySerializer());
        TrialRequest req = new TrialRequest(1, "e", "e-t0001", 3, WorkerControlIT.MLP, new DatasetSpec("fashion-mnist", 100, 50),
                new TrainingSpec(1, 32, 0.001, "adam"), 1L);
        trials.schedulePollTask(() -> {
            trials.rebalance(List.of(TP));
            trials.updateBeginningOffsets(Map.of(TP, 0L));
            trials.addRecord(new ConsumerRecord<>(Topics.TRIALS, 0, 0, req.trialId(), JsonCodec.write(req)));
        });
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (S3TestServer server = S3TestServer.start()) {
            server.createBucket("nas-down");
            try (S3ArtifactStore store = (S3ArtifactStore) ArtifactStores.open("s3://nas-down/runs", server.settings())) {
                server.stop();
                TrialRunner runner = new TrialRunner(DatasetResolver.fromEnvironment(), Path.of("..", "datasets", "fashion-mnist-mini"),
                        store, "w-s3", Device.cpu(), new ReentrantLock(), TestCpu.shared(), new TrialRunner.MeasurementSettings(4, 5));
                WorkerConfig config = WorkerConfig.embedded("mock:9092", "g", "w-s3", 1, "cpu", null, Path.of("target"), 5, 4, "djl", 0);
                WorkerService worker = new WorkerService(config, List.of(runner), registry, new WorkerClients(trials, control, producer));
                worker.start();
                await().atMost(Duration.ofSeconds(60)).until(() -> {
                    OffsetAndMetadata o = trials.committed(Set.of(TP)).get(TP);
                    return o != null && o.offset() == 1;
                });
                worker.close();
            }
        }
        List<TrialEvent> published = producer.history().stream().filter(r -> r.topic().equals(Topics.TRIAL_RESULTS))
                .map(r -> JsonCodec.read(r.value(), TrialEvent.class)).filter(e -> !(e instanceof TrialEvent.Progress)).toList();
        assertThat(published).hasSize(2);
        assertThat(published.get(0)).isInstanceOf(TrialEvent.Started.class);
        assertThat(published.get(1)).isInstanceOfSatisfying(TrialResult.Failed.class, f -> {
            assertThat(f.attempt()).isEqualTo(3);
            assertThat(f.retriable()).isTrue();
            assertThat(f.reason()).isEqualTo("cannot read or save a model artifact: cannot replace the earlier objects of "
                    + "s3://nas-down/runs/e/e-t0001/attempt-3: connection failed (Connection refused)");
        });
        assertThat(registry.get("nas.trials.failed").tag("reason", "retriable").counter().count()).isEqualTo(1.0);
    }
}
