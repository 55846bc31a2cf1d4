package org.naspipeline.worker.service;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.locks.ReentrantLock;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.naspipeline.api.Checkpoint;
import org.naspipeline.api.DatasetSpec;
import org.naspipeline.api.Fidelity;
import org.naspipeline.api.JsonCodec;
import org.naspipeline.api.Topics;
import org.naspipeline.api.TrainingSpec;
import org.naspipeline.api.TrialEvent;
import org.naspipeline.api.TrialRequest;
import org.naspipeline.api.TrialResult;
import org.naspipeline.testkit.ConsumerGroups;
import org.naspipeline.testkit.KafkaCluster;
import org.naspipeline.testkit.KafkaExtension;
import org.naspipeline.worker.cpu.TestCpu;
import org.naspipeline.worker.data.DatasetResolver;
import org.naspipeline.worker.pipeline.FileArtifactStore;
import org.naspipeline.worker.pipeline.TrialRunner;

/**
 * A request's fidelity travels through the worker service on the real broker: the first rung's result names its
 * checkpoint, and the promoted request (next attempt) continues from it, reporting epochs from there on.
 */
@ExtendWith(KafkaExtension.class)
class WorkerCheckpointIT {
    @TempDir
    Path artifacts;

    @Test
    void aPromotedRequestContinuesFromTheCheckpointItsFirstRungReported(KafkaCluster kafka) throws Exception {
        LongTrialIT.ensureTopics(kafka);
        String group = "workers-" + UUID.randomUUID();
        ConsumerGroups.startAtEnd(kafka, group, Topics.TRIALS);
        String experiment = "ckpt-" + UUID.randomUUID().toString().substring(0, 8);
        String trialId = experiment + "-t0001";
        WorkerConfig config = WorkerConfig.embedded(kafka.bootstrapServers(), group, "w-ckpt", 1, "cpu", null, artifacts, 5,
                4, "djl", 0);
        TrialRunner runner = new TrialRunner(DatasetResolver.fromEnvironment(), Path.of("..", "datasets", "fashion-mnist-mini"),
                new FileArtifactStore(artifacts), "w-ckpt", Device.cpu(), new ReentrantLock(), TestCpu.shared(),
                new TrialRunner.MeasurementSettings(4, 5));
        try (WorkerService worker = new WorkerService(config, List.of(runner));
             KafkaProducer<String, byte[]> producer = LongTrialIT.producer(kafka);
             ResultLog log = new ResultLog(kafka, experiment)) {
            worker.start();
            producer.send(record(request(trialId, 1, 1, new Fidelity(0, 3, true, null, null)))).get();
            TrialResult.Completed rung0 = completed(log, 1);
            assertThat(rung0.checkpoint().uri()).isEqualTo(rung0.artifactUri() + "checkpoint.nasckpt");
            assertThat(rung0.checkpoint().epoch()).isEqualTo(1);

            producer.send(record(request(trialId, 2, 3, new Fidelity(1, 3, true, rung0.checkpoint().uri(), 1)))).get();
            TrialResult.Completed rung1 = completed(log, 2);
            assertThat(rung1.checkpoint()).isEqualTo(new Checkpoint(rung1.artifactUri() + "checkpoint.nasckpt", 3, 1, null));
            List<Integer> epochs = log.readFor(Duration.ZERO).stream()
                    .filter(e -> e instanceof TrialEvent.Progress p && p.attempt() == 2)
                    .map(e -> ((TrialEvent.Progress) e).epoch()).toList();
            assertThat(epochs).containsExactly(2, 3);
        }
    }

    static TrialRequest request(String trialId, int attempt, int epochs, Fidelity fidelity) {
        return new TrialRequest(1, trialId.substring(0, trialId.lastIndexOf('-')), trialId, attempt, WorkerControlIT.MLP,
                new DatasetSpec("fashion-mnist", 200, 50), new TrainingSpec(epochs, 32, 0.002, "adam"), 3L, null, fidelity);
    }

    static ProducerRecord<String, byte[]> record(TrialRequest req) {
        return new ProducerRecord<>(Topics.TRIALS, req.trialId(), JsonCodec.write(req));
    }

    static TrialResult.Completed completed(ResultLog log, int attempt) {
        List<TrialEvent> events = log.awaitUntil(es -> es.stream().anyMatch(e -> e instanceof TrialResult r
                && r.attempt() == attempt), Duration.ofSeconds(120));
        TrialEvent result = events.stream().filter(e -> e instanceof TrialResult r && r.attempt() == attempt)
                .findFirst().orElseThrow();
        assertThat(result).isInstanceOf(TrialResult.Completed.class);
        return (TrialResult.Completed) result;
    }
}
