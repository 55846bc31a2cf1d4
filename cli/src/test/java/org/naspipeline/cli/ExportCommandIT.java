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
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.naspipeline.api.JsonCodec;
import org.naspipeline.controller.ApiTokens;
import org.naspipeline.controller.ControllerConfig;
import org.naspipeline.controller.ControllerVerticle;
import org.naspipeline.controller.TopicSetup;
import org.naspipeline.ops.Observability;
import org.naspipeline.strategy.StrategyRegistry;
import org.naspipeline.testkit.CloseAfterEach;
import org.naspipeline.testkit.KafkaCluster;
import org.naspipeline.testkit.KafkaExtension;
import org.naspipeline.worker.pipeline.SyntheticEvaluator;
import org.naspipeline.worker.service.WorkerConfig;
import org.naspipeline.worker.service.WorkerService;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code nas export ID --csv FILE} against a controller on the real broker with a synthetic-evaluator worker: the
 * file holds the API's CSV, one row per trial of {@code /trials}; every failure exits non-zero, says why and leaves
 * no file behind.
 */
@ExtendWith(KafkaExtension.class)
class ExportCommandIT {
    static final String TOKEN = "export-token";
    @RegisterExtension
    final CloseAfterEach cleanup = new CloseAfterEach();

    @TempDir
    Path dir;

    /** What a command printed and its exit code. */
    record Run(int code, String out, String err) {}

    static Run nas(String... args) {
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
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void exportsTheTrialsAsCsvAndFailsCleanly(KafkaCluster kafka) throws Exception {
        TopicSetup.ensure(kafka.bootstrapServers(), 4);
        int port = ControllerApiIT.freePort();
        PrometheusMeterRegistry meters = Observability.registry("controller", "export");
        ControllerConfig config = new ControllerConfig(kafka.bootstrapServers(), "export-" + UUID.randomUUID().toString().substring(0, 6),
                dir.resolve("state"), 4).withHttp(port, "localhost", ApiTokens.parse("NAS_API_TOKEN", TOKEN));
        Vertx vertx = Observability.vertx(meters, Duration.ofSeconds(60));
        cleanup.add(() -> vertx.close().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS));
        vertx.deployVerticle(new ControllerVerticle(config, StrategyRegistry.load(), meters)).toCompletionStage()
                .toCompletableFuture().get(90, TimeUnit.SECONDS);
        WorkerService worker = new WorkerService(WorkerConfig.embedded(kafka.bootstrapServers(), "export-workers", "w-export", 1, "cpu",
                null, dir.resolve("artifacts"), 5, 1, "synthetic", 10), List.of(new SyntheticEvaluator("w-export", 10)));
        worker.start();
        cleanup.add(worker);
        String base = "http://localhost:" + port;
        HttpClient http = HttpClient.newHttpClient();
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250)).until(() ->
                http.send(HttpRequest.newBuilder(URI.create(base + "/health/ready")).build(), HttpResponse.BodyHandlers.discarding())
                        .statusCode() == 200);
        String id = "export-" + UUID.randomUUID().toString().substring(0, 6);
        byte[] spec = ControllerApiIT.respec(Files.readAllBytes(Path.of("..", "examples", "multi-objective.json")), id, 8, 2);
        assertThat(nas("submit", write("spec.json", spec).toString(), "--url", base, "--token", TOKEN).code()).isZero();
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250)).until(() ->
                nas("status", id, "--url", base, "--token", TOKEN).out().contains(" completed "));

        Path file = dir.resolve("trials.csv");
        Files.writeString(file, "an older export");
        Run export = nas("export", id, "--csv", file.toString(), "--url", base, "--token", TOKEN);
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
        Run toStdout = nas("export", id, "--csv", "-", "--url", base, "--token", TOKEN);
        assertThat(toStdout.code()).isZero();
        assertThat(toStdout.out()).isEqualTo(csv);

        Path none = dir.resolve("none.csv");
        Run unknown = nas("export", "no-such-experiment", "--csv", none.toString(), "--url", base, "--token", TOKEN);
        assertThat(unknown.code()).isEqualTo(2);
        assertThat(unknown.err()).contains("HTTP 404", "id: no experiment 'no-such-experiment'");
        Run noToken = nas("export", id, "--csv", none.toString(), "--url", base);
        assertThat(noToken.code()).isEqualTo(1);
        assertThat(noToken.err()).contains("HTTP 401", "Authorization: a valid bearer token is required");
        Run noDirectory = nas("export", id, "--csv", dir.resolve("missing/dir/t.csv").toString(), "--url", base, "--token", TOKEN);
        assertThat(noDirectory.code()).isEqualTo(2);
        assertThat(noDirectory.err()).contains("--csv: no such directory: " + dir.resolve("missing/dir"));
        Run unreachable = nas("export", id, "--csv", none.toString(), "--url", "http://localhost:" + ControllerApiIT.freePort(),
                "--token", TOKEN);
        assertThat(unreachable.code()).isEqualTo(1);
        assertThat(unreachable.err()).startsWith("no controller at http://localhost:").contains("start `nas controller`, or set NAS_API_URL");
        Run badUrl = nas("export", id, "--csv", none.toString(), "--url", "http://local host:80", "--token", TOKEN);
        assertThat(badUrl.code()).isEqualTo(2);
        assertThat(badUrl.err()).startsWith("--url: 'http://local host:80' is not an http(s) URL of the controller");
        Run noCsv = nas("export", id, "--url", base);
        assertThat(noCsv.code()).isEqualTo(2);
        assertThat(noCsv.err()).contains("Missing required option: '--csv=FILE'");
        Run weirdId = nas("export", "a b/../c?d#e", "--csv", none.toString(), "--url", base, "--token", TOKEN);
        assertThat(weirdId.code()).as("an id with URL characters is sent encoded").isEqualTo(2);
        assertThat(weirdId.err()).contains("HTTP 404");
        assertThat(none).as("no failure leaves a file").doesNotExist();
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".part"));
        }
    }

    private Path write(String name, byte[] content) throws Exception {
        Path p = dir.resolve(name);
        Files.write(p, content);
        return p;
    }
}
