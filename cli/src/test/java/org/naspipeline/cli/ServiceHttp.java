package org.naspipeline.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.awaitility.Awaitility;

/** What the deployment tests do over HTTP with the services they start: wait for readiness, submit, follow, scrape. */
final class ServiceHttp {
    private ServiceHttp() {}

    /** The example spec cut to {@code trials} quick trials on a few hundred images. */
    static ObjectNode smallExperiment(String example, String name, int trials) throws Exception {
        ObjectNode spec = (ObjectNode) PrometheusServer.JSON.readTree(Files.readString(ComposeFile.REPO.resolve(example)));
        spec.put("name", name);
        ((ObjectNode) spec.path("dataset")).put("trainLimit", 600).put("testLimit", 200);
        ((ObjectNode) spec.path("budget")).put("maxTrials", trials).put("parallelism", 2);
        ((ObjectNode) spec.path("training")).put("epochs", 1);
        return spec;
    }

    /** Submits over REST, requiring 201; returns the experiment id. */
    static String submit(String api, JsonNode spec) throws Exception {
        HttpResponse<String> r = post(api + "/api/v1/experiments", PrometheusServer.JSON.writeValueAsString(spec));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        return PrometheusServer.JSON.readTree(r.body()).path("id").asText();
    }

    /** A POST with a JSON body. */
    static HttpResponse<String> post(String url, String body) throws Exception {
        return PrometheusServer.HTTP.send(HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The experiment's summary once it has ended (completed, failed or cancelled). */
    static JsonNode awaitEnd(String api, String id, Duration timeout) {
        AtomicReference<JsonNode> last = new AtomicReference<>();
        Awaitility.await().atMost(timeout).pollInterval(Duration.ofSeconds(2)).ignoreExceptions().until(() -> {
            last.set(PrometheusServer.get(api + "/api/v1/experiments/" + id));
            return Set.of("completed", "failed", "cancelled").contains(last.get().path("status").asText());
        });
        return last.get();
    }

    /** Waits until {@code base}/health/ready answers 200. */
    static void awaitReady(String base, Duration timeout) {
        Awaitility.await().atMost(timeout).pollInterval(Duration.ofSeconds(1)).ignoreExceptions().until(() ->
                PrometheusServer.HTTP.send(HttpRequest.newBuilder(URI.create(base + "/health/ready")).GET().build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 200);
    }

    /** The text of {@code base}/metrics. */
    static String metrics(String base) throws Exception {
        HttpResponse<String> r = PrometheusServer.HTTP.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        return r.body();
    }
}
