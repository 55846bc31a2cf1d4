package org.naspipeline.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.naspipeline.api.JsonCodec;
import org.naspipeline.api.Topics;
import org.naspipeline.api.TrialMetrics;
import org.naspipeline.api.TrialResult;
import org.naspipeline.controller.http.ApiTokens;
import org.naspipeline.controller.ControllerConfig;
import org.naspipeline.controller.ControllerVerticle;
import org.naspipeline.controller.TopicSetup;
import org.naspipeline.ops.Observability;
import org.naspipeline.strategy.StrategyRegistry;
import org.naspipeline.testkit.CloseAfterEach;
import org.naspipeline.testkit.KafkaCluster;
import org.naspipeline.testkit.KafkaExtension;
import org.naspipeline.worker.artifact.S3TestServer;
import org.naspipeline.worker.model.NetworkPlan;
import org.naspipeline.worker.onnx.ActivationRanges;
import org.naspipeline.worker.onnx.OnnxExporter;
import org.naspipeline.worker.onnx.OnnxModel;
import org.naspipeline.worker.pipeline.SyntheticEvaluator;
import org.naspipeline.worker.service.WorkerConfig;
import org.naspipeline.worker.service.WorkerService;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * {@code nas export ID --csv FILE} against a controller on the real broker with a synthetic-evaluator worker: the
 * file holds the API's CSV, one row per trial of {@code /trials}; every failure exits non-zero, says why and leaves
 * no file behind.
 */
@ExtendWith(KafkaExtension.class)
class ExportCommandIT {
    static final String TOKEN = "export-token";
    static final int V = org.naspipeline.api.ExperimentSpec.SCHEMA_VERSION;
    @RegisterExtension
    final CloseAfterEach cleanup = new CloseAfterEach();

    @TempDir
    Path dir;

