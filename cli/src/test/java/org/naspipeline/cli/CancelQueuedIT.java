package org.naspipeline.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.naspipeline.api.ExperimentEvent;
import org.naspipeline.api.ExperimentStatus;
import org.naspipeline.api.Topics;
import org.naspipeline.api.TrialEvent;
import org.naspipeline.api.TrialResult;
import org.naspipeline.controller.ControllerConfig;
import org.naspipeline.controller.ControllerService;
import org.naspipeline.controller.TopicSetup;
import org.naspipeline.strategy.StrategyRegistry;
import org.naspipeline.testkit.ConsumerGroups;
import org.naspipeline.testkit.KafkaCluster;
import org.naspipeline.testkit.KafkaExtension;
import org.naspipeline.worker.pipeline.SyntheticEvaluator;
import org.naspipeline.worker.service.WorkerConfig;
import org.naspipeline.worker.service.WorkerService;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole path of a cancel: an experiment with more trials in flight than its only worker has slots, so most
 * requests wait on {@code nas.trials}; after the cancel no waiting request starts training (judged from the
 * worker's {@code started} events), each is reported as skipped, and the experiment ends cancelled.
 */
@ExtendWith(KafkaExtension.class)
class CancelQueuedIT {
    @TempDir
    Path dir;

    @Test
    void noQueuedTrialOfACancelledExperimentStartsTraining(KafkaCluster kafka) throws Exception {
        String run = "cancel-" + UUID.randomUUID().toString().substring(0, 8);
        TopicSetup.ensure(kafka.bootstrapServers(), 4);
        String group = "nas-workers-" + run;
        ConsumerGroups.startAtEnd(kafka, group, Topics.TRIALS);
        ObjectNode spec = ServiceHttp.smallExperiment("examples/fashion-mnist.json", run, 20);
        ((ObjectNode) spec.path("budget")).put("parallelism", 6);
        try (ControllerService controller = new ControllerService(new ControllerConfig(kafka.bootstrapServers(),
                     "nas-controller-" + run, dir.resolve("state"), 4), StrategyRegistry.load());
             WorkerService worker = new WorkerService(WorkerConfig.embedded(kafka.bootstrapServers(), group, "w-cancel", 1, "cpu",
                     null, dir.resolve("artifacts"), 5, 1, "synthetic", 4000), List.of(new SyntheticEvaluator("w-cancel", 4000)));
             TrialEventLog log = new TrialEventLog(kafka, run, e -> {});
             KafkaProducer<byte[], byte[]> plain = new KafkaProducer<>(Map.of(
                     ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                     ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
                     ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class))) {
            controller.start();
            worker.start();
            plain.send(new ProducerRecord<>(Topics.EXPERIMENTS, run.getBytes(StandardCharsets.UTF_8),
                    PrometheusServer.JSON.writeValueAsBytes(spec))).get();
            TrialEvent first = log.await(e -> e instanceof TrialEvent.Started, Duration.ofSeconds(90));
            plain.send(new ProducerRecord<>(Topics.EXPERIMENTS, run.getBytes(StandardCharsets.UTF_8),
                    "{\"command\": \"cancel\", \"reason\": \"budget cut\"}".getBytes(StandardCharsets.UTF_8))).get();

            // the five requests that were waiting are reported as skipped, without a started event
            for (int i = 1; i <= 6; i++) {
                String trialId = String.format("%s-t%04d", run, i);
                TrialEvent end = log.await(e -> e instanceof TrialResult && e.trialId().equals(trialId), Duration.ofSeconds(60));
                if (!trialId.equals(first.trialId())) {
                    assertThat(((TrialResult.Failed) end).reason()).as(trialId).startsWith("skipped: the attempt was cancelled");
                    assertThat(((TrialResult.Failed) end).retriable()).isFalse();
                }
            }
            Set<String> started = log.events().stream().filter(e -> e instanceof TrialEvent.Started).map(TrialEvent::trialId)
                    .collect(Collectors.toSet());
            assertThat(started).containsExactly(first.trialId());
            List<ExperimentEvent> events = new ExperimentWatcher(kafka.bootstrapServers()).follow(run, Duration.ofSeconds(30), e -> {});
            assertThat(events.get(events.size() - 1)).isInstanceOfSatisfying(ExperimentEvent.Completed.class, c -> {
                assertThat(c.status()).isEqualTo(ExperimentStatus.CANCELLED);
                assertThat(c.actor()).isEqualTo("topic");
                assertThat(c.completedTrials() + c.failedTrials()).isEqualTo(6);
            });
        }
    }
}
