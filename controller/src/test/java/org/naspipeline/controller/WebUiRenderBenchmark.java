package org.naspipeline.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.naspipeline.api.JsonCodec;
import org.naspipeline.api.Topics;
import org.naspipeline.api.TrialRequest;
import org.naspipeline.api.TrialResult;
import org.naspipeline.testkit.KafkaCluster;
import org.naspipeline.testkit.KafkaExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.naspipeline.controller.http.ApiTokens;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.chrome.ChromeDriver;

/**
 * The web UI's first-view benchmark (docs/benchmarks.md), not part of the build's tests (its name matches neither
 * surefire's nor failsafe's patterns): an experiment of 10,000 completed synthetic trials, then {@value #RUNS} page
 * loads of its experiment page in headless Chromium (1400×1000), each timed from navigation start to the first view:
 * the summary and the first table page in, and the Pareto scatter finished drawing (ECharts' "finished"). Then the
 * page is scrolled down and the history and parallel coordinates, drawn when they come into view, are timed from the
 * scroll to their "finished" (progressive rendering included). Prints one JSON line and writes {@code target/ui-render-bench.json}. Run with
 * {@code ./mvnw -B -ntp -pl controller -am verify -Djib.skip -Dtest=none -Dit.test=WebUiRenderBenchmark
 * -Dsurefire.failIfNoSpecifiedTests=false -Dfailsafe.failIfNoSpecifiedTests=false -Dnas.ui.bench.trials=10000}.
 */
@ExtendWith(KafkaExtension.class)
class WebUiRenderBenchmark {
    static final int RUNS = 5;
    @TempDir
    Path dir;

