package org.naspipeline.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.naspipeline.controller.ControllerRig.get;
import static org.naspipeline.controller.ControllerRig.json;
import static org.naspipeline.controller.ControllerRig.post;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.File;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.naspipeline.api.JsonCodec;
import org.naspipeline.api.TrialMetrics;
import org.naspipeline.testkit.KafkaCluster;
import org.naspipeline.testkit.KafkaExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.naspipeline.controller.http.ApiTokens;
import org.naspipeline.controller.http.WebUi;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * The web UI in Debian's Chromium (through chromium-driver, both installed by {@code .ci/run}) against one controller
 * on the in-process broker, with a synthetic experiment whose results this test produces: the table's rows are those
 * of {@code /trials}, the scatter's highlighted points those of {@code /pareto}, a new result shows without a reload,
 * cancel works, a bad spec shows the API's path-precise errors, and an ASHA experiment shows the rung each trial
 * reached and how each rung trained. Screenshots (animations off) go to
 * {@code target/ui-screenshots/}. The UI's own endpoints are also checked from a plain client with bad input.
 */
@ExtendWith(KafkaExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class WebUiIT {
    static final String TOKEN = "t-ui";
    static final Path SCREENSHOTS = Path.of("target", "ui-screenshots");
    @TempDir
    static Path dir;
    static ControllerRig.Running controller;
    static String base;
    static ChromeDriver browser;
    static SyntheticTrials worker;
    static String id;
    static String layered;
    static String hostile;

    @BeforeAll
    static void start(KafkaCluster kafka) throws Exception {
        TopicSetup.ensure(kafka.bootstrapServers(), 4);
        String appId = "ui-" + UUID.randomUUID().toString().substring(0, 6);
        ApiTokens tokens = ApiTokens.parse("NAS_API_TOKEN", "acme=" + TOKEN + ",globex=t-globex");
        controller = ControllerRig.start(ControllerRig.config(kafka.bootstrapServers(), appId, dir.resolve(appId), ControllerRig.freePort(), tokens));
        base = controller.base();
        ControllerRig.awaitReady(base);
        worker = new SyntheticTrials(kafka.bootstrapServers(), base, TOKEN);
        id = "ui-" + UUID.randomUUID().toString().substring(0, 6);
        assertThat(post(base, "/api/v1/experiments", spec(id, 400, 4), TOKEN).statusCode()).isEqualTo(201);
        worker.complete(id, 30);
        layered = worker.completeOne(id, t -> SyntheticTrials.withInference(SyntheticTrials.withLayers(SyntheticTrials.metrics(t), "max pool 2×2"),
                new TrialMetrics.Inference("onnxruntime 1.29.0", "model.int8.onnx", List.of("QGemm", "QLinearConv", "QuantizeLinear"),
                        List.of("model.onnx", "model.int8.onnx"), 0.8765)));
        hostile = worker.completeOne(id, t -> SyntheticTrials.withInference(SyntheticTrials.withLayers(SyntheticTrials.metrics(t),
                "max pool <img src=x onerror=\"document.body.dataset.pwned=1\">"),
                new TrialMetrics.Inference("<img src=x onerror=\"document.body.dataset.pwned=2\">", "model.onnx",
                        List.of("<b>Conv</b>"), List.of("model.onnx"), null)));
        worker.fail(id, "out of memory at layer \"conv2\" <b>not html</b>");
        browser = chromium();
        Files.createDirectories(SCREENSHOTS);
    }

    @AfterAll
    static void stop() throws Exception {
        if (browser != null) {
            browser.quit();
        }
        if (worker != null) {
            worker.close();
        }
        if (controller != null) {
            controller.close();
        }
    }

    /** Chromium headless at a fixed size with reduced motion; a missing browser fails with what installs it. */
    static ChromeDriver chromium() {
        File driver = new File("/usr/bin/chromedriver");
        File binary = new File("/usr/bin/chromium");
        if (!driver.canExecute() || !binary.canExecute()) {
            throw new AssertionError("the browser tests need Debian's chromium and chromium-driver; `bash .ci/run` installs them "
                    + "(apt-get install chromium chromium-driver)");
        }
        ChromeOptions options = new ChromeOptions().setBinary(binary)
                .addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1400,1000",
                        "--force-prefers-reduced-motion", "--hide-scrollbars", "--lang=en-US");
        options.setCapability("goog:loggingPrefs", java.util.Map.of("browser", "ALL", "performance", "ALL"));
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(driver).usingAnyFreePort().build();
        return new ChromeDriver(service, options);
    }

    /** The multi-objective example (accuracy and latency, size at most 2 MB) with {@code id} and a budget. */
    static byte[] spec(String id, int maxTrials, int parallelism) throws Exception {
        ObjectNode root = (ObjectNode) JsonCodec.readTree(Files.readAllBytes(Path.of("..", "examples", "multi-objective.json")));
        root.put("id", id);
        ((ObjectNode) root.get("budget")).put("maxTrials", maxTrials).put("parallelism", parallelism);
        return JsonCodec.write(root);
    }

    /** Opens a view of the UI with the token entered, animations off, and waits for it to be drawn. */
    static void open(String hash, String ready) {
        browser.get(base + "/ui/?animations=off");
        WebElement token = browser.findElement(By.id("token"));
        token.clear();
        token.sendKeys(TOKEN, Keys.ENTER);
        browser.get(base + "/ui/?animations=off#" + hash);
        await().atMost(Duration.ofSeconds(30)).until(() -> ready.equals(browser.findElement(By.tagName("body")).getAttribute("data-ready")));
    }

    static Object js(String script, Object... args) {
        return ((JavascriptExecutor) browser).executeScript(script, args);
    }

    static void screenshot(String name) throws Exception {
        Files.copy(browser.getScreenshotAs(OutputType.FILE).toPath(), SCREENSHOTS.resolve(name + ".png"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    static List<String> tableIds() {
        List<String> ids = new ArrayList<>();
        browser.findElements(By.cssSelector("#trial-rows tr")).forEach(tr -> ids.add(tr.getAttribute("data-trial-id")));
        return ids;
    }

    static JsonNode api(String path) throws Exception {
        HttpResponse<String> r = get(base, path, TOKEN);
        assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(200);
        return json(r);
    }

    @Test
    @Order(1)
    void theTableAndTheParetoChartShowWhatTheApiAnswers() throws Exception {
        open("/experiments/" + id, "experiment");
        JsonNode trials = api("/api/v1/experiments/" + id + "/trials");
        List<String> apiIds = new ArrayList<>();
        trials.forEach(t -> apiIds.add(t.path("trialId").asText()));
        assertThat(tableIds()).as("the first page, in creation order").isEqualTo(apiIds.subList(0, Math.min(50, apiIds.size())));
        for (WebElement tr : browser.findElements(By.cssSelector("#trial-rows tr"))) {
            JsonNode t = trials.get(apiIds.indexOf(tr.getAttribute("data-trial-id")));
            assertThat(tr.findElement(By.cssSelector(".status")).getText()).isEqualTo(t.path("status").asText());
            String accuracy = tr.findElement(By.cssSelector("td[data-metric=accuracy]")).getText();
            assertThat(accuracy).isEqualTo(t.path("metrics").isObject()
                    ? String.format(java.util.Locale.ROOT, "%.4f", t.path("metrics").path("accuracy").asDouble()) : "–");
        }
        assertThat(browser.findElement(By.id("page-info")).getText()).endsWith(" of " + trials.size());

        // sorted by accuracy, best first, on the server: the same order as /trials sorted the same way
        sortBy("accuracy", "ascending");
        sortBy("accuracy", "descending");
        await().atMost(Duration.ofSeconds(10)).until(() -> !tableIds().isEmpty() && tableIds().get(0).equals(byAccuracy(trials).get(0)));
        assertThat(tableIds()).isEqualTo(byAccuracy(trials).subList(0, Math.min(50, trials.size())));

        Set<String> paretoIds = new HashSet<>();
        api("/api/v1/experiments/" + id + "/pareto").path("front").forEach(p -> paretoIds.add(p.path("trialId").asText()));
        @SuppressWarnings("unchecked")
        List<String> highlighted = (List<String>) js("return echarts.getInstanceByDom(document.getElementById('scatter')).getOption()"
                + ".series.find(s => s.id === 'front').data.map(d => d.name);");
        assertThat(paretoIds).isNotEmpty();
        assertThat(new HashSet<>(highlighted)).isEqualTo(paretoIds);
        long completed = api("/api/v1/experiments/" + id).path("completed").asLong();
        Object plotted = js("const c = echarts.getInstanceByDom(document.getElementById('scatter'));"
                + "return c.getModel().getSeriesByIndex(0).getData().count() + c.getModel().getSeriesByIndex(1).getData().count();");
        assertThat(((Number) plotted).longValue()).as("every completed trial is a point").isEqualTo(completed);
        sortBy("trialId", "ascending"); // a new column sorts ascending first
        await().atMost(Duration.ofSeconds(10)).until(() -> tableIds().equals(apiIds.subList(0, Math.min(50, apiIds.size()))));
        screenshot("experiment");
        js("document.getElementById('scatter').scrollIntoView();");
        // the charts below the fold are drawn when they come into view
        await().atMost(Duration.ofSeconds(30)).until(() -> (Boolean) js("return ['history', 'parallel']"
                + ".every(n => document.getElementById(n).dataset.firstFinishedAt);"));
        screenshot("experiment-charts");
        js("window.scrollTo(0, 0);");

        // keyboard: arrows move between rows, Enter opens the focused trial
        js("document.querySelector('#trial-rows tr').focus();");
        browser.switchTo().activeElement().sendKeys(Keys.ARROW_DOWN);
        browser.switchTo().activeElement().sendKeys(Keys.ARROW_DOWN);
        browser.switchTo().activeElement().sendKeys(Keys.ARROW_UP);
        browser.switchTo().activeElement().sendKeys(Keys.ARROW_DOWN);
        assertThat(browser.switchTo().activeElement().getAttribute("data-trial-id")).isEqualTo(apiIds.get(2));
        browser.switchTo().activeElement().sendKeys(Keys.ENTER);
        await().atMost(Duration.ofSeconds(30)).until(() -> "trial".equals(browser.findElement(By.tagName("body")).getAttribute("data-ready")));
        assertThat(browser.findElement(By.tagName("h1")).getText()).isEqualTo(apiIds.get(2));
        screenshot("trial-from-the-table");
    }

    /** Clicks the header of {@code column} and waits until the table is sorted {@code direction} by it. */
    static void sortBy(String column, String direction) {
        browser.findElement(By.cssSelector("th[data-key=" + column + "] button")).click();
        try {
            await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() ->
                    direction.equals(browser.findElement(By.cssSelector("th[data-key=" + column + "]")).getAttribute("aria-sort")));
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            String direct;
            try {
                long t0 = System.nanoTime();
                HttpResponse<String> r = get(base, "/api/v1/experiments/" + id + "/trial-page?sort=" + column, TOKEN);
                direct = r.statusCode() + " in " + (System.nanoTime() - t0) / 1_000_000 + " ms";
            } catch (Exception x) {
                direct = x.toString();
            }
            throw new AssertionError("not sorted by " + column + " " + direction + "; a plain client: " + direct + "; the page: " + pageState() + "; its log: "
                    + browser.manage().logs().get("browser").getAll(), e);
        }
    }

    /** The browser's requests that started and have not finished, from Chrome's network log. */
    static List<String> pendingRequests() {
        java.util.Map<String, String> open = new java.util.LinkedHashMap<>();
        for (org.openqa.selenium.logging.LogEntry e : browser.manage().logs().get("performance").getAll()) {
            JsonNode m = JsonCodec.readTree(e.getMessage().getBytes(java.nio.charset.StandardCharsets.UTF_8)).path("message");
            String method = m.path("method").asText();
            String request = m.path("params").path("requestId").asText();
            if (method.equals("Network.requestWillBeSent")) {
                open.put(request, m.path("params").path("request").path("url").asText().replaceAll("^.*/api/v1", ""));
            } else if (method.equals("Network.responseReceived") && open.containsKey(request)) {
                open.put(request, open.get(request) + " [" + m.path("params").path("response").path("status").asInt() + " on connection "
                        + m.path("params").path("response").path("connectionId").asText() + "]");
            } else if (method.equals("Network.loadingFinished") || method.equals("Network.loadingFailed")) {
                open.remove(request);
            }
        }
        return new ArrayList<>(open.values());
    }

    /** What the page shows and which of its requests are still open, for a failure's message. */
    static Object pageState() {
        return js("return {info: (document.getElementById('page-info') || {}).textContent, notice: document.getElementById('notice').textContent,"
                + " live: document.body.dataset.live, open: document.body.dataset.requests, hash: location.hash, requests: performance.getEntriesByType('resource')"
                + ".filter(e => e.name.includes('/api/')).map(e => e.name.replace(/^.*\\/api\\/v1/, '') + ' ' + Math.round(e.startTime)"
                + " + '-' + Math.round(e.responseEnd))};");
    }

    /** The ids of {@code trials} by accuracy, best first, trials without one last, ties in creation order. */
    static List<String> byAccuracy(JsonNode trials) {
        List<JsonNode> rows = new ArrayList<>();
        trials.forEach(rows::add);
        rows.sort(Comparator.comparing((JsonNode t) -> t.path("metrics").isObject() ? -t.path("metrics").path("accuracy").asDouble()
                : Double.POSITIVE_INFINITY));
        return rows.stream().map(t -> t.path("trialId").asText()).toList();
    }

    @Test
    @Order(2)
    void aCompletedTrialShowsItsLayerTableAsTheWorkerReportedIt() throws Exception {
        open("/experiments/" + id + "/trials/" + layered, "trial");
        JsonNode reported = api("/api/v1/experiments/" + id + "/trials/" + layered).path("row").path("trial").path("metrics").path("layers");
        List<WebElement> rows = browser.findElements(By.cssSelector("#layers tbody tr"));
        assertThat(rows).hasSize(reported.size()).hasSize(15);
        for (int i = 0; i < rows.size(); i++) {
            JsonNode l = reported.get(i);
            List<WebElement> cells = rows.get(i).findElements(By.tagName("td"));
            assertThat(cells.get(0).getText()).endsWith(l.path("layer").asText());
            assertThat(cells.get(1).getText()).isEqualTo(l.path("path").asText());
            List<String> dims = new ArrayList<>();
            l.path("outputShape").forEach(d -> dims.add(d.asText()));
            assertThat(cells.get(2).getText()).isEqualTo(String.join(" × ", dims));
            assertThat(cells.get(3).getText().replace(",", "")).isEqualTo(l.path("params").asText());
            assertThat(cells.get(5).getText().replace(",", "")).isEqualTo(l.path("macs").asText());
        }
        // the branches of the residual block are indented and named; its sum follows them
        assertThat(rows.get(4).findElement(By.cssSelector("td.layer")).getText()).isEqualTo("body: conv 3×3, 32→64");
        assertThat(rows.get(7).findElement(By.cssSelector("td.layer")).getText()).isEqualTo("shortcut: conv 1×1, 32→64");
        assertThat(rows.get(8).findElement(By.cssSelector("td.layer")).getText()).isEqualTo("residual sum (projection shortcut)");
        assertThat(rows.get(4).findElement(By.cssSelector("td.layer")).getCssValue("padding-left"))
                .isNotEqualTo(rows.get(8).findElement(By.cssSelector("td.layer")).getCssValue("padding-left"));
        assertThat(rows.get(4).findElements(By.tagName("td")).get(6).getText()).isEqualTo("77.8 %");
        assertThat(rows.get(2).findElements(By.tagName("td")).get(6).getText()).as("no MACs, no share").isEmpty();
        assertThat(browser.findElement(By.cssSelector("#layers tfoot")).getText()).contains("423,978", "423,648", "4,642,560");
        // where it was measured, the kernels that ran, the files with their store URIs and the command that fetches them
        JsonNode detail = api("/api/v1/experiments/" + id + "/trials/" + layered);
        assertThat(detail.path("files")).hasSize(2);
        List<WebElement> facts = browser.findElements(By.cssSelector("#inference dd"));
        assertThat(facts).extracting(WebElement::getText)
                .containsExactly("onnxruntime 1.29.0", "model.int8.onnx", "QGemm, QLinearConv, QuantizeLinear", "0.8765");
        List<WebElement> files = browser.findElements(By.cssSelector("#model-files tbody tr"));
        assertThat(files).hasSize(2);
        for (int i = 0; i < files.size(); i++) {
            List<WebElement> cells = files.get(i).findElements(By.tagName("td"));
            assertThat(cells.get(0).getText()).isEqualTo(detail.path("files").get(i).path("name").asText());
            assertThat(cells.get(1).getText()).isEqualTo(detail.path("files").get(i).path("uri").asText())
                    .isEqualTo("file:///tmp/nas/" + layered + "/" + detail.path("files").get(i).path("name").asText());
        }
        assertThat(browser.findElements(By.cssSelector("#model-files a, a#artifact"))).as("store URIs are no downloads").isEmpty();
        assertThat(browser.findElement(By.id("artifact")).getText()).isEqualTo("file:///tmp/nas/" + layered);
        assertThat(browser.findElement(By.id("export-command")).getText())
                .isEqualTo("nas export " + id + " --trial " + layered + " --format onnx --out " + layered + "-onnx");
        screenshot("trial");

        open("/experiments/" + id + "/trials/" + hostile, "trial");
        assertThat(browser.findElement(By.cssSelector("#inference dd")).getText())
                .isEqualTo("<img src=x onerror=\"document.body.dataset.pwned=2\">");
        assertThat(browser.findElements(By.cssSelector("#inference img, #inference b"))).as("data is text, never HTML").isEmpty();
        assertThat(browser.findElements(By.cssSelector("#layers tbody tr")).get(3).findElement(By.cssSelector("td.layer")).getText())
                .isEqualTo("max pool <img src=x onerror=\"document.body.dataset.pwned=1\">");
        assertThat(browser.findElements(By.cssSelector("#layers img"))).as("data is text, never HTML").isEmpty();
        assertThat(browser.findElement(By.tagName("body")).getAttribute("data-pwned")).isNull();
    }

    @Test
    @Order(3)
    void aFailedTrialShowsItsReasonAsText() throws Exception {
        String failed = null;
        for (JsonNode t : api("/api/v1/experiments/" + id + "/trials")) {
            if (t.path("status").asText().equals("failed")) {
                failed = t.path("trialId").asText();
            }
        }
        assertThat(failed).isNotNull();
        open("/experiments/" + id + "/trials/" + failed, "trial");
        assertThat(browser.findElement(By.cssSelector("#failure pre")).getText()).isEqualTo("out of memory at layer \"conv2\" <b>not html</b>");
        assertThat(browser.findElements(By.cssSelector("#failure b"))).as("data is text, never HTML").isEmpty();
        assertThat(browser.findElements(By.id("deployable"))).as("no model, nothing to deploy").isEmpty();
        // no measured layer table: the layers the candidate describes, its family's body and then the shared head
        JsonNode arch = api("/api/v1/experiments/" + id + "/trials/" + failed).path("row").path("trial").path("candidate")
                .path("architecture");
        List<String> described = browser.findElements(By.cssSelector("ol#layers li")).stream().map(WebElement::getText).toList();
        int body = 0;
        for (JsonNode stage : arch.path("stages")) {
            body += stage.path("blocks").asInt() + (stage.path("skip").asBoolean() ? 1 : 0)
                    + (stage.path("pooling").asText().equals("none") ? 0 : 1);
        }
        body += arch.path("family").asText().equals("cnn") ? 1 : arch.path("hiddenUnits").size();
        int head = (arch.path("head").path("denseUnits").asInt() > 0 ? 1 : 0) + (arch.path("head").path("dropout").asDouble() > 0 ? 1 : 0);
        assertThat(described).as(arch.toString()).hasSize(body + head + 1).last().isEqualTo("dense to the classes (softmax)");
        assertThat(described.get(0)).as(arch.toString()).startsWith(arch.path("family").asText().equals("cnn") ? "stage 1, block 1: " : "dense ");

        String older = null;
        for (JsonNode t : api("/api/v1/experiments/" + id + "/trials")) {
            if (t.path("status").asText().equals("completed") && !t.path("metrics").path("inference").isObject()) {
                older = t.path("trialId").asText();
            }
        }
        assertThat(older).isNotNull();
        open("/experiments/" + id + "/trials/" + older, "trial");
        assertThat(browser.findElement(By.id("inference")).getText()).as("a result of a worker without ONNX export")
                .isEqualTo("Measured by a worker without ONNX export: this attempt has no ONNX files to deploy.");
        assertThat(browser.findElements(By.id("model-files"))).isEmpty();
    }

    @Test
    @Order(4)
    void aNewResultAppearsWithoutAReloadAndCancelEndsTheExperiment() throws Exception {
        open("/experiments/" + id, "experiment");
        await().atMost(Duration.ofSeconds(30)).until(() -> "connected".equals(browser.findElement(By.tagName("body")).getAttribute("data-live")));
        js("window.notReloaded = true;");
        long before = api("/api/v1/experiments/" + id).path("completed").asLong();
        String fresh = worker.complete(id, 1).iterator().next();
        // the page redraws parts of itself as events come: an element found a moment ago may be replaced

        List<String> pending = new ArrayList<>();
        try {
            await().atMost(Duration.ofSeconds(30))
                    .ignoreExceptionsInstanceOf(org.openqa.selenium.StaleElementReferenceException.class)
                    .conditionEvaluationListener(c -> {
                        if (!c.isSatisfied() && c.getRemainingTimeInMS() < 2_000 && pending.isEmpty()) {
                            pending.addAll(pendingRequests());
                            pending.add(String.valueOf(pageState()));
                        }
                    })
                    .untilAsserted(() -> {
                assertThat(js("const c = echarts.getInstanceByDom(document.getElementById('scatter'));"
                        + "return c.getModel().getSeriesByIndex(0).getData().count() + c.getModel().getSeriesByIndex(1).getData().count();"))
                        .isEqualTo(before + 1);
                assertThat(browser.findElement(By.cssSelector("#summary [data-key=progress]")).getText())
                        .contains((before + 1 + 1) + "/400"); // the failed trial counts as done
                WebElement row = browser.findElement(By.cssSelector("#trial-rows tr[data-trial-id='" + fresh + "']"));
                assertThat(row.findElement(By.cssSelector(".status")).getText()).isEqualTo("completed");
            });
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError("the new result is not on the page; open requests near the end: " + pending, e);
        }
        assertThat(js("return window.notReloaded === true;")).isEqualTo(true);

        browser.findElement(By.id("cancel")).click();
        browser.findElement(By.id("confirm-cancel")).click();
        await().atMost(Duration.ofSeconds(30)).ignoreExceptionsInstanceOf(org.openqa.selenium.StaleElementReferenceException.class)
                .until(() -> browser.findElement(By.cssSelector("#summary [data-key=status]")).getText().contains("cancelled"));
        assertThat(api("/api/v1/experiments/" + id).path("status").asText()).isEqualTo("cancelled");
        assertThat(browser.findElement(By.id("cancel")).isEnabled()).isFalse();
        assertThat(js("return window.notReloaded === true;")).isEqualTo(true);
        screenshot("experiment-cancelled");
    }

    @Test
    @Order(5)
    void aBadSpecShowsTheApisPathPreciseErrors() throws Exception {
        open("/", "experiments");
        ObjectNode bad = (ObjectNode) JsonCodec.readTree(spec("ui-bad", 10, 2));
        ((ObjectNode) bad.get("budget")).put("maxTrials", 0);
        ((ObjectNode) bad.get("strategy")).put("name", "hyperband");
        ((ObjectNode) bad.get("dataset")).put("nmae", "x");
        String text = JsonCodec.writePretty(bad);
        HttpResponse<String> direct = post(base, "/api/v1/experiments", text.getBytes(java.nio.charset.StandardCharsets.UTF_8), TOKEN);
        assertThat(direct.statusCode()).isEqualTo(400);
        List<String> expected = new ArrayList<>();
        json(direct).path("errors").forEach(e -> expected.add(e.path("path").asText() + ": " + e.path("message").asText()));

        WebElement editor = browser.findElement(By.id("spec"));
        js("arguments[0].value = arguments[1];", editor, text);
        browser.findElement(By.id("submit")).click();
        await().atMost(Duration.ofSeconds(10)).until(() -> !browser.findElements(By.cssSelector("#submit-errors li")).isEmpty());
        List<String> shown = new ArrayList<>();
        browser.findElements(By.cssSelector("#submit-errors li")).forEach(li -> shown.add(li.getText()));
        assertThat(shown).isEqualTo(expected).anyMatch(e -> e.startsWith("dataset.nmae: "));
        browser.findElement(By.cssSelector("#submit-errors li[data-path='dataset.nmae'] a")).click();
        assertThat(js("const t = document.getElementById('spec'); return t.value.substring(t.selectionStart, t.selectionEnd);"))
                .isEqualTo("\"nmae\"");
        assertThat(browser.findElement(By.cssSelector("#experiments tr[data-id='" + id + "']")).getText()).contains(id, "cancelled");
        screenshot("experiments");
    }

    @Test
    @Order(7)
    void anAshaExperimentShowsTheRungEachTrialReachedAndHowItTrained() throws Exception {
        // the demo spec under ASHA: rungs at 1 and 3 epochs, η 3, one trial at a time
        String asha = "ui-asha-" + UUID.randomUUID().toString().substring(0, 6);
        ObjectNode root = (ObjectNode) JsonCodec.readTree(Files.readAllBytes(Path.of("..", "examples", "fashion-mnist.json")));
        root.put("id", asha);
        ((ObjectNode) root.get("budget")).put("maxTrials", 6).put("parallelism", 1);
        ((ObjectNode) root.get("training")).put("epochs", 3);
        root.putObject("scheduler").put("type", "asha");
        assertThat(post(base, "/api/v1/experiments", JsonCodec.write(root), TOKEN).statusCode()).isEqualTo(201);
        String note = "checkpoint unreadable: <img src=x onerror=\"document.body.dataset.pwned=3\">";
        List<String> played = new ArrayList<>();
        for (double accuracy : new double[] {0.60, 0.70, 0.80}) {
            played.add(worker.completeRung(asha, accuracy, null));
        }
        played.add(worker.completeRung(asha, 0.85, null)); // the best of three continues from its checkpoint
        played.add(worker.completeRung(asha, 0.90, null));
        played.add(worker.completeRung(asha, 0.88, note)); // promoted, but its checkpoint could not be read
        played.add(worker.completeRung(asha, 0.95, null));
        String t = asha + "-t";
        assertThat(played).containsExactly(t + "0001@0", t + "0002@0", t + "0003@0", t + "0003@1", t + "0004@0", t + "0004@1", t + "0005@0");
        String failedPromotion = worker.fail(asha, "<b>out of memory</b> at 3 epochs");
        assertThat(failedPromotion).isEqualTo(t + "0005");
        await().atMost(Duration.ofSeconds(30)).until(() -> api("/api/v1/experiments/" + asha + "/trials/" + failedPromotion)
                .path("promotionFailure").isTextual());

        open("/experiments/" + asha, "experiment");
        assertThat(browser.findElement(By.cssSelector("#summary [data-key=scheduler]")).getText()).contains("asha: rungs at 1, 3 epochs, η 3");
        JsonNode trials = api("/api/v1/experiments/" + asha + "/trials");
        assertThat(trials).hasSize(6);
        for (JsonNode row : trials) {
            WebElement tr = browser.findElement(By.cssSelector("#trial-rows tr[data-trial-id='" + row.path("trialId").asText() + "']"));
            String expected = row.path("rung").isInt() ? row.path("rung").asInt() + " (" + row.path("rungEpochs").asInt() + " ep)" : "–";
            assertThat(tr.findElement(By.cssSelector("td.rung")).getText()).as(row.path("trialId").asText()).isEqualTo(expected);
        }
        assertThat(browser.findElement(By.cssSelector("#trial-rows tr[data-trial-id='" + t + "0003'] td.rung")).getText()).isEqualTo("1 (3 ep)");
        assertThat(browser.findElement(By.cssSelector("#trial-rows tr[data-trial-id='" + t + "0005'] td.rung")).getText())
                .as("a failed promotion keeps the lower rung").isEqualTo("0 (1 ep)");
        assertThat(browser.findElement(By.cssSelector("#trial-rows tr[data-trial-id='" + t + "0006'] td.rung")).getText())
                .as("no rung completed yet").isEqualTo("–");
        sortBy("rung", "ascending");
        sortBy("rung", "descending");
        await().atMost(Duration.ofSeconds(10)).until(() -> tableIds().equals(List.of(t + "0003", t + "0004", t + "0001", t + "0002",
                t + "0005", t + "0006")));
        screenshot("experiment-rungs");

        open("/experiments/" + asha + "/trials/" + t + "0003", "trial");
        List<List<String>> rungs = rungRows();
        assertThat(rungs).containsExactly(
                List.of("0 (1 ep)", "1", "0.8000", "0.8000", "from scratch", "file:///tmp/nas/" + t + "0003/attempt-1/checkpoint.nasck"),
                List.of("1 (3 ep)", "2", "0.8500", "0.8500", "continued from epoch 1", "–")); // the top rung saves none
        screenshot("trial-rungs");

        open("/experiments/" + asha + "/trials/" + t + "0004", "trial");
        assertThat(rungRows().get(1).get(4)).isEqualTo("retrained from scratch: " + note);
        assertThat(browser.findElements(By.cssSelector("#rung-history img"))).as("data is text, never HTML").isEmpty();
        assertThat(browser.findElement(By.tagName("body")).getAttribute("data-pwned")).isNull();

        open("/experiments/" + asha + "/trials/" + failedPromotion, "trial");
        assertThat(rungRows()).hasSize(1);
        assertThat(browser.findElement(By.cssSelector("#promotion-failure pre")).getText())
                .isEqualTo("rung 1: <b>out of memory</b> at 3 epochs");
        assertThat(browser.findElements(By.cssSelector("#promotion-failure b"))).as("data is text, never HTML").isEmpty();

        open("/experiments/" + asha + "/trials/" + t + "0006", "trial");
        assertThat(browser.findElement(By.cssSelector("#rungs tr.training-now")).getText()).contains("0 (1 ep)", "training now");

        // an experiment without a scheduler shows no rungs at all
        open("/experiments/" + id, "experiment");
        assertThat(browser.findElements(By.cssSelector("th[data-key=rung], td.rung, #summary [data-key=scheduler]"))).isEmpty();
        open("/experiments/" + id + "/trials/" + layered, "trial");
        assertThat(browser.findElements(By.id("rung-history"))).isEmpty();
    }

    @Test
    @Order(8)
    void rungsOfTrainingExamplesShowTheirExamplesWhereRungsOfEpochsShowEpochs() throws Exception {
        // rungs at 1,000 and 3,000 training examples, η 3, one trial at a time
        String ex = "ui-ex-" + UUID.randomUUID().toString().substring(0, 6);
        ObjectNode root = (ObjectNode) JsonCodec.readTree(Files.readAllBytes(Path.of("..", "examples", "fashion-mnist.json")));
        root.put("id", ex);
        ((ObjectNode) root.get("budget")).put("maxTrials", 4).put("parallelism", 1);
        root.putObject("scheduler").put("type", "asha").put("resource", "examples").put("minExamples", 1000)
                .put("maxExamples", 3000);
        assertThat(post(base, "/api/v1/experiments", JsonCodec.write(root), TOKEN).statusCode()).isEqualTo(201);
        List<String> played = new ArrayList<>();
        for (double accuracy : new double[] {0.60, 0.70, 0.80, 0.85}) {
            played.add(worker.completeRung(ex, accuracy, null));
        }
        String t = ex + "-t";
        assertThat(played).containsExactly(t + "0001@0", t + "0002@0", t + "0003@0", t + "0003@1");

        open("/experiments/" + ex, "experiment");
        assertThat(browser.findElement(By.cssSelector("#summary [data-key=scheduler]")).getText())
                .contains("asha: rungs at 1,000, 3,000 examples, η 3");
        assertThat(browser.findElement(By.cssSelector("#trial-rows tr[data-trial-id='" + t + "0001'] td.rung")).getText())
                .isEqualTo("0 (1000 ex)");
        assertThat(browser.findElement(By.cssSelector("#trial-rows tr[data-trial-id='" + t + "0003'] td.rung")).getText())
                .isEqualTo("1 (3000 ex)");
        open("/experiments/" + ex + "/trials/" + t + "0003", "trial");
        assertThat(rungRows()).extracting(r -> r.get(0), r -> r.get(4)).containsExactly(
                org.assertj.core.groups.Tuple.tuple("0 (1000 ex)", "from scratch"),
                org.assertj.core.groups.Tuple.tuple("1 (3000 ex)", "continued from 1,000 examples"));
    }

    /** The cells of the trial page's rung table, row by row. */
    static List<List<String>> rungRows() {
        List<List<String>> rows = new ArrayList<>();
        for (WebElement tr : browser.findElements(By.cssSelector("#rungs tbody tr"))) {
            rows.add(tr.findElements(By.tagName("td")).stream().map(WebElement::getText).toList());
        }
        return rows;
    }

    @Test
    @Order(6)
    void theUiEndpointsAnswerUnderTheReadRulesAndRefuseBadInput() throws Exception {
        HttpResponse<String> root = get(base, "/", null);
        assertThat(root.statusCode()).isEqualTo(302);
        assertThat(root.headers().firstValue("Location")).contains("/ui/");
        HttpResponse<String> page = get(base, "/ui/", null);
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Security-Policy")).contains(WebUi.CONTENT_SECURITY_POLICY);
        assertThat(page.body()).contains("vendor/echarts.min.js").doesNotContain("http://", "https://");
        HttpResponse<String> echarts = get(base, "/ui/vendor/echarts.min.js", null);
        assertThat(echarts.statusCode()).isEqualTo(200);
        assertThat(echarts.body()).contains("6.1.0");
        for (String missing : List.of("/ui/nope.js", "/ui/../pom.xml", "/ui/%2e%2e/%2e%2e/etc/passwd", "/ui/vendor/")) {
            assertThat(get(base, missing, null).statusCode()).as(missing).isIn(400, 403, 404);
        }

        String trials = "/api/v1/experiments/" + id;
        JsonNode points = api(trials + "/points");
        assertThat(points.path("trialIds").size()).isEqualTo(api(trials).path("completed").asInt());
        Set<String> front = new HashSet<>();
        points.path("front").forEach(f -> front.add(f.asText()));
        Set<String> pareto = new HashSet<>();
        api(trials + "/pareto").path("front").forEach(p -> pareto.add(p.path("trialId").asText()));
        assertThat(front).isEqualTo(pareto);
        assertThat(points.path("history").path("trialIds").size()).as("every ended trial").isEqualTo(api(trials).path("completed").asInt()
                + api(trials).path("failed").asInt());

        JsonNode page2 = api(trials + "/trial-page?offset=10&limit=5&status=completed&sort=latencyMs&order=asc");
        assertThat(page2.path("rows")).hasSize(5);
        List<Double> latencies = new ArrayList<>();
        page2.path("rows").forEach(r -> latencies.add(r.path("trial").path("metrics").path("latencyMsP50").asDouble()));
        assertThat(latencies).isSorted();
        String firstId = api(trials + "/trials").get(0).path("trialId").asText();
        assertThat(api(trials + "/trial-page?q=" + firstId.toUpperCase(java.util.Locale.ROOT)).path("total").asInt()).isEqualTo(1);
        JsonNode detail = api(trials + "/trials/" + firstId);
        assertThat(detail.path("row").path("trial").path("trialId").asText()).isEqualTo(firstId);

        for (String bad : List.of("offset=-1", "offset=abc", "offset=99999999999", "limit=0", "limit=501", "limit=1e3", "sort=candidate",
                "order=up", "status=done", "q=" + "x".repeat(201), "offset=1&offset=2", "color=red")) {
            HttpResponse<String> r = get(base, trials + "/trial-page?" + bad, TOKEN);
            assertThat(r.statusCode()).as(bad).isEqualTo(400);
            String name = bad.substring(0, bad.indexOf('='));
            assertThat(json(r).path("errors").get(0).path("path").asText()).as(bad).isEqualTo(name);
        }
        HttpResponse<String> unknownTrial = get(base, trials + "/trials/" + id + "-t9999", TOKEN);
        assertThat(unknownTrial.statusCode()).isEqualTo(404);
        assertThat(json(unknownTrial).path("errors").get(0).path("path").asText()).isEqualTo("trialId");
        for (String path : List.of("/trial-page", "/points", "/trials/" + firstId, "/events")) {
            assertThat(get(base, trials + path, null).statusCode()).as(path + " without a token").isEqualTo(401);
            assertThat(get(base, trials + path, "t-globex").statusCode()).as(path + " of another tenant").isEqualTo(404);
            assertThat(get(base, "/api/v1/experiments/nope" + path, TOKEN).statusCode()).as(path + " of no experiment").isEqualTo(404);
        }

        // the experiments page's one stream of several experiments
        for (String bad : List.of("", "?ids=", "?ids=a&ids=b", "?ids=" + String.join(",", java.util.Collections.nCopies(101, "x")))) {
            HttpResponse<String> r = get(base, "/api/v1/events" + bad, TOKEN);
            assertThat(r.statusCode()).as(bad).isEqualTo(400);
            assertThat(json(r).path("errors").get(0).path("path").asText()).isEqualTo("ids");
        }
        assertThat(get(base, "/api/v1/events?ids=" + id, null).statusCode()).isEqualTo(401);

        // the event stream carries a worker's progress as it happens
        java.util.concurrent.ConcurrentLinkedQueue<String> lines = new java.util.concurrent.ConcurrentLinkedQueue<>();
        String live = "ui-live-" + UUID.randomUUID().toString().substring(0, 6);
        assertThat(post(base, "/api/v1/experiments", spec(live, 10, 1), TOKEN).statusCode()).isEqualTo(201);
        ControllerRig.awaitStatus(base, live, "running", TOKEN);
        HttpResponse<java.util.stream.Stream<String>> stream = ControllerRig.HTTP.send(HttpRequest.newBuilder(
                URI.create(base + "/api/v1/experiments/" + live + "/events")).header("Authorization", "Bearer " + TOKEN).build(),
                HttpResponse.BodyHandlers.ofLines());
        assertThat(stream.statusCode()).isEqualTo(200);
        assertThat(stream.headers().firstValue("Content-Type")).contains("text/event-stream; charset=utf-8");
        Thread reader = new Thread(() -> stream.body().forEach(lines::add), "sse-reader");
        reader.setDaemon(true);
        reader.start();
        String trial = worker.progress(live, 2);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(lines).anyMatch(l -> l.startsWith("data: ")
                && l.contains("\"type\":\"progress\"") && l.contains("\"trialId\":\"" + trial + "\"") && l.contains("\"epoch\":2")));
        assertThat(lines).contains("event: trial");
        stream.body().close();
        assertThat(get(base, "/health/live", null).statusCode()).isEqualTo(200);
    }
}
