package org.naspipeline.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code docker-compose.yml} brought up without Docker ({@link LocalCompose}): the dev broker for Kafka, s3proxy for
 * MinIO, the real Debian Prometheus with the repository's scrape config, and our services from their own jars with
 * the file's commands and environment. A 4-trial experiment submitted over REST runs to completion with its models
 * in S3, and Prometheus reports every target up.
 */
class ComposeSmokeIT {
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @TempDir
    Path work;

    @Test
    void theComposeFileRunsAnExperimentWithS3ArtifactsAndPrometheusScrapesEveryService() throws Exception {
        ComposeFile compose = ComposeFile.load();
        try (LocalCompose system = new LocalCompose(compose, work)) {
            try {
                system.up();
                String api = "http://" + system.addresses("controller").get(0) + ":"
                        + compose.service("controller").containerPorts().get(0);
                awaitReady(api, Duration.ofMinutes(2));
                for (String worker : system.addresses("worker")) {
                    awaitReady("http://" + worker + ":" + compose.service("worker").environment().get("NAS_WORKER_HTTP_PORT"),
                            Duration.ofMinutes(2));
                }

                String id = submit(api, smallExperiment());
                JsonNode done = awaitEnd(api, id, Duration.ofMinutes(8));
                assertThat(done.path("status").asText()).isEqualTo("completed");
                assertThat(done.path("completed").asInt()).isEqualTo(4);

                JsonNode trials = get(api + "/api/v1/experiments/" + id + "/trials");
                assertThat(trials).hasSize(4).allSatisfy(t -> {
                    assertThat(t.path("status").asText()).isEqualTo("completed");
                    assertThat(t.path("workerId").asText()).isNotBlank();
                });

                // Every model went to the bucket the compose file names, through the S3 API.
                String uri = compose.service("worker").environment().get("NAS_ARTIFACT_URI");
                StandIns.S3 s3 = system.s3();
                String bucket = URI.create(uri).getHost();
                String prefix = URI.create(uri).getPath().replaceFirst("^/", "") + "/" + id + "/";
                List<String> keys = s3.keys(bucket, prefix);
                for (JsonNode t : trials) {
                    String attempt = prefix + t.path("trialId").asText() + "/attempt-" + t.path("attempt").asInt() + "/";
                    assertThat(keys).as("objects of " + attempt).contains(attempt + "candidate.json", attempt + "metrics.json")
                            .anySatisfy(k -> assertThat(k).startsWith(attempt + "model"));
                }

                String prometheus = "http://" + system.addresses("prometheus").get(0) + ":9090";
                int expectedTargets = 1 + system.addresses("worker").size();
                Awaitility.await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(2)).untilAsserted(() -> {
                    JsonNode targets = get(prometheus + "/api/v1/targets").path("data").path("activeTargets");
                    assertThat(targets).hasSize(expectedTargets)
                            .allSatisfy(t -> assertThat(t.path("health").asText()).as(t.toString()).isEqualTo("up"));
                });
                // The scrapes carry our metrics, not only `up`: both workers' slots and the controller's ingestion count.
                Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(2)).untilAsserted(() -> {
                    assertThat(query(prometheus, "nas_worker_slots")).hasSize(system.addresses("worker").size());
                    assertThat(query(prometheus, "nas_results_ingested_total")).isNotEmpty()
                            .allSatisfy(r -> assertThat(r.path("value").get(1).asDouble()).isGreaterThanOrEqualTo(4));
                });
            } catch (AssertionError | ConditionTimeoutException e) {
                throw new AssertionError(e.getMessage() + "\nservice logs:" + system.logTails(), e);
            }
        }
    }

    /** The example spec cut to 4 quick trials on a few hundred images. */
    private static String smallExperiment() throws Exception {
        ObjectNode spec = (ObjectNode) JSON.readTree(Files.readString(ComposeFile.REPO.resolve("examples/fashion-mnist.json")));
        spec.put("name", "compose smoke test");
        ((ObjectNode) spec.path("dataset")).put("trainLimit", 600).put("testLimit", 200);
        ((ObjectNode) spec.path("budget")).put("maxTrials", 4).put("parallelism", 2);
        ((ObjectNode) spec.path("training")).put("epochs", 1);
        return JSON.writeValueAsString(spec);
    }

    private static String submit(String api, String spec) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(api + "/api/v1/experiments"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(spec)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        return JSON.readTree(r.body()).path("id").asText();
    }

    private static JsonNode awaitEnd(String api, String id, Duration timeout) {
        AtomicReference<JsonNode> last = new AtomicReference<>();
        Awaitility.await().atMost(timeout).pollInterval(Duration.ofSeconds(2)).ignoreExceptions().until(() -> {
            last.set(get(api + "/api/v1/experiments/" + id));
            return Set.of("completed", "failed", "cancelled").contains(last.get().path("status").asText());
        });
        return last.get();
    }

    private static void awaitReady(String base, Duration timeout) {
        Awaitility.await().atMost(timeout).pollInterval(Duration.ofSeconds(1)).ignoreExceptions().until(() ->
                HTTP.send(HttpRequest.newBuilder(URI.create(base + "/health/ready")).GET().build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 200);
    }

    private static JsonNode query(String prometheus, String expr) throws Exception {
        return get(prometheus + "/api/v1/query?query=" + expr).path("data").path("result");
    }

    private static JsonNode get(String url) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException(url + " answered " + r.statusCode() + ": " + r.body());
        }
        return JSON.readTree(r.body());
    }
}