    @Test
    void firstViewOfAnExperimentWithManyTrials(KafkaCluster kafka) throws Exception {
        int trials = Integer.getInteger("nas.ui.bench.trials", 10_000);
        TopicSetup.ensure(kafka.bootstrapServers(), 4);
        String appId = "uibench-" + UUID.randomUUID().toString().substring(0, 6);
        ControllerRig.Running controller = ControllerRig.start(ControllerRig.config(kafka.bootstrapServers(), appId, dir.resolve(appId),
                ControllerRig.freePort(), ApiTokens.NONE));
        AtomicBoolean done = new AtomicBoolean();
        Thread responder = new Thread(() -> respond(kafka.bootstrapServers(), done), "ui-bench-responder");
        ChromeDriver browser = null;
        try {
            String base = controller.base();
            ControllerRig.awaitReady(base);
            responder.start();
            String id = "uibench-" + UUID.randomUUID().toString().substring(0, 6);
            ObjectNode spec = (ObjectNode) JsonCodec.readTree(WebUiIT.spec(id, trials, 400));
            ((ObjectNode) spec.get("strategy")).put("name", "random");
            long submitted = System.nanoTime();
            assertThat(ControllerRig.post(base, "/api/v1/experiments", JsonCodec.write(spec), null).statusCode()).isEqualTo(201);
            await().atMost(Duration.ofMinutes(10)).pollInterval(Duration.ofSeconds(1)).until(() ->
                    ControllerRig.json(ControllerRig.get(base, "/api/v1/experiments/" + id, null)).path("status").asText().equals("completed"));
            double ingestSeconds = (System.nanoTime() - submitted) / 1e9;
            HttpResponse<String> points = ControllerRig.get(base, "/api/v1/experiments/" + id + "/points", null);
            long pointsStart = System.nanoTime();
            ControllerRig.get(base, "/api/v1/experiments/" + id + "/points", null);
            double pointsMillis = (System.nanoTime() - pointsStart) / 1e6;
            long pageStart = System.nanoTime();
            ControllerRig.get(base, "/api/v1/experiments/" + id + "/trial-page?sort=accuracy&order=desc", null);
            double pageMillis = (System.nanoTime() - pageStart) / 1e6;

            browser = WebUiIT.chromium();
            List<Double> firstView = new ArrayList<>();
            List<Double> ready = new ArrayList<>();
            List<Double> belowTheFold = new ArrayList<>();
            for (int run = 0; run < RUNS; run++) {
                browser.get("about:blank");
                browser.get(base + "/ui/#/experiments/" + id);
                JavascriptExecutor b = browser;
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20)).until(() -> (Boolean) b.executeScript(
                        "return !!document.body.dataset.readyAt && !!document.getElementById('scatter').dataset.firstFinishedAt;"));
                double scrolledAt = ((Number) b.executeScript("window.scrollTo(0, document.body.scrollHeight); return performance.now();"))
                        .doubleValue();
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20)).until(() -> (Boolean) b.executeScript(
                        "return ['history', 'parallel'].every(n => document.getElementById(n).dataset.firstFinishedAt);"));
                @SuppressWarnings("unchecked")
                List<Number> times = (List<Number>) b.executeScript("return [Number(document.body.dataset.readyAt)]"
                        + ".concat(['scatter', 'history', 'parallel'].map(n => Number(document.getElementById(n).dataset.firstFinishedAt)));");
                ready.add(times.get(0).doubleValue());
                firstView.add(Math.max(times.get(0).doubleValue(), times.get(1).doubleValue()));
                belowTheFold.add(Math.round((Math.max(times.get(2).doubleValue(), times.get(3).doubleValue()) - scrolledAt) * 10) / 10.0);
                assertThat(browser.findElements(By.cssSelector("#trial-rows tr"))).hasSize(50);
                assertThat(browser.findElement(By.id("page-info")).getText()).isEqualTo("1–50 of " + trials);
                assertThat(((Number) b.executeScript("const c = echarts.getInstanceByDom(document.getElementById('scatter'));"
                        + "return c.getModel().getSeriesByIndex(0).getData().count() + c.getModel().getSeriesByIndex(1).getData().count();"))
                        .longValue()).isEqualTo(trials);
            }
            @SuppressWarnings("unchecked")
            List<Object> requests = (List<Object>) ((JavascriptExecutor) browser).executeScript("return performance.getEntriesByType('resource')"
                    + ".filter(e => e.name.includes('/api/')).map(e => e.name.replace(/^.*\\/api\\/v1\\/experiments\\/[^/]*/, '') + ' '"
                    + " + Math.round(e.startTime) + '-' + Math.round(e.responseEnd) + ' ms');");
            @SuppressWarnings("unchecked")
            List<Object> marks = (List<Object>) ((JavascriptExecutor) browser).executeScript("return performance.getEntriesByType('mark')"
                    + ".map(m => m.name + ' ' + Math.round(m.startTime) + ' ms').concat(['scatter', 'history', 'parallel']"
                    + ".map(n => n + ' finished ' + Math.round(document.getElementById(n).dataset.firstFinishedAt) + ' ms'));");
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("trials", trials);
            out.put("runs", RUNS);
            out.put("firstViewMillis", firstView);
            out.put("firstViewMillisMedian", median(firstView));
            out.put("firstViewMillisMax", firstView.stream().mapToDouble(Double::doubleValue).max().orElseThrow());
            out.put("dataReadyMillis", ready);
            out.put("belowTheFoldChartsMillisAfterScroll", belowTheFold);
            out.put("lastRunRequests", requests);
            out.put("lastRunMarks", marks);
            out.put("pointsBytes", points.body().length());
            out.put("pointsMillis", Math.round(pointsMillis * 10) / 10.0);
            out.put("sortedTrialPageMillis", Math.round(pageMillis * 10) / 10.0);
            out.put("ingestSeconds", Math.round(ingestSeconds * 10) / 10.0);
            out.put("chromium", browser.getCapabilities().getBrowserVersion());
            String json = new String(JsonCodec.write(out), java.nio.charset.StandardCharsets.UTF_8);
            System.out.println(json);
            Files.writeString(Path.of("target", "ui-render-bench.json"), json + "\n");
        } finally {
            done.set(true);
            if (browser != null) {
                browser.quit();
            }
            responder.join(10_000);
            controller.close();
        }
    }

    static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        sorted.sort(null);
        return sorted.get(sorted.size() / 2);
    }

    /** Answers every trial request at once with its synthetic result, as a worker would, until {@code done}. */
    static void respond(String bootstrap, AtomicBoolean done) {
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of("bootstrap.servers", bootstrap,
                "group.id", "ui-bench-responder", "auto.offset.reset", "earliest", "isolation.level", "read_committed",
                "key.deserializer", StringDeserializer.class, "value.deserializer", ByteArrayDeserializer.class));
             KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap,
                     "key.serializer", StringSerializer.class, "value.serializer", ByteArraySerializer.class))) {
            consumer.subscribe(List.of(Topics.TRIALS));
            while (!done.get()) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(50))) {
                    TrialRequest req = JsonCodec.read(r.value(), TrialRequest.class);
                    producer.send(new ProducerRecord<>(Topics.TRIAL_RESULTS, req.experimentId(), JsonCodec.write(new TrialResult.Completed(
                            1, req.experimentId(), req.trialId(), req.attempt(), "bench", SyntheticTrials.withLayers(SyntheticTrials.metrics(req.trialId()), "max pool 2×2"), null))));
                }
                producer.flush();
            }
        }
    }
}
