package org.naspipeline.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.naspipeline.api.ExperimentSpec;
import org.naspipeline.api.JsonCodec;
import org.naspipeline.api.Objective;
import org.naspipeline.api.TrialMetrics;
import org.naspipeline.controller.http.ApiTokens;
import org.naspipeline.controller.ControllerConfig;
import org.naspipeline.controller.ControllerVerticle;
import org.naspipeline.controller.TopicSetup;
import org.naspipeline.ops.Observability;
import org.naspipeline.strategy.StrategyRegistry;
import org.naspipeline.strategy.pareto.ParetoFront;
import org.naspipeline.testkit.CloseAfterEach;
import org.naspipeline.testkit.KafkaCluster;
import org.naspipeline.testkit.KafkaExtension;
import org.naspipeline.worker.pipeline.SyntheticEvaluator;
import org.naspipeline.worker.service.WorkerConfig;
import org.naspipeline.worker.service.WorkerService;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The controller's REST API on the real broker, with a synthetic-evaluator worker: submission with validation,
 * size limit and bearer tokens; reads of experiments, trials and the Pareto front; cancel; metrics. And two
 * instances sharing the experiments: reads answer from either (forwarded to the owner), and when one is killed
 * the other completes its experiments.
 */
@ExtendWith(KafkaExtension.class)
class ControllerApiIT {
    static final String TOKEN = "s3cret-token";
    final HttpClient http = HttpClient.newHttpClient();
    @RegisterExtension
    final CloseAfterEach cleanup = new CloseAfterEach();

    @TempDir
    Path dir;


