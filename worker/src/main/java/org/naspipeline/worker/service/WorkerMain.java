package org.naspipeline.worker.service;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.naspipeline.api.config.Settings;
import org.naspipeline.ops.Observability;
import org.naspipeline.ops.ServiceRunner;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker's own launcher (the {@code nas-worker} image and jar), configured from the environment only. SIGTERM
 * lets running trials finish within {@code NAS_SHUTDOWN_GRACE_SECONDS}; a fatal Kafka error (authorization,
 * unsupported version) ends the process with exit code 1.
 */
public final class WorkerMain {
    private static final Logger LOG = LoggerFactory.getLogger(WorkerMain.class);

    private WorkerMain() {}

    /** Entry point; exits with the worker's status. */
    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the worker until shutdown and returns the exit status; errors are printed, not thrown. */
    public static int run(String... args) {
        if (args.length != 0) {
            System.err.println("usage: nas-worker  (configured by NAS_* environment variables; no arguments)");
            return 2;
        }
        return ServiceRunner.exitStatus("worker", () -> {
            Settings settings = Settings.fromEnvironment();
            WorkerConfig config = WorkerConfig.from(settings);
            LOG.info("worker configuration:\n{}\n  NAS_KAFKA_CLIENT_*: {}", settings.describe(WorkerConfig.ALL), config.kafka().describe());
            PrometheusMeterRegistry registry = Observability.registry("worker", config.workerId());
            Vertx vertx = Observability.vertx(registry, Duration.ofSeconds(config.shutdownGraceSeconds() + 60L));
            WorkerService worker = WorkerAssembly.worker(config, new ReentrantLock(true), registry);
            WorkerVerticle verticle = new WorkerVerticle(config, worker, registry);
            AutoCloseable closeVertx = () -> vertx.close().toCompletionStage().toCompletableFuture()
                    .get(config.shutdownGraceSeconds() + 60L, TimeUnit.SECONDS);
            return ServiceRunner.runUntilShutdown(closeVertx,
                    () -> ServiceRunner.awaitStart("the worker", vertx.deployVerticle(verticle), Duration.ofSeconds(120)),
                    worker.terminated());
        });
    }
}
