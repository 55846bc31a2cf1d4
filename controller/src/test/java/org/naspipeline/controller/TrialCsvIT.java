package org.naspipeline.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.naspipeline.controller.ControllerRig.get;
import static org.naspipeline.controller.ControllerRig.json;
import static org.naspipeline.controller.ControllerRig.post;
import static org.naspipeline.controller.ControllerRig.spec;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.naspipeline.testkit.CloseAfterEach;
import org.naspipeline.testkit.KafkaCluster;
import org.naspipeline.testkit.KafkaExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.naspipeline.controller.http.ApiTokens;
import org.naspipeline.controller.http.TrialCsvTest;

/**
 * {@code GET /api/v1/experiments/{id}/trials?format=csv} from a plain HTTP client on two instances sharing the
 * experiments: the same rows as the JSON from either instance (one forwards to the owner), the read rules of the
 * JSON (token, tenant scope, 404), and 400 at {@code format} for every bad value.
 */
@ExtendWith(KafkaExtension.class)
class TrialCsvIT {
    static final String TOKENS = "acme=t-acme,globex=t-globex";
    @RegisterExtension
    final CloseAfterEach cleanup = new CloseAfterEach();

    @TempDir
    Path dir;

    @Test
    void csvHasTheJsonRowsFromEitherInstanceUnderTheSameReadRules(KafkaCluster kafka) throws Exception {
        TopicSetup.ensure(kafka.bootstrapServers(), 4);
        String appId = "csv-" + UUID.randomUUID().toString().substring(0, 6);
        ApiTokens tokens = ApiTokens.parse("NAS_API_TOKEN", TOKENS);
        List<String> bases = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            ControllerConfig config = new ControllerConfig(kafka.bootstrapServers(), appId, dir.resolve("c" + i), 4, "c" + i)
                    .withHttp(ControllerRig.freePort(), "localhost", tokens);
            ControllerRig.Running c = ControllerRig.start(config);
            cleanup.add(c);
            bases.add(c.base());
        }
        bases.forEach(ControllerRig::awaitReady);
        // one experiment on each of the 4 partitions, so each instance forwards the reads of some
        List<String> ids = new ArrayList<>();
        boolean[] taken = new boolean[4];
        for (int n = 0; ids.size() < 4; n++) {
            String candidate = appId + "-e" + n;
            int partition = org.apache.kafka.common.utils.Utils.toPositive(org.apache.kafka.common.utils.Utils.murmur2(
                    candidate.getBytes(java.nio.charset.StandardCharsets.UTF_8))) % 4;
            if (!taken[partition]) {
                taken[partition] = true;
                ids.add(candidate);
            }
        }
        try (SyntheticTrials worker = new SyntheticTrials(kafka.bootstrapServers(), bases.get(0), "t-acme")) {
            for (String id : ids) {
                int[] status = {0};
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                        .until(() -> (status[0] = post(bases.get(0), "/api/v1/experiments", spec(id), "t-acme").statusCode()) != 503);
                assertThat(status[0]).isEqualTo(201);
            }
            worker.complete(ids.get(0), 3);
            worker.fail(ids.get(0), "diverged: loss is NaN, \"lr\" too high\nat epoch 2");
        }

