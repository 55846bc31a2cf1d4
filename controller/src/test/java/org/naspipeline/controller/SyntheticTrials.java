package org.naspipeline.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.naspipeline.api.ExperimentSpec;
import org.naspipeline.api.JsonCodec;
import org.naspipeline.api.Topics;
import org.naspipeline.api.TrialEvent;
import org.naspipeline.api.TrialMetrics;
import org.naspipeline.api.TrialResult;

/**
 * Plays the worker for tests that need finished trials without training: it finds the trials a controller scheduled
 * (through its REST API) and produces their results to {@code nas.trial-results}, with synthetic metrics derived
 * from the trial id (so two runs agree) and {@code device = "synthetic"}.
 */
public final class SyntheticTrials implements AutoCloseable {
    static final int V = ExperimentSpec.SCHEMA_VERSION;
    private final KafkaProducer<String, byte[]> producer;
    private final String base;
    private final String token;

    SyntheticTrials(String bootstrap, String base, String token) {
        this.producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class));
        this.base = base;
        this.token = token;
    }

    /**
     * The synthetic measurements of {@code trialId}, seeded by it: latency in [0.5, 5.5) ms, accuracy rising with
     * latency plus noise in [0.5, 0.95], size in [0.1, 2.5) MB (above the examples' 2 MB cap now and then).
     */
    public static TrialMetrics metrics(String trialId) {
        java.util.SplittableRandom random = new java.util.SplittableRandom(trialId.hashCode() * 0x9E3779B97F4A7C15L);
        double latency = 0.5 + 5 * random.nextDouble();
        double accuracy = Math.min(0.95, 0.5 + 0.35 * Math.sqrt((latency - 0.5) / 5) + 0.1 * random.nextDouble());
        long size = 100_000 + random.nextLong(2_400_000);
        long params = size / 4;
        return new TrialMetrics(accuracy, accuracy - 0.01, 1 - accuracy, latency, latency * 1.5, 0.05, 32, latency * 8,
                latency * 10, params, params, params * 30, size, null, 2.0, 1000, 8000, 1000, 2000, "synthetic", 1);
    }

    /**
     * The metrics with the layer table a worker reports for the reference CNN (examples/candidates/cnn-small.json on
     * 28×28 images: 423,978 weights, 4,642,560 MACs), and those totals; the first pooling layer's description is
     * {@code pool}.
     */
    static TrialMetrics withLayers(TrialMetrics m, String pool) {
        List<TrialMetrics.Layer> layers = List.of(
                layer("layers[0]", "conv 3×3, 1→32", 288, 288, 225_792, 32, 28, 28),
                layer("layers[1]", "batch norm", 128, 64, 0, 32, 28, 28),
                layer("layers[2]", "ReLU", 0, 0, 0, 32, 28, 28),
                layer("layers[3]", pool, 0, 0, 0, 32, 14, 14),
                layer("layers[4].body[0]", "conv 3×3, 32→64", 18_432, 18_432, 3_612_672, 64, 14, 14),
                layer("layers[4].body[1]", "batch norm", 256, 128, 0, 64, 14, 14),
                layer("layers[4].body[2]", "ReLU", 0, 0, 0, 64, 14, 14),
                layer("layers[4].shortcut[0]", "conv 1×1, 32→64", 2_048, 2_048, 401_408, 64, 14, 14),
                layer("layers[4]", "residual sum (projection shortcut)", 0, 0, 0, 64, 14, 14),
                layer("layers[5]", "max pool 2×2", 0, 0, 0, 64, 7, 7),
                layer("layers[6]", "flatten", 0, 0, 0, 3136),
                layer("layers[7]", "dense 3136→128", 401_536, 401_408, 401_408, 128),
                layer("layers[8]", "ReLU", 0, 0, 0, 128),
                layer("layers[9]", "dropout 0.2", 0, 0, 0, 128),
                layer("layers[10]", "dense 128→10", 1_290, 1_280, 1_280, 10));
        return new TrialMetrics(m.accuracy(), m.testAccuracy(), m.trainLoss(), m.latencyMsP50(), m.latencyMsP95(), m.latencyCv(),
                m.latencyBatch(), m.latencyBatchMsP50(), m.latencyBatchMsP95(),
                layers.stream().mapToLong(TrialMetrics.Layer::params).sum(),
                layers.stream().mapToLong(TrialMetrics.Layer::nonZeroParams).sum(),
                layers.stream().mapToLong(TrialMetrics.Layer::macs).sum(), m.sizeBytes(), null, m.trainSeconds(),
                m.samplesPerSecond(), m.trainSamples(), m.validationSamples(), m.testSamples(), m.device(), m.threads(), null,
                1, true, layers, null);
    }

    /** The metrics with {@code inference} (where the model was measured, the deployable files) as a current worker reports it. */
    public static TrialMetrics withInference(TrialMetrics m, TrialMetrics.Inference inference) {
        return new TrialMetrics(m.accuracy(), m.testAccuracy(), m.trainLoss(), m.latencyMsP50(), m.latencyMsP95(), m.latencyCv(),
                m.latencyBatch(), m.latencyBatchMsP50(), m.latencyBatchMsP95(), m.params(), m.nonZeroParams(), m.macs(), m.sizeBytes(),
                m.peakMemoryBytes(), m.trainSeconds(), m.samplesPerSecond(), m.trainSamples(), m.validationSamples(), m.testSamples(),
                m.device(), m.threads(), m.compression(), m.latencyThreads(), m.latencyExclusive(), m.layers(), inference);
    }

    private static TrialMetrics.Layer layer(String path, String what, long params, long nonZero, long macs, long... shape) {
        return new TrialMetrics.Layer(path, what, java.util.Arrays.stream(shape).boxed().toList(), params, nonZero, macs);
    }

    /** Completes trials as they are scheduled until {@code count} have completed; returns their ids. */
    Set<String> complete(String id, int count) {
        Set<String> done = new HashSet<>();
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200)).until(() -> {
            for (JsonNode t : trials(id)) {
                String trialId = t.path("trialId").asText();
                if (done.size() < count && !done.contains(trialId) && t.path("status").asText().equals("scheduled")) {
                    send(id, new TrialResult.Completed(V, id, trialId, t.path("attempt").asInt(), "synthetic-1", metrics(trialId),
                            "file:///tmp/nas/" + trialId));
                    done.add(trialId);
                }
            }
            return done.size() >= count && completed(id) >= count;
        });
        return done;
    }

    /**
     * Completes one scheduled trial of {@code id} with the metrics {@code metrics} gives for its trial id and waits
     * until the controller shows it completed (so the next call cannot pick the same trial); returns its id.
     */
    String completeOne(String id, java.util.function.Function<String, TrialMetrics> metrics) {
        String[] trial = {null};
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> {
            for (JsonNode t : trials(id)) {
                if (t.path("status").asText().equals("scheduled")) {
                    trial[0] = t.path("trialId").asText();
                    send(id, new TrialResult.Completed(V, id, trial[0], t.path("attempt").asInt(), "synthetic-1",
                            metrics.apply(trial[0]), "file:///tmp/nas/" + trial[0]));
                    return true;
                }
            }
            return false;
        });
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() -> {
            for (JsonNode t : trials(id)) {
                if (t.path("trialId").asText().equals(trial[0])) {
                    return t.path("status").asText().equals("completed");
                }
            }
            return false;
        });
        return trial[0];
    }

    /**
     * Under ASHA or Hyperband: completes the one scheduled trial of {@code id} at the rung it trains to (as its trial
     * view names it) with {@code accuracy}, reporting a checkpoint as a worker does: saved under the attempt below
     * the top rung, and continued from the rung below's checkpoint when there is one, unless {@code note} says why it
     * was retrained from scratch instead; under rungs of training examples, the checkpoint counts the rung's examples.
     * Waits until the controller took the result; returns {@code trialId@rung}.
     */
    String completeRung(String id, double accuracy, String note) {
        String[] done = {null};
        int[] attempt = {0};
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> {
            HttpResponse<String> summary = ControllerRig.get(base, "/api/v1/experiments/" + id, token);
            if (summary.statusCode() != 200) {
                return false; // not accepted yet
            }
            JsonNode scheduler = ControllerRig.json(summary).path("scheduler");
            boolean examples = scheduler.path("rungExamples").isArray();
            JsonNode ladder = scheduler.path(examples ? "rungExamples" : "rungEpochs");
            long top = ladder.get(ladder.size() - 1).asLong();
            for (JsonNode t : trials(id)) {
                if (!t.path("status").asText().equals("scheduled")) {
                    continue;
                }
                String trialId = t.path("trialId").asText();
                HttpResponse<String> view = ControllerRig.get(base, "/api/v1/experiments/" + id + "/trials/" + trialId, token);
                if (view.statusCode() != 200) {
                    return false; // asked again at the next poll
                }
                JsonNode detail = ControllerRig.json(view);
                int rung = detail.path("trainingRung").asInt();
                long at = examples ? detail.path("trainingExamples").asLong() : detail.path("trainingEpochs").asInt();
                JsonNode below = detail.path("rungs").size() == 0 ? null : detail.path("rungs").get(detail.path("rungs").size() - 1);
                Long resumed = note == null && below != null && below.path("checkpoint").path("uri").isTextual()
                        ? below.path(examples ? "examples" : "epochs").asLong() : null;
                attempt[0] = t.path("attempt").asInt();
                String attemptUri = "file:///tmp/nas/" + trialId + "/attempt-" + attempt[0];
                String saved = at < top ? attemptUri + "/checkpoint.nasck" : null;
                send(id, new TrialResult.Completed(V, id, trialId, attempt[0], "synthetic-1", TrialMetrics.synthetic(accuracy, 1.0, 4000),
                        attemptUri, examples ? new org.naspipeline.api.Checkpoint(saved, 1, null, note, at, resumed)
                        : new org.naspipeline.api.Checkpoint(saved, (int) at, resumed == null ? null : resumed.intValue(), note)));
                done[0] = trialId + "@" + rung;
                return true;
            }
            return false;
        });
        String trialId = done[0].substring(0, done[0].indexOf('@'));
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() -> {
            for (JsonNode t : trials(id)) {
                if (t.path("trialId").asText().equals(trialId)) {
                    return t.path("attempt").asInt() > attempt[0] || !t.path("status").asText().equals("scheduled");
                }
            }
            return false;
        });
        return done[0];
    }

    /** Reports {@code epochs} epochs of progress for a scheduled trial of {@code id}, then returns its id. */
    String progress(String id, int epochs) {
        String[] trial = {null};
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> {
            for (JsonNode t : trials(id)) {
                if (t.path("status").asText().equals("scheduled")) {
                    trial[0] = t.path("trialId").asText();
                    int attempt = t.path("attempt").asInt();
                    send(id, new TrialEvent.Started(V, id, trial[0], attempt, "synthetic-1", System.currentTimeMillis()));
                    for (int e = 1; e <= epochs; e++) {
                        send(id, new TrialEvent.Progress(V, id, trial[0], attempt, e, epochs + 1, 1.0 / e, 0.5 + e * 0.05,
                                0.45 + e * 0.05, 900));
                    }
                    return true;
                }
            }
            return false;
        });
        return trial[0];
    }

    /** Fails a scheduled trial of {@code id} for good with {@code reason}; returns its id. */
    String fail(String id, String reason) {
        String[] trial = {null};
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> {
            for (JsonNode t : trials(id)) {
                if (t.path("status").asText().equals("scheduled")) {
                    trial[0] = t.path("trialId").asText();
                    send(id, new TrialResult.Failed(V, id, trial[0], t.path("attempt").asInt(), "synthetic-1", reason, false));
                    return true;
                }
            }
            return false;
        });
        return trial[0];
    }

    private void send(String id, TrialEvent event) throws Exception {
        producer.send(new ProducerRecord<>(Topics.TRIAL_RESULTS, id, JsonCodec.write(event))).get();
    }

    private JsonNode trials(String id) throws Exception {
        HttpResponse<String> r = ControllerRig.get(base, "/api/v1/experiments/" + id + "/trials", token);
        assertThat(r.statusCode()).as(r.body()).isIn(200, 404, 503);
        return r.statusCode() == 200 ? ControllerRig.json(r) : JsonCodec.readTree("[]".getBytes());
    }

    private int completed(String id) throws Exception {
        HttpResponse<String> r = ControllerRig.get(base, "/api/v1/experiments/" + id, token);
        return r.statusCode() == 200 ? ControllerRig.json(r).path("completed").asInt() : 0;
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }
}
