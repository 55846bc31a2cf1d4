package org.naspipeline.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;
import org.naspipeline.api.Topics;
import org.naspipeline.devbroker.EmbeddedKafka;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every dashboard panel against a real Prometheus scraping real services: a controller and two workers (one
 * synthetic, one training with DJL) run as processes from their own jars on a dev broker; they run an experiment
 * with pruning and int8, one whose trials fail, and one spread over both workers, while a garbage record goes to
 * the DLQ and a submission is refused. Then every panel's query must return at least one series, and
 * {@code promtool check metrics} must accept each service's live {@code /metrics}.
 */
class DashboardsLiveIT {
    /** Panels that cannot have data on a machine without a GPU, each with the reason. */
    static final Map<String, String> GPU_ONLY = Map.of("nas-workers.json #17 GPU memory after training (GPU workers only)",
            "nas_worker_device_peak_memory_bytes exists only on workers that train on a GPU");

    @TempDir
    Path work;

    @Test
    void everyPanelReturnsDataFromARealPrometheusScrapingTheServices() throws Exception {
        String broker = "127.0.0.60";
        String controller = "127.0.0.61";
        String synthetic = "127.0.0.62";
        String djl = "127.0.0.63";
        List<Process> processes = new ArrayList<>();
        try (EmbeddedKafka kafka = EmbeddedKafka.start(work.resolve("kafka"), broker, 0)) {
            try {
                run(kafka, processes, controller, synthetic, djl);
            } catch (Exception | AssertionError e) {
                throw new AssertionError(e.getMessage() + logs(), e);
            } finally {
                stop(processes); // while the broker still runs, so they can commit and leave the group
            }
        }
    }

