package org.naspipeline.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Debian's {@code prometheus} as a child process on a loopback address, and its HTTP API, for the tests. */
final class PrometheusServer implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final Process process;
    private final String url;
    private final Path log;

    private PrometheusServer(Process process, String url, Path log) {
        this.process = process;
        this.url = url;
        this.log = log;
    }

    /**
     * Starts Prometheus with {@code config} (a scrape configuration's text) and its data under {@code dir},
     * listening on {@code address}:{@code port}; {@code extraArgs} are passed as they are.
     */
    static PrometheusServer start(Path dir, String address, int port, String config, List<String> extraArgs) throws IOException {
        Files.createDirectories(dir);
        Path file = dir.resolve("prometheus.yml");
        Files.writeString(file, config);
        List<String> command = new ArrayList<>(List.of("prometheus", "--config.file=" + file,
                "--storage.tsdb.path=" + dir.resolve("data"), "--web.listen-address=" + address + ":" + port));
        command.addAll(extraArgs);
        Path log = dir.resolve("prometheus.log");
        Process p;
        try {
            p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        } catch (IOException e) {
            throw new AssertionError("cannot start Debian's prometheus (`bash .ci/run` installs it): " + e.getMessage(), e);
        }
        return new PrometheusServer(p, "http://" + address + ":" + port, log);
    }

    /** The base URL, e.g. {@code http://127.0.0.27:9090}. */
    String url() {
        return url;
    }

    /** The result vector (or matrix) of an instant query; fails when Prometheus reports an error. */
    JsonNode query(String expr) throws IOException, InterruptedException {
        JsonNode answer = get(url + "/api/v1/query?query=" + URLEncoder.encode(expr, StandardCharsets.UTF_8));
        if (!"success".equals(answer.path("status").asText())) {
            throw new IllegalStateException("query " + expr + " failed: " + answer);
        }
        return answer.path("data").path("result");
    }

    /** The active scrape targets. */
    JsonNode activeTargets() throws IOException, InterruptedException {
        return get(url + "/api/v1/targets").path("data").path("activeTargets");
    }

    /** Prometheus's own log so far. */
    String log() throws IOException {
        return Files.exists(log) ? Files.readString(log) : "(no log)";
    }

    /** A JSON document from {@code url}; anything but 200 is an error. */
    static JsonNode get(String url) throws IOException, InterruptedException {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException(url + " answered " + r.statusCode() + ": " + r.body());
        }
        return JSON.readTree(r.body());
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