    @Test
    void submitReadCancelAndMeasureOverRest(KafkaCluster kafka) throws Exception {
        TopicSetup.ensure(kafka.bootstrapServers(), 4);
        int port = freePort();
        PrometheusMeterRegistry meters = Observability.registry("controller", "c1");
        startController(kafka, "api-" + UUID.randomUUID().toString().substring(0, 6), port, meters, dir.resolve("c1"));
        startWorker(kafka, 20);
        String base = "http://localhost:" + port;
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
                .until(() -> send(HttpRequest.newBuilder(URI.create(base + "/health/ready")).GET()).statusCode() == 200);
        byte[] example = Files.readAllBytes(Path.of("..", "examples", "multi-objective.json"));
        String id = "rest-" + UUID.randomUUID().toString().substring(0, 6);
        byte[] spec = respec(example, id, 12, 3);

        HttpResponse<String> noToken = post(base, spec, null);
        assertThat(noToken.statusCode()).isEqualTo(401);
        assertThat(noToken.headers().firstValue("WWW-Authenticate")).contains("Bearer realm=\"nas\"");
        HttpResponse<String> invalid = post(base, edit(spec, "budget", "maxTrials", 0), TOKEN);
        assertThat(invalid.statusCode()).isEqualTo(400);
        assertThat(errorPaths(invalid)).contains("budget.maxTrials");
        HttpResponse<String> unknownStrategy = post(base, edit(spec, "strategy", "name", "hyperband"), TOKEN);
        assertThat(unknownStrategy.statusCode()).isEqualTo(400);
        assertThat(errorPaths(unknownStrategy)).contains("strategy.name");
        byte[] huge = edit(spec, null, "padding", "x".repeat(300_000));
        assertThat(post(base, huge, TOKEN).statusCode()).isEqualTo(413);
        assertThat(post(base, "{not json".getBytes(StandardCharsets.UTF_8), TOKEN).statusCode()).isEqualTo(400);

        HttpResponse<String> created = post(base, spec, TOKEN);
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        assertThat(created.headers().firstValue("Location")).contains("/api/v1/experiments/" + id);
        JsonNode done = awaitStatus(base, id, "completed", Duration.ofSeconds(90));
        assertThat(done.path("completed").asInt()).isEqualTo(12);
        assertThat(done.path("tenant").asText()).isEqualTo("default");
        assertThat(post(base, spec, TOKEN).statusCode()).as("same id again").isEqualTo(409);

        JsonNode trials = get(base, "/api/v1/experiments/" + id + "/trials");
        assertThat(trials).hasSize(12);
        ParetoFront<String> expected = new ParetoFront<>();
        List<Objective> objectives = JsonCodec.readSpec(spec).objectives().objectives();
        for (JsonNode t : trials) {
            assertThat(t.path("status").asText()).isEqualTo("completed");
            TrialMetrics m = JsonCodec.read(JsonCodec.write(t.get("metrics")), TrialMetrics.class);
            expected.add(objectives.stream().mapToDouble(o -> o.minimizationValue(m)).toArray(), t.path("trialId").asText());
        }
        JsonNode pareto = get(base, "/api/v1/experiments/" + id + "/pareto");
        Set<String> front = new HashSet<>();
        pareto.path("front").forEach(p -> front.add(p.path("trialId").asText()));
        Set<String> expectedFront = new HashSet<>();
        expected.entries().forEach(e -> expectedFront.add(e.label()));
        assertThat(front).isNotEmpty().isEqualTo(expectedFront);
        assertThat(pareto.path("hypervolume").asDouble()).isPositive();
        assertThat(get(base, "/api/v1/experiments")).anyMatch(e -> e.path("id").asText().equals(id));
        assertThat(send(HttpRequest.newBuilder(URI.create(base + "/api/v1/experiments/nope")).GET()).statusCode())
                .as("reads need a token when tokens are set").isEqualTo(401);
        assertThat(send(HttpRequest.newBuilder(URI.create(base + "/api/v1/experiments/nope")).GET()
                .header("Authorization", "Bearer " + TOKEN)).statusCode()).isEqualTo(404);

        String longId = id + "-long";
        assertThat(post(base, respec(example, longId, 5000, 2), TOKEN).statusCode()).isEqualTo(201);
        awaitStatus(base, longId, "running", Duration.ofSeconds(60));
        assertThat(nas("pause", longId, "--url", base, "--token", TOKEN)).isEqualTo("pausing " + longId + "\n");
        JsonNode paused = awaitStatus(base, longId, "paused", Duration.ofSeconds(30));
        assertThat(paused.path("inFlight").asInt()).isLessThanOrEqualTo(2);
        assertThat(nas("resume", longId, "--url", base, "--token", TOKEN)).isEqualTo("resuming " + longId + "\n");
        awaitStatus(base, longId, "running", Duration.ofSeconds(30));
        HttpResponse<String> noTokenDelete = send(HttpRequest.newBuilder(URI.create(base + "/api/v1/experiments/" + longId)).DELETE());
        assertThat(noTokenDelete.statusCode()).isEqualTo(401);
        HttpResponse<String> cancel = send(HttpRequest.newBuilder(URI.create(base + "/api/v1/experiments/" + longId)).DELETE()
                .header("Authorization", "Bearer " + TOKEN));
        assertThat(cancel.statusCode()).isEqualTo(202);
        JsonNode cancelled = awaitStatus(base, longId, "cancelled", Duration.ofSeconds(60));
        assertThat(cancelled.path("completed").asInt()).isLessThan(5000);

        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
            String metrics = send(HttpRequest.newBuilder(URI.create(base + "/metrics")).GET()).body();
            assertThat(metrics).contains("nas_trials_total{experiment=\"" + id + "\",instance=\"c1\",service=\"controller\",status=\"completed\"} 12.0");
            assertThat(metrics).contains("nas_submissions_rejected_total{instance=\"c1\",reason=\"invalid\",service=\"controller\"}");
            assertThat(metrics).contains("nas_submissions_rejected_total{instance=\"c1\",reason=\"unauthorized\",service=\"controller\"} 3.0");
            assertThat(metrics).contains("nas_experiments{instance=\"c1\",service=\"controller\",status=\"cancelled\"} 1.0");
            assertThat(metrics).contains("nas_pareto_front_size{experiment=\"" + id + "\"", "nas_hypervolume{experiment=\"" + id + "\"",
                    "nas_best_objective{experiment=\"" + id + "\"", "nas_results_ingested_total", "nas_trial_duration_seconds_count");
        });
        assertThat(send(HttpRequest.newBuilder(URI.create(base + "/health")).GET()).statusCode()).isEqualTo(200);

        // the nas commands over the same API
        assertThat(nas("status", id, "--url", base, "--token", TOKEN)).startsWith(id + " [##############################] 12/12 completed best ");
        assertThat(nas("pareto", id, "--url", base, "--token", TOKEN)).startsWith("Pareto front of " + id + ": " + front.size() + " trial(s), hypervolume ");
        assertThat(nas("status", "--url", base, "--token", TOKEN)).contains(id, longId);
        // the trial table: sorted by the controller, candidate in short, the front marked
        List<String> table = nas("trials", id, "--sort", "accuracy", "--url", base, "--token", TOKEN).lines().toList();
        assertThat(table.get(0)).startsWith("TRIAL").contains("ARCHITECTURE", "COMPRESSION", "VAL", "TEST", "P50 MS", "WORKER");
        assertThat(table).hasSize(1 + 12 + 1).last().isEqualTo("12 of 12 trial(s); * on the Pareto front");
        List<Double> accuracies = table.subList(1, 13).stream().map(l -> l.trim().split("\\s+"))
                .map(cells -> Double.parseDouble(cells[cells.length - 6])).toList(); // VAL, TEST, P50, PARAMS, BYTES, WORKER
        assertThat(accuracies).isSortedAccordingTo(java.util.Comparator.reverseOrder());
        assertThat(table.subList(1, 13).stream().filter(l -> l.startsWith("* ")).map(l -> l.substring(2).trim().split("\\s+")[0]))
                .containsExactlyInAnyOrderElementsOf(front);
        assertThat(table.get(1)).contains("completed", "cnn[");
        assertThat(nas("trials", id, "--limit", "5", "--offset", "10", "--url", base, "--token", TOKEN))
                .endsWith("2 of 12 trial(s); * on the Pareto front\n");
        assertThat(nas("trials", id, "--status", "failed", "--url", base, "--token", TOKEN)).endsWith("0 of 0 trial(s); * on the Pareto front\n");
        assertThat(JsonCodec.readTree(nas("trials", id, "--json", "--limit", "3", "--url", base, "--token", TOKEN)
                .getBytes(StandardCharsets.UTF_8)).path("rows")).hasSize(3);
        assertThat(nas("trials", id, "--csv", "--url", base, "--token", TOKEN).split("\r\n")).hasSize(13);
        assertThat(nas("pareto", id, "--url", base, "--token", TOKEN).lines().skip(1)).hasSize(front.size())
                .allSatisfy(l -> assertThat(l).contains("cnn["));
        assertThat(Nas.commandLine().execute("submit", dir.resolve("missing.json").toString(), "--url", base)).isEqualTo(2);
    }

    /** Runs a nas command in-process and returns what it printed; fails unless it exits 0. */
    static String nas(String... args) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        java.io.PrintStream saved = System.out;
        int code;
        System.setOut(new java.io.PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            code = Nas.commandLine().execute(args);
        } finally {
            System.setOut(saved);
        }
        assertThat(code).as("nas " + String.join(" ", args) + ": " + out).isZero();
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void twoInstancesShareExperimentsAnswerForEachOtherAndOneTakesOverWhenTheOtherIsKilled(KafkaCluster kafka) throws Exception {
        TopicSetup.ensure(kafka.bootstrapServers(), 4);
        String appId = "pair-" + UUID.randomUUID().toString().substring(0, 6);
        int port1 = freePort();
        int port2 = freePort();
        Process first = startControllerProcess(kafka, appId, port1, dir.resolve("c1"));
        cleanup.add(() -> {
            first.destroyForcibly();
            first.waitFor();
        });
        startController(kafka, appId, port2, Observability.registry("controller", "c2"), dir.resolve("c2"));
        String base1 = "http://localhost:" + port1;
        String base2 = "http://localhost:" + port2;
        for (String base : List.of(base1, base2)) {
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250))
                    .until(() -> healthy(base));
        }
        startWorker(kafka, 150);
        byte[] example = Files.readAllBytes(Path.of("..", "examples", "multi-objective.json"));
        int trials = 30;
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            String id = appId + "-e" + i;
            ids.add(id);
            assertThat(postUntilReady(base2, respec(example, id, trials, 2))).isEqualTo(201);
        }
        // every experiment answers from both instances: one reads its own store, the other forwards to it
        for (String id : ids) {
            awaitStatus(base1, id, "running", Duration.ofSeconds(60));
            awaitStatus(base2, id, "running", Duration.ofSeconds(60));
        }
        assertThat(get(base1, "/api/v1/experiments")).extracting(e -> e.path("id").asText()).containsAll(ids);
        assertThat(get(base2, "/api/v1/experiments")).extracting(e -> e.path("id").asText()).containsAll(ids);

        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).until(() -> {
            int done = 0;
            for (JsonNode e : get(base2, "/api/v1/experiments")) {
                done += ids.contains(e.path("id").asText()) ? e.path("completed").asInt() : 0;
            }
            return done >= 20;
        });
        assertThat(Files.readString(dir.resolve("c1").resolve("controller.log"))).as("the first instance owned experiments")
                .contains("accepted from");
        first.destroyForcibly(); // SIGKILL: no clean close, no commit, no leave-group
        assertThat(first.waitFor(10, TimeUnit.SECONDS)).isTrue();

        for (String id : ids) {
            JsonNode done = awaitStatus(base2, id, "completed", Duration.ofMinutes(3));
            assertThat(done.path("completed").asInt()).as(id).isEqualTo(trials);
            JsonNode rows = get(base2, "/api/v1/experiments/" + id + "/trials");
            assertThat(rows).hasSize(trials);
        }
    }

    boolean healthy(String base) {
        try {
            return send(HttpRequest.newBuilder(URI.create(base + "/health/ready")).GET()).statusCode() == 200;
        } catch (Exception e) {
            return false; // not listening yet
        }
    }

    Process startControllerProcess(KafkaCluster kafka, String appId, int port, Path state) throws Exception {
        Files.createDirectories(state);
        return NasProcess.start("controller", "512m", Map.of(
                "NAS_KAFKA_BOOTSTRAP", kafka.bootstrapServers(),
                "NAS_CONTROLLER_APP_ID", appId,
                "NAS_STATE_DIR", state.toString(),
                "NAS_CONTROLLER_HTTP_PORT", String.valueOf(port),
                "NAS_CONTROLLER_ADVERTISED_HOST", "localhost",
                "NAS_API_TOKEN", TOKEN,
                // the broker's minimum, so the killed instance's partitions move within seconds
                "NAS_KAFKA_CLIENT_SESSION_TIMEOUT_MS", "6000"), state.resolve("controller.log"));
    }

    /** The spec with {@code field} of {@code object} (null: the top level) set to {@code value}. */
    static byte[] edit(byte[] spec, String object, String field, Object value) {
        com.fasterxml.jackson.databind.node.ObjectNode root = (com.fasterxml.jackson.databind.node.ObjectNode) JsonCodec.readTree(spec);
        com.fasterxml.jackson.databind.node.ObjectNode target = object == null ? root : (com.fasterxml.jackson.databind.node.ObjectNode) root.get(object);
        target.set(field, new com.fasterxml.jackson.databind.ObjectMapper().valueToTree(value));
        return JsonCodec.write(root);
    }

    static byte[] respec(byte[] example, String id, int maxTrials, int parallelism) {
        ExperimentSpec spec = JsonCodec.readSpec(example).withId(id);
        spec = spec.with(spec.strategy(), new org.naspipeline.api.BudgetSpec(maxTrials, parallelism, 2));
        return JsonCodec.write(spec);
    }

    JsonNode awaitStatus(String base, String id, String status, Duration timeout) {
        JsonNode[] last = {null};
        await().atMost(timeout).pollInterval(Duration.ofMillis(250)).until(() -> {
            HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(base + "/api/v1/experiments/" + id)).GET()
                    .header("Authorization", "Bearer " + TOKEN));
            if (r.statusCode() != 200) {
                return false;
            }
            last[0] = JsonCodec.readTree(r.body().getBytes(StandardCharsets.UTF_8));
            return last[0].path("status").asText().equals(status);
        });
        return last[0];
    }

    JsonNode get(String base, String path) throws Exception {
        HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(base + path)).GET().header("Authorization", "Bearer " + TOKEN));
        assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(200);
        return JsonCodec.readTree(r.body().getBytes(StandardCharsets.UTF_8));
    }

    HttpResponse<String> post(String base, byte[] body, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + "/api/v1/experiments"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return send(b);
    }

    /**
     * Posts, repeating while the answer is 503: right after a second instance joins, the group may still be
     * rebalancing, and a 503 ("not ready, try again") is the API's documented answer then, which clients retry.
     */
    int postUntilReady(String base, byte[] body) {
        int[] status = {0};
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).until(() -> {
            status[0] = post(base, body, TOKEN).statusCode();
            return status[0] != 503;
        });
        return status[0];
    }

    HttpResponse<String> send(HttpRequest.Builder b) throws Exception {
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static List<String> errorPaths(HttpResponse<String> r) {
        List<String> paths = new ArrayList<>();
        JsonCodec.readTree(r.body().getBytes(StandardCharsets.UTF_8)).path("errors").forEach(e -> paths.add(e.path("path").asText()));
        return paths;
    }

    void startController(KafkaCluster kafka, String appId, int port, PrometheusMeterRegistry meters, Path state) throws Exception {
        ControllerConfig config = new ControllerConfig(kafka.bootstrapServers(), appId, state, 4)
                .withHttp(port, "localhost", ApiTokens.parse("NAS_API_TOKEN", TOKEN));
        Vertx vertx = Observability.vertx(meters, Duration.ofSeconds(60));
        vertx.deployVerticle(new ControllerVerticle(config, StrategyRegistry.load(), meters)).toCompletionStage()
                .toCompletableFuture().get(60, TimeUnit.SECONDS);
        cleanup.add(() -> vertx.close().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS));
    }

    void startWorker(KafkaCluster kafka, long delayMillis) {
        String group = "api-workers-" + UUID.randomUUID().toString().substring(0, 6);
        WorkerService worker = new WorkerService(WorkerConfig.embedded(kafka.bootstrapServers(), group, "w-api", 1, "cpu", null,
                dir.resolve("artifacts"), 5, 1, "synthetic", delayMillis), List.of(new SyntheticEvaluator("w-api", delayMillis)));
        worker.start();
        cleanup.add(worker);
    }

    static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
