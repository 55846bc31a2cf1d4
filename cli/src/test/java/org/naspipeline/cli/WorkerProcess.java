package org.naspipeline.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.naspipeline.testkit.KafkaCluster;

/** A {@code nas worker} process started from the built jar, for the kill and shutdown tests. */
final class WorkerProcess {
    private static final Pattern PORT = Pattern.compile("/health and /metrics on port (\\d+)");
    final String workerId;
    final Process process;
    final Path log;

    private WorkerProcess(String workerId, Process process, Path log) {
        this.workerId = workerId;
        this.process = process;
        this.log = log;
    }

    /**
     * Starts a synthetic-evaluator worker with its HTTP server on a free port; {@code env} adds or overrides variables
     * ({@code kafka} null: {@code env} names the bootstrap servers).
     */
    static WorkerProcess start(KafkaCluster kafka, String workerId, String group, Path dir, Map<String, String> env) throws IOException {
        Map<String, String> e = new HashMap<>();
        if (kafka != null) {
            e.put("NAS_KAFKA_BOOTSTRAP", kafka.bootstrapServers());
        }
        e.put("NAS_WORKER_GROUP", group);
        e.put("NAS_WORKER_ID", workerId);
        e.put("NAS_EVALUATOR", "synthetic");
        e.put("NAS_WORKER_HTTP_PORT", "0");
        e.put("NAS_ARTIFACT_DIR", dir.resolve("artifacts").toString());
        // No group timing overrides: the kill tests run the worker's own defaults (10 s session timeout).
        e.putAll(env);
        Path log = dir.resolve(workerId + ".log");
        return new WorkerProcess(workerId, NasProcess.start("worker", "384m", e, log), log);
    }

    /** The HTTP port the worker logged, waiting for it up to {@code timeout}. */
    int httpPort(Duration timeout) throws IOException {
        java.util.concurrent.atomic.AtomicInteger port = new java.util.concurrent.atomic.AtomicInteger(-1);
        try {
            org.awaitility.Awaitility.await().atMost(timeout).pollInterval(Duration.ofMillis(100)).until(() -> {
                Matcher m = PORT.matcher(Files.readString(log));
                if (m.find()) {
                    port.set(Integer.parseInt(m.group(1)));
                }
                return port.get() > 0 || !process.isAlive();
            });
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError("worker " + workerId + " logged no HTTP port within " + timeout + ":\n" + logText(), e);
        }
        if (port.get() < 0) {
            throw new AssertionError("worker " + workerId + " exited before serving HTTP:\n" + logText());
        }
        return port.get();
    }

    /** The worker's log so far. */
    String logText() throws IOException {
        return Files.readString(log);
    }
}