    static NasProcess.Run nas(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream savedOut = System.out;
        PrintStream savedErr = System.err;
        int code;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            code = Nas.commandLine().execute(args);
        } finally {
            System.setOut(savedOut);
            System.setErr(savedErr);
        }
        return new NasProcess.Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** Starts a controller on the broker with its HTTP API on a free port; its base URL once it is ready. */
    String controller(KafkaCluster kafka) throws Exception {
        TopicSetup.ensure(kafka.bootstrapServers(), 4);
        int port = ControllerApiIT.freePort();
        PrometheusMeterRegistry meters = Observability.registry("controller", "export");
        ControllerConfig config = new ControllerConfig(kafka.bootstrapServers(), "export-" + UUID.randomUUID().toString().substring(0, 6),
                dir.resolve("state"), 4).withHttp(port, "localhost", ApiTokens.parse("NAS_API_TOKEN", TOKEN));
        Vertx vertx = Observability.vertx(meters, Duration.ofSeconds(60));
        cleanup.add(() -> vertx.close().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS));
        vertx.deployVerticle(new ControllerVerticle(config, StrategyRegistry.load(), meters)).toCompletionStage()
                .toCompletableFuture().get(90, TimeUnit.SECONDS);
        String base = "http://localhost:" + port;
        HttpClient http = HttpClient.newHttpClient();
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250)).until(() ->
                http.send(HttpRequest.newBuilder(URI.create(base + "/health/ready")).build(), HttpResponse.BodyHandlers.discarding())
                        .statusCode() == 200);
        return base;
    }

    @Test
    void exportsTheTrialsAsCsvAndFailsCleanly(KafkaCluster kafka) throws Exception {
        String base = controller(kafka);
        WorkerService worker = new WorkerService(WorkerConfig.embedded(kafka.bootstrapServers(), "export-workers", "w-export", 1, "cpu",
                null, dir.resolve("artifacts"), 5, 1, "synthetic", 10), List.of(new SyntheticEvaluator("w-export", 10)));
        worker.start();
        cleanup.add(worker);
        HttpClient http = HttpClient.newHttpClient();
        String id = "export-" + UUID.randomUUID().toString().substring(0, 6);
        byte[] spec = ControllerApiIT.respec(Files.readAllBytes(Path.of("..", "examples", "multi-objective.json")), id, 8, 2);
        assertThat(nas("submit", write("spec.json", spec).toString(), "--url", base, "--token", TOKEN).code()).isZero();
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250)).until(() ->
                nas("status", id, "--url", base, "--token", TOKEN).out().contains(" completed "));

        Path file = dir.resolve("trials.csv");
        Files.writeString(file, "an older export");
        NasProcess.Run export = nas("export", id, "--csv", file.toString(), "--url", base, "--token", TOKEN);
        assertThat(export.code()).as(export.err()).isZero();
        assertThat(export.err()).contains("wrote " + file + " (8 trials)");
        HttpResponse<String> api = http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/experiments/" + id + "/trials?format=csv"))
                .header("Authorization", "Bearer " + TOKEN).build(), HttpResponse.BodyHandlers.ofString());
        String csv = Files.readString(file);
        assertThat(csv).isEqualTo(api.body()).startsWith("trialId,status,attempt,workerId,architecture,compression,param.learningRate,");
        HttpResponse<String> json = http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/experiments/" + id + "/trials"))
                .header("Authorization", "Bearer " + TOKEN).build(), HttpResponse.BodyHandlers.ofString());
        JsonNode rows = JsonCodec.readTree(json.body().getBytes(StandardCharsets.UTF_8));
        List<String> lines = List.of(csv.split("\r\n"));
        assertThat(lines).hasSize(rows.size() + 1);
        for (int i = 0; i < rows.size(); i++) {
            assertThat(lines.get(i + 1)).startsWith(rows.get(i).path("trialId").asText() + ",completed,1,w-export,");
        }
        NasProcess.Run toStdout = nas("export", id, "--csv", "-", "--url", base, "--token", TOKEN);
        assertThat(toStdout.code()).isZero();
        assertThat(toStdout.out()).isEqualTo(csv);

        Path none = dir.resolve("none.csv");
        NasProcess.Run unknown = nas("export", "no-such-experiment", "--csv", none.toString(), "--url", base, "--token", TOKEN);
        assertThat(unknown.code()).isEqualTo(2);
        assertThat(unknown.err()).contains("HTTP 404", "id: no experiment 'no-such-experiment'");
        NasProcess.Run noToken = nas("export", id, "--csv", none.toString(), "--url", base);
        assertThat(noToken.code()).isEqualTo(1);
        assertThat(noToken.err()).contains("HTTP 401", "Authorization: a valid bearer token is required");
        NasProcess.Run noDirectory = nas("export", id, "--csv", dir.resolve("missing/dir/t.csv").toString(), "--url", base, "--token", TOKEN);
        assertThat(noDirectory.code()).isEqualTo(2);
        assertThat(noDirectory.err()).contains("--csv: no such directory: " + dir.resolve("missing/dir"));
        NasProcess.Run unreachable = nas("export", id, "--csv", none.toString(), "--url", "http://localhost:" + ControllerApiIT.freePort(),
                "--token", TOKEN);
        assertThat(unreachable.code()).isEqualTo(1);
        assertThat(unreachable.err()).startsWith("no controller at http://localhost:").contains("start `nas controller`, or set NAS_API_URL");
        NasProcess.Run badUrl = nas("export", id, "--csv", none.toString(), "--url", "http://local host:80", "--token", TOKEN);
        assertThat(badUrl.code()).isEqualTo(2);
        assertThat(badUrl.err()).startsWith("--url: 'http://local host:80' is not an http(s) URL of the controller");
        NasProcess.Run noCsv = nas("export", id, "--url", base);
        assertThat(noCsv.code()).isEqualTo(2);
        assertThat(noCsv.err()).contains("give --csv FILE (the trials as CSV) or --format onnx --out DIR");
        NasProcess.Run weirdId = nas("export", "a b/../c?d#e", "--csv", none.toString(), "--url", base, "--token", TOKEN);
        assertThat(weirdId.code()).as("an id with URL characters is sent encoded").isEqualTo(2);
        assertThat(weirdId.err()).contains("HTTP 404");
        assertThat(none).as("no failure leaves a file").doesNotExist();
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".part"));
        }
    }

    /**
     * {@code nas export ID --format onnx --out DIR} on results a plain producer writes to {@code nas.trial-results}, as a
     * current worker reports them, pointing at attempts this test lays out in a directory and in an s3proxy bucket:
     * the files (real ONNX files of the worker's exporter) come out byte for byte and run in ONNX Runtime; every class of bad input or unreachable store exits non-zero with one message
     * naming the option or the problem, and leaves DIR as it was.
     */
    @Test
    void exportsATrialsOnnxFilesFromTheArtifactStoreAndFailsCleanly(KafkaCluster kafka) throws Exception {
        String base = controller(kafka);
        String id = "onnx-" + UUID.randomUUID().toString().substring(0, 6);
        byte[] spec = ControllerApiIT.respec(Files.readAllBytes(Path.of("..", "examples", "fashion-mnist.json")), id, 8, 8);
        assertThat(nas("submit", write("single.json", spec).toString(), "--url", base, "--token", TOKEN).code()).isZero();
        List<JsonNode> trials = scheduled(base, id, 8);
        String best = trials.get(0).path("trialId").asText();
        String inS3 = trials.get(1).path("trialId").asText();
        String older = trials.get(2).path("trialId").asText();
        String deletedFile = trials.get(3).path("trialId").asText();
        String failed = trials.get(4).path("trialId").asText();
        String running = trials.get(5).path("trialId").asText();
        String deletedAttempt = trials.get(7).path("trialId").asText();

        // real ONNX files of a 16 → 3 dense classifier, as the worker's exporter writes them
        NetworkPlan plan = classifier();
        byte[] fp32 = OnnxExporter.fp32(plan);
        byte[] int8 = OnnxExporter.int8(plan, new ActivationRanges(Map.of("input", new float[] {-1f, 1f})));
        TrialMetrics.Inference both = new TrialMetrics.Inference("onnxruntime 1.29.0", "model.int8.onnx",
                List.of("QGemm", "QLinearConv", "QuantizeLinear"), List.of("model.onnx", "model.int8.onnx"), 0.8712);
        Path attempt = attempt(id, best, Map.of("model.onnx", fp32, "model.int8.onnx", int8, "model.nasm", bytes(3, 100)));
        Path missingInt8 = attempt(id, deletedFile, Map.of("model.onnx", fp32));
        String goneUri = dir.resolve("artifacts").resolve(id).resolve(deletedAttempt).resolve("attempt-1").toUri().toString();

        try (S3TestServer s3 = S3TestServer.start();
             KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                     kafka.bootstrapServers(), ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                     ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class))) {
            s3.createBucket("nas-export");
            String s3Uri = "s3://nas-export/runs/" + id + "/" + inS3 + "/attempt-1";
            try (S3Client client = S3Client.builder().endpointOverride(s3.endpoint()).forcePathStyle(true).region(Region.US_EAST_1)
                    .credentialsProvider(s3.settings().credentials()).httpClientBuilder(UrlConnectionHttpClient.builder()).build()) {
                for (Map.Entry<String, byte[]> f : Map.of("model.onnx", fp32, "candidate.json", "{}".getBytes(StandardCharsets.UTF_8),
                        "metrics.json", "{\"accuracy\": 0.8}".getBytes(StandardCharsets.UTF_8), "model/model-0000.params", bytes(4, 64)).entrySet()) {
                    client.putObject(r -> r.bucket("nas-export").key("runs/" + id + "/" + inS3 + "/attempt-1/" + f.getKey()),
                            RequestBody.fromBytes(f.getValue()));
                }
            }
            send(producer, completed(id, best, metrics(0.91, 2.0, both), attempt.toUri().toString()));
            send(producer, completed(id, inS3, metrics(0.85, 1.0, new TrialMetrics.Inference("onnxruntime 1.29.0", "model.onnx",
                    List.of("Conv", "Gemm"), List.of("model.onnx"), null)), s3Uri));
            send(producer, completed(id, older, metrics(0.80, 1.0, null), dir.resolve("older").toUri().toString()));
            send(producer, completed(id, deletedFile, metrics(0.70, 1.0, both), missingInt8.toUri().toString()));
            send(producer, new TrialResult.Failed(V, id, failed, 1, "w-onnx", "out of memory", false));
            send(producer, completed(id, deletedAttempt, metrics(0.60, 1.0, both), goneUri));
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).until(() -> {
                JsonNode e = api(base, ApiClient.experiment(id, ""));
                return e.path("completed").asInt() == 5 && e.path("failed").asInt() == 1;
            });

            // --best (and no choice at all): the best feasible trial by the one objective, accuracy
            Path out = dir.resolve("deploy/best");
            NasProcess.Run exported = nas("export", id, "--format", "onnx", "--out", out.toString(), "--url", base, "--token", TOKEN);
            assertThat(exported.code()).as(exported.err()).isZero();
            assertThat(exported.out()).contains("best: trial " + best + " (the best feasible trial by accuracy (maximize))",
                    "wrote " + out.resolve("model.onnx") + " (" + thousands(fp32.length) + " bytes)",
                    "wrote " + out.resolve("model.int8.onnx") + " (" + thousands(int8.length) + " bytes)",
                    "measured: model.int8.onnx in onnxruntime 1.29.0, test accuracy 0.9000 (fp32 file 0.8712); kernels that ran: "
                            + "QGemm, QLinearConv, QuantizeLinear");
            assertThat(out.resolve("model.onnx")).hasBinaryContent(fp32);
            assertThat(out.resolve("model.int8.onnx")).hasBinaryContent(int8);
            float[] x = new float[16];
            java.util.Arrays.fill(x, 0.5f);
            try (OnnxModel exportedFp32 = OnnxModel.load(out.resolve("model.onnx"), 1);
                 OnnxModel exportedInt8 = OnnxModel.load(out.resolve("model.int8.onnx"), 1)) {
                float[] expected = logits(plan, x);
                assertThat(exportedFp32.run(x, 1)).as("the exported fp32 file runs in ONNX Runtime").containsExactly(expected,
                        org.assertj.core.data.Offset.offset(1e-5f));
                assertThat(exportedInt8.run(x, 1)).containsExactly(expected, org.assertj.core.data.Offset.offset(0.01f));
                assertThat(exportedInt8.kernels()).as("and the int8 one with int8 kernels").contains("QGemm");
            }
            assertThat(out.resolve("candidate.json")).hasSameBinaryContentAs(attempt.resolve("candidate.json"));
            assertThat(out.resolve("metrics.json")).hasSameBinaryContentAs(attempt.resolve("metrics.json"));
            assertThat(names(out)).as("the deployable files and the metadata, nothing else of the attempt")
                    .containsExactlyInAnyOrder("model.onnx", "model.int8.onnx", "candidate.json", "metrics.json");
            NasProcess.Run again = nas("export", id, "--best", "--format", "onnx", "--out", out.toString(), "--url", base, "--token", TOKEN);
            assertThat(again.code()).isEqualTo(2);
            assertThat(again.err()).contains("--out: " + out + " already holds model.onnx, model.int8.onnx, candidate.json, metrics.json; "
                    + "add --force to replace them");
            Files.write(out.resolve("model.onnx"), new byte[] {1});
            NasProcess.Run forced = nas("export", id, "--trial", best, "--format", "onnx", "--out", out.toString(), "--force", "--url", base,
                    "--token", TOKEN);
            assertThat(forced.code()).as(forced.err()).isZero();
            assertThat(out.resolve("model.onnx")).hasBinaryContent(fp32);

            // from S3, with the NAS_S3_* settings and AWS credentials of the environment, as `nas worker` reads them
            Path fromS3 = dir.resolve("from-s3");
            Map<String, String> s3Env = Map.of("NAS_S3_ENDPOINT", s3.endpoint().toString(), "NAS_S3_PATH_STYLE", "true",
                    "AWS_ACCESS_KEY_ID", S3TestServer.ACCESS_KEY, "AWS_SECRET_ACCESS_KEY", S3TestServer.SECRET_KEY);
            NasProcess.Run s3Run = process(s3Env, "export", id, "--trial", inS3, "--format", "onnx", "--out", fromS3.toString(), "--url", base,
                    "--token", TOKEN);
            assertThat(s3Run.code()).as(s3Run.err()).isZero();
            assertThat(s3Run.out()).contains("wrote " + fromS3.resolve("model.onnx") + " (" + thousands(fp32.length) + " bytes)",
                    "measured: model.onnx in onnxruntime 1.29.0, test accuracy 0.8400; kernels that ran: Conv, Gemm");
            assertThat(s3Run.out() + s3Run.err()).doesNotContain("Exception");
            assertThat(fromS3.resolve("model.onnx")).hasBinaryContent(fp32);
            assertThat(names(fromS3)).containsExactlyInAnyOrder("model.onnx", "candidate.json", "metrics.json");
            NasProcess.Run noCredentials = process(Map.of("NAS_S3_ENDPOINT", s3.endpoint().toString(), "NAS_S3_PATH_STYLE", "true"),
                    "export", id, "--trial", inS3, "--format", "onnx", "--out", dir.resolve("no-credentials").toString(), "--url", base,
                    "--token", TOKEN);
            assertOneMessage(noCredentials, 1, s3Uri + ": no AWS credentials found for bucket 'nas-export' (set AWS_ACCESS_KEY_ID");
            NasProcess.Run unreachable = process(Map.of("NAS_S3_ENDPOINT", "http://127.0.0.1:" + S3TestServer.freePort(), "NAS_S3_PATH_STYLE", "true",
                    "AWS_ACCESS_KEY_ID", S3TestServer.ACCESS_KEY, "AWS_SECRET_ACCESS_KEY", S3TestServer.SECRET_KEY),
                    "export", id, "--trial", inS3, "--format", "onnx", "--out", dir.resolve("unreachable").toString(), "--url", base,
                    "--token", TOKEN);
            assertOneMessage(unreachable, 1, "NAS_S3_ENDPOINT: cannot reach http://127.0.0.1:");
            assertThat(dir.resolve("no-credentials")).as("a failed export leaves no directory behind").doesNotExist();
            assertThat(dir.resolve("unreachable")).doesNotExist();

            // trials that have nothing to export, and stores that lost what a result lists
            Path none = dir.resolve("none");
            assertFails(id, base, 1, List.of("--trial", older), none, "trial '" + older + "' of experiment '" + id
                    + "' was measured by a worker without ONNX export (its result has no metrics.inference): it has no ONNX files");
            assertFails(id, base, 1, List.of("--trial", failed), none, "trial '" + failed + "' of experiment '" + id
                    + "' failed (out of memory): it has no model to export");
            assertFails(id, base, 1, List.of("--trial", running), none, "trial '" + running + "' of experiment '" + id
                    + "' is scheduled (attempt 1): it has no model until it completes");
            assertFails(id, base, 1, List.of("--trial", deletedFile), none, "model.int8.onnx: listed in the result of trial '" + deletedFile
                    + "' of experiment '" + id + "' but missing from its attempt at " + missingInt8.toUri() + " (deleted from the artifact store?)");
            assertFails(id, base, 1, List.of("--trial", deletedAttempt), none, "the attempt of trial '" + deletedAttempt + "' of experiment '"
                    + id + "' is not in the artifact store at " + goneUri + " (no candidate.json there): it was deleted");
            assertFails(id, base, 2, List.of("--trial", "no-such-trial"), none, "trialId: no trial 'no-such-trial' in experiment '" + id + "'");
            NasProcess.Run unknown = nas("export", "no-such-experiment", "--format", "onnx", "--out", none.toString(), "--url", base, "--token", TOKEN);
            assertThat(unknown.code()).isEqualTo(2);
            assertThat(unknown.err()).contains("HTTP 404", "id: no experiment 'no-such-experiment'");
            assertThat(none).as("no failure creates --out").doesNotExist();

            // usage mistakes, answered before anything is asked or written
            Path aFile = write("a-file", new byte[] {1});
            assertFails(id, base, 2, List.of("--trial", best, "--best"), none, "--trial and --best exclude each other");
            assertFails(id, base, 2, List.of("--trial", ""), none, "--trial: is empty");
            assertFails(id, base, 2, List.of("--best"), aFile, "--out: " + aFile + " is a file, not a directory");
            assertFails(id, base, 2, List.of("--best"), aFile.resolve("sub"), "--out: cannot write in " + aFile.resolve("sub"));
            NasProcess.Run csvAndFormat = nas("export", id, "--csv", "x.csv", "--format", "onnx", "--url", base);
            assertOneMessage(csvAndFormat, 2, "--csv and --format exclude each other");
            NasProcess.Run unknownFormat = nas("export", id, "--format", "tflite", "--out", none.toString(), "--url", base);
            assertOneMessage(unknownFormat, 2, "--format: unknown format 'tflite'; known: onnx (the trials table: --csv FILE)");
            NasProcess.Run noOut = nas("export", id, "--format", "onnx", "--url", base);
            assertOneMessage(noOut, 2, "--format onnx needs --out DIR");
            NasProcess.Run outWithCsv = nas("export", id, "--csv", "x.csv", "--out", none.toString(), "--trial", best, "--url", base);
            assertOneMessage(outWithCsv, 2, "--out, --trial go with --format onnx, not with --csv FILE");
            if (!"root".equals(System.getProperty("user.name"))) { // root writes anywhere
                Path readOnly = Files.createDirectory(dir.resolve("read-only"));
                readOnly.toFile().setWritable(false);
                assertFails(id, base, 2, List.of("--best"), readOnly, "--out: cannot write in " + readOnly + ": permission denied");
            }
            try (var walk = Files.walk(dir)) {
                assertThat(walk.map(p -> p.getFileName().toString())).as("no staging left anywhere")
                        .noneMatch(n -> n.startsWith(".nas-export-"));
            }

            // several objectives: no single best unless the front holds one trial
            String multi = "onnx-multi-" + UUID.randomUUID().toString().substring(0, 6);
            byte[] multiSpec = ControllerApiIT.respec(Files.readAllBytes(Path.of("..", "examples", "multi-objective.json")), multi, 2, 2);
            assertThat(nas("submit", write("multi.json", multiSpec).toString(), "--url", base, "--token", TOKEN).code()).isZero();
            List<JsonNode> pair = scheduled(base, multi, 2);
            String accurate = pair.get(0).path("trialId").asText();
            String fast = pair.get(1).path("trialId").asText();
            send(producer, completed(multi, accurate, metrics(0.9, 3.0, both), attempt.toUri().toString()));
            send(producer, completed(multi, fast, metrics(0.8, 1.0, both), attempt.toUri().toString()));
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).until(() ->
                    api(base, ApiClient.experiment(multi, "")).path("completed").asInt() == 2);
            NasProcess.Run front = nas("export", multi, "--best", "--format", "onnx", "--out", none.toString(), "--url", base, "--token", TOKEN);
            assertOneMessage(front, 2, "--best: experiment '" + multi + "' has 2 objectives (accuracy (maximize), latencyMs (minimize)) "
                    + "and 2 trials on its Pareto front, so no single best: name one with --trial");
            assertThat(front.err()).contains(accurate + " (accuracy 0.9000, latencyMs 3.000)", fast + " (accuracy 0.8000, latencyMs 1.000)");
            assertThat(none).doesNotExist();
        }
    }

    /** {@code nas export id OPTIONS --format onnx --out out} fails with {@code code} and {@code message}. */
    private static void assertFails(String id, String base, int code, List<String> options, Path out, String message) {
        List<String> args = new ArrayList<>(List.of("export", id));
        args.addAll(options);
        args.addAll(List.of("--format", "onnx", "--out", out.toString(), "--url", base, "--token", TOKEN));
        assertOneMessage(nas(args.toArray(String[]::new)), code, message);
    }

    /** Waits until {@code id} has {@code n} trials scheduled; them, in creation order. */
    static List<JsonNode> scheduled(String base, String id, int n) {
        List<JsonNode> trials = new ArrayList<>();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).until(() -> {
            trials.clear();
            JsonNode all = api(base, ApiClient.experiment(id, "/trials"));
            all.forEach(t -> {
                if (t.path("status").asText().equals("scheduled")) {
                    trials.add(t);
                }
            });
            return trials.size() == n;
        });
        return trials;
    }

    /** A GET of the API as JSON (a missing experiment: an empty object, so a wait keeps waiting). */
    static JsonNode api(String base, String path) throws Exception {
        HttpResponse<byte[]> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(base + path))
                .header("Authorization", "Bearer " + TOKEN).build(), HttpResponse.BodyHandlers.ofByteArray());
        return r.statusCode() == 200 ? JsonCodec.readTree(r.body()) : JsonCodec.readTree("{}".getBytes(StandardCharsets.UTF_8));
    }

    /** A 16 → 3 dense classifier with fixed weights. */
    static NetworkPlan classifier() {
        float[] weight = new float[3 * 16];
        for (int i = 0; i < weight.length; i++) {
            weight[i] = (i % 7 - 3) / 10f;
        }
        return new NetworkPlan(new long[] {16}, 3, List.of(new NetworkPlan.Dense(16, 3, true, weight, new float[] {0.1f, -0.2f, 0.3f})));
    }

    /** The classifier's logits for one example, by hand: weight (out, in) times x plus bias. */
    static float[] logits(NetworkPlan plan, float[] x) {
        NetworkPlan.Dense d = (NetworkPlan.Dense) plan.layers().get(0);
        float[] y = new float[d.out()];
        for (int o = 0; o < d.out(); o++) {
            double sum = d.bias()[o];
            for (int i = 0; i < d.in(); i++) {
                sum += d.weight()[o * d.in() + i] * x[i];
            }
            y[o] = (float) sum;
        }
        return y;
    }

    static String thousands(long n) {
        return String.format(java.util.Locale.ROOT, "%,d", n);
    }

    /** {@code n} bytes, the same for the same seed (for files the CLI copies without reading them). */
    static byte[] bytes(long seed, int n) {
        byte[] b = new byte[n];
        new java.util.Random(seed).nextBytes(b);
        return b;
    }

    /** Lays out an attempt of {@code trial} in the file store under this test's directory: {@code files}, candidate.json, metrics.json. */
    Path attempt(String id, String trial, Map<String, byte[]> files) throws Exception {
        Path attempt = Files.createDirectories(dir.resolve("artifacts").resolve(id).resolve(trial).resolve("attempt-1"));
        for (Map.Entry<String, byte[]> f : files.entrySet()) {
            Files.write(attempt.resolve(f.getKey()), f.getValue());
        }
        Files.writeString(attempt.resolve("candidate.json"), "{\"trial\": \"" + trial + "\"}");
        Files.writeString(attempt.resolve("metrics.json"), "{\"accuracy\": 0.9}");
        return attempt;
    }

    static TrialResult.Completed completed(String id, String trial, TrialMetrics metrics, String artifactUri) {
        return new TrialResult.Completed(V, id, trial, 1, "w-onnx", metrics, artifactUri);
    }

    /** Metrics as a current worker reports them, with {@code inference} (null: as a worker older than it). */
    static TrialMetrics metrics(double accuracy, double latencyMs, TrialMetrics.Inference inference) {
        return new TrialMetrics(accuracy, accuracy - 0.01, 0.3, latencyMs, latencyMs * 1.5, 0.05, 32, latencyMs * 8, latencyMs * 10,
                25_000, 25_000, 750_000, 100_000, null, 2.0, 1000, 8000, 1000, 2000, "cpu", 1, null, 1, true, null, inference);
    }

    static void send(KafkaProducer<String, byte[]> producer, TrialResult result) throws Exception {
        producer.send(new ProducerRecord<>(Topics.TRIAL_RESULTS, result.experimentId(), JsonCodec.write(result))).get();
    }

    static List<String> names(Path dir) throws Exception {
        try (var files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).toList();
        }
    }

    /**
     * {@code nas ARGS} as a separate process with only {@code env} of the NAS_ and AWS_ variables, no AWS profile and
     * no instance metadata service, so the credentials are exactly those given.
     */
    NasProcess.Run process(Map<String, String> env, String... args) throws Exception {
        return NasProcess.run(dir, pb -> {
            pb.environment().keySet().removeIf(k -> k.startsWith("NAS_") || k.startsWith("AWS_"));
            pb.environment().put("AWS_EC2_METADATA_DISABLED", "true");
            pb.environment().put("AWS_SHARED_CREDENTIALS_FILE", dir.resolve("no-aws-credentials").toString());
            pb.environment().put("AWS_CONFIG_FILE", dir.resolve("no-aws-config").toString());
            pb.environment().putAll(env);
        }, args);
    }

    static void assertOneMessage(NasProcess.Run r, int code, String message) {
        NasProcess.assertOneMessage(r, code, message);
    }

    private Path write(String name, byte[] content) throws Exception {
        Path p = dir.resolve(name);
        Files.write(p, content);
        return p;
    }
}