    private void run(EmbeddedKafka kafka, List<Process> processes, String controller, String synthetic, String djl) throws Exception {
        Map<String, String> common = Map.of("NAS_KAFKA_BOOTSTRAP", kafka.bootstrapServers());
        processes.add(NasProcess.start("controller", "512m", with(common, "NAS_STATE_DIR", work.resolve("state").toString(),
                "NAS_HTTP_HOST", controller, "NAS_CONTROLLER_ADVERTISED_HOST", controller, "NAS_CONTROLLER_HTTP_PORT", "8080",
                "NAS_CONTROLLER_INSTANCE_ID", "controller-0"), work.resolve("controller.log")));
        processes.add(NasProcess.start("worker", "1g", with(common, "NAS_HTTP_HOST", djl, "NAS_WORKER_ID", "djl-1",
                "NAS_WORKER_HTTP_PORT", "8081", "NAS_ARTIFACT_DIR", work.resolve("artifacts").toString(),
                "NAS_DATA_DIR", ComposeFile.REPO.resolve("datasets/fashion-mnist-mini").toString()), work.resolve("djl.log")));
        String api = "http://" + controller + ":8080";
        try (PrometheusServer prometheus = PrometheusServer.start(work.resolve("prometheus"), "127.0.0.64", 9090,
                scrapeConfig(controller + ":8080", djl + ":8081", synthetic + ":8081"), List.of())) {
            ServiceHttp.awaitReady(api, Duration.ofMinutes(2));
            ServiceHttp.awaitReady("http://" + djl + ":8081", Duration.ofMinutes(2));

            // Only the DJL worker is up yet: it trains, prunes and quantizes, and fails the trials whose base model is missing.
            String compressed = ServiceHttp.submit(api, compressedExperiment());
            ObjectNode missingBase = (ObjectNode) PrometheusServer.JSON.readTree(
                    Files.readString(ComposeFile.REPO.resolve("examples/compression-only.json")));
            missingBase.put("name", "base model missing");
            ((ObjectNode) missingBase.path("budget")).put("maxTrials", 2).put("parallelism", 2).put("maxAttempts", 1);
            ((ObjectNode) missingBase.path("dataset")).put("trainLimit", 600).put("testLimit", 200);
            String failing = ServiceHttp.submit(api, missingBase);
            assertThat(ServiceHttp.awaitEnd(api, compressed, Duration.ofMinutes(6)).path("status").asText()).isEqualTo("completed");
            assertThat(ServiceHttp.awaitEnd(api, failing, Duration.ofMinutes(3)).path("failed").asInt()).isPositive();

            processes.add(NasProcess.start("worker", "384m", with(common, "NAS_HTTP_HOST", synthetic, "NAS_WORKER_ID", "synthetic-1",
                    "NAS_WORKER_HTTP_PORT", "8081", "NAS_EVALUATOR", "synthetic", "NAS_SYNTHETIC_DELAY_MS", "500",
                    "NAS_ARTIFACT_DIR", work.resolve("artifacts-synthetic").toString()), work.resolve("synthetic.log")));
            ServiceHttp.awaitReady("http://" + synthetic + ":8081", Duration.ofMinutes(2));
            String spread = ServiceHttp.submit(api, ServiceHttp.smallExperiment("examples/fashion-mnist.json", "both workers", 6));
            assertThat(ServiceHttp.awaitEnd(api, spread, Duration.ofMinutes(6)).path("status").asText()).isEqualTo("completed");

            HttpResponse<String> refused = ServiceHttp.post(api + "/api/v1/experiments", "{\"schemaVersion\": 1, \"name\": \"no space\"}");
            assertThat(refused.statusCode()).isEqualTo(400);
            try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                    ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                    ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class))) {
                producer.send(new ProducerRecord<>(Topics.TRIAL_RESULTS, spread, "{not json".getBytes(StandardCharsets.UTF_8))).get();
            }

            Map<String, Integer> seriesByPanel = new LinkedHashMap<>();
            List<Dashboards.Panel> panels = Dashboards.panels();
            Awaitility.await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(3)).ignoreExceptions().untilAsserted(() -> {
                seriesByPanel.clear();
                List<String> empty = new ArrayList<>();
                for (Dashboards.Panel p : panels) {
                    int series = 0;
                    for (String expr : p.exprs()) {
                        int n = prometheus.query(expr).size();
                        series += n;
                        // Every query of a panel, not only the panel as a whole, must have data.
                        if (n == 0 && !GPU_ONLY.containsKey(p.name())) {
                            empty.add(p.name() + ": " + expr);
                        }
                    }
                    seriesByPanel.put(p.name(), series);
                }
                assertThat(empty).as("queries without data").isEmpty();
            });
            // The alerts' metrics exist live too (their unit tests use hand-made series).
            for (String metric : alertMetrics()) {
                assertThat(prometheus.query("count(" + metric + ")")).as("alerts use " + metric).isNotEmpty();
            }
            seriesByPanel.forEach((panel, n) -> System.out.printf("panel series: %3d  %s%n", n, panel));

            for (String base : List.of(api, "http://" + djl + ":8081", "http://" + synthetic + ":8081")) {
                Path metrics = work.resolve("metrics.txt");
                Files.writeString(metrics, ServiceHttp.metrics(base));
                Tools.Result lint = Tools.run(work, List.of("sh", "-c", "promtool check metrics < " + metrics));
                assertThat(lint.exitCode()).as(base + "/metrics: " + lint.output()).isZero();
            }
        }
    }

    private static void stop(List<Process> processes) throws InterruptedException {
        for (Process p : processes) {
            p.destroy();
        }
        for (Process p : processes) {
            if (!p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
    }

    /** Every metric name the alert rules select. */
    static java.util.Set<String> alertMetrics() throws java.io.IOException {
        java.util.Set<String> names = new java.util.TreeSet<>();
        JsonNode rules = ManifestContractIT.YAML.readTree(Dashboards.DIR.resolve("alerts.yaml").toFile());
        java.util.regex.Pattern metric = java.util.regex.Pattern.compile("\\b((?:nas|kafka)_[a-z0-9_]+)");
        for (JsonNode group : rules.path("groups")) {
            for (JsonNode rule : group.path("rules")) {
                java.util.regex.Matcher m = metric.matcher(rule.path("expr").asText());
                while (m.find()) {
                    names.add(m.group(1));
                }
            }
        }
        assertThat(names).isNotEmpty();
        return names;
    }

    /** The joint-compression example fixed to L1 pruning at 0.5 and int8, on a few hundred images. */
    private static ObjectNode compressedExperiment() throws Exception {
        ObjectNode spec = ServiceHttp.smallExperiment("examples/joint-compression.json", "pruned and quantized", 2);
        ObjectNode c = (ObjectNode) spec.path("searchSpace").path("compression");
        c.putArray("pruningMethods").add("l1-filter");
        c.putArray("pruningRatios").add(0.5);
        c.putArray("quantization").add("int8-per-channel");
        c.putArray("lowRankRatios").add(1.0);
        return spec;
    }

    /** Every target every 2 s, with the services' own instance labels kept as the compose and k8s configs do. */
    private static String scrapeConfig(String controller, String... workers) {
        return "global:\n  scrape_interval: 2s\n  evaluation_interval: 2s\nscrape_configs:\n"
                + "  - job_name: nas-controller\n    honor_labels: true\n    static_configs:\n      - targets: [\"" + controller + "\"]\n"
                + "  - job_name: nas-worker\n    honor_labels: true\n    static_configs:\n      - targets: [\""
                + String.join("\", \"", workers) + "\"]\n";
    }

    private static Map<String, String> with(Map<String, String> base, String... kv) {
        Map<String, String> out = new LinkedHashMap<>(base);
        for (int i = 0; i < kv.length; i += 2) {
            out.put(kv[i], kv[i + 1]);
        }
        return out;
    }

    private String logs() throws java.io.IOException {
        StringBuilder sb = new StringBuilder();
        for (String name : Set.of("controller.log", "djl.log", "synthetic.log")) {
            Path log = work.resolve(name);
            if (Files.exists(log)) {
                String text = Files.readString(log);
                sb.append("\n===== ").append(name).append(" =====\n").append(text, Math.max(0, text.length() - 3000), text.length());
            }
        }
        return sb.toString();
    }
}
