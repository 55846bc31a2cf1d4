package org.naspipeline.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.File;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.naspipeline.controller.TopicSetup;
import org.naspipeline.testkit.KafkaCluster;
import org.naspipeline.testkit.KafkaExtension;
import org.naspipeline.worker.pipeline.SyntheticEvaluator;
import org.naspipeline.worker.service.WorkerConfig;
import org.naspipeline.worker.service.WorkerService;

/**
 * {@code nas submit --watch} in a real terminal (a pseudo-terminal from util-linux {@code script}), against a controller
 * process and a worker whose trials report an epoch every 1.5 s: the watch shows trials in flight and their epochs
 * before the first trial ends, keeps going while the controller is killed and restarted, and exits 0 when the
 * experiment completes. Piped to a file, the same watch writes no control characters.
 */
@ExtendWith(KafkaExtension.class)
class WatchIT {
    static final String TOKEN = "t-watch";
    @TempDir
    Path dir;
    final List<Process> processes = new ArrayList<>();
    WorkerService worker;

    @AfterEach
    void stop() {
        processes.forEach(Process::destroyForcibly);
        if (worker != null) {
            worker.close();
        }
    }

    Process controller(KafkaCluster kafka, String appId, int port) throws Exception {
        Path state = dir.resolve("controller");
        Files.createDirectories(state);
        Process p = NasProcess.start("controller", "512m", Map.of("NAS_KAFKA_BOOTSTRAP", kafka.bootstrapServers(),
                "NAS_CONTROLLER_APP_ID", appId, "NAS_STATE_DIR", state.toString(), "NAS_CONTROLLER_HTTP_PORT", String.valueOf(port),
                "NAS_CONTROLLER_ADVERTISED_HOST", "localhost", "NAS_API_TOKEN", TOKEN, "NAS_KAFKA_CLIENT_SESSION_TIMEOUT_MS", "6000"),
                dir.resolve("controller-" + processes.size() + ".log"));
        processes.add(p);
        return p;
    }

    /** {@code nas ARGS} in a pseudo-terminal; what it draws collects in {@code screen}. */
    Process inTerminal(StringBuffer screen, String... args) throws Exception {
        String command = NasProcess.nasCommand().stream().map(a -> "'" + a + "'").collect(Collectors.joining(" ")) + " "
                + java.util.Arrays.stream(args).map(a -> "'" + a + "'").collect(Collectors.joining(" "));
        ProcessBuilder pb = new ProcessBuilder("script", "-qfec", command, "/dev/null").redirectErrorStream(true);
        pb.environment().put("TERM", "xterm");
        Process p = pb.start();
        processes.add(p);
        Thread reader = new Thread(() -> {
            try (InputStream in = p.getInputStream()) {
                byte[] buffer = new byte[4096];
                for (int n; (n = in.read(buffer)) > 0; ) {
                    screen.append(new String(buffer, 0, n, StandardCharsets.UTF_8));
                }
            } catch (java.io.IOException e) {
                // the process ended
            }
        });
        reader.setDaemon(true);
        reader.start();
        return p;
    }

    /** Waits until the terminal shows {@code text}; on timeout, fails with what it does show. */
    static void shows(StringBuffer screen, String text, int seconds) {
        try {
            await().atMost(Duration.ofSeconds(seconds)).until(() -> screen.toString().contains(text));
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError("the terminal never showed '" + text + "'; it shows:\n" + screen, e);
        }
    }

    static void awaitReady(String base) {
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250)).until(() -> {
            try {
                return http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(base + "/health/ready")).build(),
                        java.net.http.HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
            } catch (java.io.IOException e) {
                return false; // not listening yet
            }
        });
    }

    @Test
    void showsEpochsBeforeTheFirstResultSurvivesAControllerRestartAndEndsWithTheExperiment(KafkaCluster kafka) throws Exception {
        TopicSetup.ensure(kafka.bootstrapServers(), 4);
        String appId = "watch-" + UUID.randomUUID().toString().substring(0, 6);
        int port = ControllerApiIT.freePort();
        String base = "http://localhost:" + port;
        Process first = controller(kafka, appId, port);
        awaitReady(base);
        worker = new WorkerService(WorkerConfig.embedded(kafka.bootstrapServers(), "watch-workers", "w-watch", 2, "cpu", null,
                dir.resolve("artifacts"), 5, 1, "synthetic", 4500), List.of(new SyntheticEvaluator("w-watch", 4500),
                new SyntheticEvaluator("w-watch", 4500)));
        worker.start();
        String id = "watch-" + UUID.randomUUID().toString().substring(0, 6);
        byte[] spec = ControllerApiIT.edit(ControllerApiIT.respec(Files.readAllBytes(Path.of("..", "examples", "multi-objective.json")),
                id, 6, 2), "training", "epochs", 3);
        Path specFile = Files.write(dir.resolve("spec.json"), spec);

        StringBuffer screen = new StringBuffer();
        Process watch = inTerminal(screen, "submit", specFile.toString(), "--watch", "--url", base, "--token", TOKEN);
        // before the first trial ends (4.5 s each, an epoch every 1.5 s): trials in flight and their epochs
        shows(screen, "epoch 1/3, validation accuracy", 120);
        String early = screen.toString();
        String beforeFirstResult = early.contains("1 completed") ? early.substring(0, early.indexOf("1 completed")) : early;
        assertThat(beforeFirstResult).contains("submitted " + id, id + " running: 0 completed, 0 failed, 2 in flight of 6",
                "epoch 1/3, validation accuracy");
        assertThat(early).as("redrawn in place on a terminal").contains("\033[");

        // the controller is killed mid-watch and comes back on the same port
        first.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        shows(screen, "no controller at " + base, 60);
        controller(kafka, appId, port);
        shows(screen, "the controller answers again", 120);
        assertThat(watch.isAlive()).as(screen.toString()).isTrue();

        assertThat(watch.waitFor(180, TimeUnit.SECONDS)).as(screen.toString()).isTrue();
        assertThat(watch.exitValue()).as(screen.toString()).isZero();
        assertThat(screen.toString()).contains(id + " completed: 6 completed, 0 failed, 0 in flight of 6").doesNotContain("Exception");

        // piped to a file: one block, no control characters, exit 0 (the experiment has ended)
        Path log = dir.resolve("watch.txt");
        List<String> status = NasProcess.nasCommand();
        status.addAll(List.of("status", id, "--watch", "--url", base, "--token", TOKEN));
        Process piped = new ProcessBuilder(status).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        processes.add(piped);
        assertThat(piped.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String text = Files.readString(log);
        assertThat(piped.exitValue()).as(text).isZero();
        assertThat(text).startsWith(id + " completed: 6 completed, 0 failed, 0 in flight of 6, best ");
        assertThat(text.chars().filter(c -> c < 0x20 && c != '\n')).as(text).isEmpty();
    }
}
