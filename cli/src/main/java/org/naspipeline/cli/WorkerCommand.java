package org.naspipeline.cli;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.naspipeline.api.config.Settings;
import org.naspipeline.ops.Observability;
import org.naspipeline.worker.service.WorkerConfig;
import org.naspipeline.worker.service.WorkerService;
import org.naspipeline.worker.service.WorkerVerticle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;

/**
 * {@code nas worker}: one worker process on Vert.x. SIGTERM lets running trials finish within the grace period;
 * a fatal Kafka error (authorization, unsupported version) ends the process with exit code 1.
 */
@Command(name = "worker", mixinStandardHelpOptions = true,
        description = "Run a trial worker. Configured by NAS_KAFKA_BOOTSTRAP, NAS_WORKER_SLOTS, NAS_DEVICES, NAS_DATA_DIR, "
                + "NAS_ARTIFACT_DIR, NAS_WORKER_HTTP_PORT, NAS_KAFKA_CLIENT_* (see docs/operations.md).")
final class WorkerCommand implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(WorkerCommand.class);

    @Override
    public Integer call() throws Exception {
        Settings settings = Settings.fromEnvironment();
        WorkerConfig config = WorkerConfig.from(settings);
        LOG.info("worker configuration:\n{}\n  NAS_KAFKA_CLIENT_*: {}", settings.describe(WorkerConfig.ALL), config.kafka().describe());
        PrometheusMeterRegistry registry = Observability.registry("worker", config.workerId());
        Vertx vertx = Observability.vertx(registry, Duration.ofSeconds(config.shutdownGraceSeconds() + 60L));
        WorkerService worker = Services.worker(config, new ReentrantLock(true), registry);
        WorkerVerticle verticle = new WorkerVerticle(config, worker, registry);
        AutoCloseable closeVertx = () -> vertx.close().toCompletionStage().toCompletableFuture()
                .get(config.shutdownGraceSeconds() + 60L, TimeUnit.SECONDS);
        return Services.runUntilShutdown(closeVertx, () -> {
            try {
                vertx.deployVerticle(verticle).toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new IllegalStateException("the worker did not start: " + e.getMessage(), e);
            }
        }, worker.terminated());
    }
}
