package org.naspipeline.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.naspipeline.worker.artifact.S3TestServer;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code docker-compose.yml} brought up without Docker ({@link LocalCompose}): the dev broker for Kafka, s3proxy for
 * MinIO, the real Debian Prometheus with the repository's scrape config, and our services from their own jars with
 * the file's commands and environment. A 4-trial experiment submitted over REST runs to completion with its models
 * in S3, and Prometheus reports every target up.
 */
class ComposeSmokeIT {
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
                ServiceHttp.awaitReady(api, Duration.ofMinutes(2));
                for (String worker : system.addresses("worker")) {
                    ServiceHttp.awaitReady("http://" + worker + ":" + compose.service("worker").environment().get("NAS_WORKER_HTTP_PORT"),
                            Duration.ofMinutes(2));
                }

                String id = ServiceHttp.submit(api, ServiceHttp.smallExperiment("examples/fashion-mnist.json", "compose smoke test", 4));
                JsonNode done = ServiceHttp.awaitEnd(api, id, Duration.ofMinutes(8));
                assertThat(done.path("status").asText()).isEqualTo("completed");
                assertThat(done.path("completed").asInt()).isEqualTo(4);

                JsonNode trials = PrometheusServer.get(api + "/api/v1/experiments/" + id + "/trials");
                assertThat(trials).hasSize(4).allSatisfy(t -> {
                    assertThat(t.path("status").asText()).isEqualTo("completed");
                    assertThat(t.path("workerId").asText()).isNotBlank();
                });

                // Every model went to the bucket the compose file names, through the S3 API.
                String uri = compose.service("worker").environment().get("NAS_ARTIFACT_URI");
                S3TestServer s3 = system.s3();
                String bucket = URI.create(uri).getHost();
                String prefix = URI.create(uri).getPath().replaceFirst("^/", "") + "/" + id + "/";
                java.util.Set<String> keys = s3.objects(bucket, prefix).keySet();
                for (JsonNode t : trials) {
                    String attempt = prefix + t.path("trialId").asText() + "/attempt-" + t.path("attempt").asInt() + "/";
                    assertThat(keys).as("objects of " + attempt).contains(attempt + "candidate.json", attempt + "metrics.json")
                            .anySatisfy(k -> assertThat(k).startsWith(attempt + "model"));
                }

                PrometheusServer prometheus = system.prometheus();
                int expectedTargets = 1 + system.addresses("worker").size();
                Awaitility.await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(2)).ignoreExceptions().untilAsserted(() ->
                        assertThat(prometheus.activeTargets()).hasSize(expectedTargets)
                                .allSatisfy(t -> assertThat(t.path("health").asText()).as(t.toString()).isEqualTo("up")));
                // It loaded the repository's alert rules through the file's mounts.
                assertThat(PrometheusServer.get(prometheus.url() + "/api/v1/rules").path("data").path("groups"))
                        .isNotEmpty().allSatisfy(g -> assertThat(g.path("rules")).allSatisfy(
                                r -> assertThat(r.path("health").asText()).as(r.toString()).isEqualTo("ok")));
                // The scrapes carry our metrics, not only `up`: both workers' slots and the controller's ingestion count.
                Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(2)).ignoreExceptions().untilAsserted(() -> {
                    assertThat(prometheus.query("nas_worker_slots")).hasSize(system.addresses("worker").size());
                    assertThat(prometheus.query("nas_results_ingested_total")).isNotEmpty()
                            .allSatisfy(r -> assertThat(r.path("value").get(1).asDouble()).isGreaterThanOrEqualTo(4));
                });
            } catch (Exception | AssertionError e) {
                throw new AssertionError(e.getMessage() + "\nservice logs:" + system.logTails(), e);
            }
        }
    }
}