        for (String id : ids) {
            String path = "/api/v1/experiments/" + id + "/trials";
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                    assertThat(get(bases.get(1), path + "?format=csv", "t-acme").statusCode()).isEqualTo(200));
            // the trial table may still grow between the JSON read and the CSV reads (the failed attempt lands on both
            // instances at its own pace): the comparison is retried until one pass sees the same rows everywhere
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
                JsonNode rows = json(get(bases.get(0), path, "t-acme"));
                String first = null;
                for (String base : bases) {
                    HttpResponse<String> csv = get(base, path + "?format=csv", "t-acme");
                    assertThat(csv.statusCode()).as(csv.body()).isEqualTo(200);
                    assertThat(csv.headers().firstValue("Content-Type")).contains("text/csv; charset=utf-8");
                    assertThat(csv.headers().firstValue("Content-Disposition")).contains("attachment; filename=\"" + id + "-trials.csv\"");
                    List<List<String>> table = TrialCsvTest.parse(csv.body());
                    List<String> header = table.get(0);
                    assertThat(table).hasSize(rows.size() + 1);
                    for (int i = 0; i < rows.size(); i++) {
                        JsonNode row = rows.get(i);
                        List<String> line = table.get(i + 1);
                        assertThat(line.get(header.indexOf("trialId"))).isEqualTo(row.path("trialId").asText());
                        assertThat(line.get(header.indexOf("status"))).isEqualTo(row.path("status").asText());
                        assertThat(line.get(header.indexOf("workerId"))).isEqualTo(row.path("workerId").asText(""));
                        assertThat(line.get(header.indexOf("reason"))).isEqualTo(row.path("reason").asText(""));
                        assertThat(line.get(header.indexOf("rung"))).as("no scheduler, no rung").isEmpty();
                        assertThat(row.path("rung").isNull()).isTrue();
                        if (row.path("metrics").isObject()) {
                            assertThat(Double.parseDouble(line.get(header.indexOf("accuracy")))).isEqualTo(row.path("metrics").path("accuracy").asDouble());
                            assertThat(Long.parseLong(line.get(header.indexOf("sizeBytes")))).isEqualTo(row.path("metrics").path("sizeBytes").asLong());
                            assertThat(line.get(header.indexOf("artifactUri"))).isEqualTo(row.path("artifactUri").asText());
                        }
                    }
                    if (first != null) {
                        assertThat(csv.body()).as("the same CSV from the owner and the instance that forwards").isEqualTo(first);
                    }
                    first = csv.body();
                }
            });
            JsonNode rows = json(get(bases.get(0), path, "t-acme"));
            // the web UI's reads forward the same way
            for (String ui : List.of("/points", "/trial-page?sort=accuracy&order=desc&limit=3", "/trials/" + rows.get(0).path("trialId").asText())) {
                String p = "/api/v1/experiments/" + id + ui;
                HttpResponse<String> a = get(bases.get(0), p, "t-acme");
                HttpResponse<String> b = get(bases.get(1), p, "t-acme");
                assertThat(a.statusCode()).as(p + ": " + a.body()).isEqualTo(200);
                assertThat(b.body()).as(p + " from either instance").isEqualTo(a.body());
            }
        }
        List<List<String>> finished = TrialCsvTest.parse(get(bases.get(1), "/api/v1/experiments/" + ids.get(0) + "/trials?format=csv", "t-acme").body());
        assertThat(finished).extracting(r -> r.get(1)).contains("completed", "failed");
        assertThat(finished).extracting(r -> r.get(finished.get(0).indexOf("reason")))
                .contains("diverged: loss is NaN, \"lr\" too high\nat epoch 2");

        String base = bases.get(1);
        String path = "/api/v1/experiments/" + ids.get(0) + "/trials";
        assertThat(get(base, path + "?format=csv", null).statusCode()).as("reads need a token when tokens are set").isEqualTo(401);
        assertThat(get(base, path + "?format=csv", "t-wrong").statusCode()).isEqualTo(401);
        assertThat(get(base, path + "?format=csv", "t-globex").statusCode()).as("another tenant's experiment").isEqualTo(404);
        assertThat(get(base, "/api/v1/experiments/no-such/trials?format=csv", "t-acme").statusCode()).isEqualTo(404);
        assertThat(get(base, path + "?format=json", "t-acme").body()).isEqualTo(get(base, path, "t-acme").body());
        for (String bad : List.of("format=xml", "format=", "format=CSV", "format=csv&format=json", "format=" + "x".repeat(5000),
                "format=%00%ff", "format=%E2%80%AEcsv")) {
            HttpResponse<String> r = get(base, path + "?" + bad, "t-acme");
            assertThat(r.statusCode()).as(bad).isEqualTo(400);
            JsonNode error = json(r).path("errors").get(0);
            assertThat(error.path("path").asText()).isEqualTo("format");
            assertThat(error.path("message").asText()).as(bad).startsWith("must be").hasSizeLessThan(200);
        }
        HttpResponse<String> raw = ControllerRig.send(HttpRequest.newBuilder(URI.create(base + path + "?format=csv"))
                .GET().header("Accept", "application/json"), "t-acme");
        assertThat(raw.headers().firstValue("Content-Type")).as("the query decides, not Accept").contains("text/csv; charset=utf-8");
        assertThat(json(get(base, "/health/live", null)).path("status").asText()).isEqualTo("UP");
    }
}
