package org.naspipeline.cli;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.naspipeline.api.config.Settings;
import org.naspipeline.controller.ControllerConfig;
import org.naspipeline.controller.ControllerVerticle;
import org.naspipeline.controller.TopicSetup;
import org.naspipeline.ops.Observability;
import org.naspipeline.strategy.StrategyRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;

/** {@code nas controller}: the controller as its own process on Vert.x, configured from the environment. */
@Command(name = "controller", mixinStandardHelpOptions = true,
        description = "Run the controller (Kafka Streams + REST API). Configured by NAS_KAFKA_BOOTSTRAP, NAS_STATE_DIR, "
                + "NAS_PARTITIONS, NAS_CONTROLLER_APP_ID, NAS_CONTROLLER_HTTP_PORT, NAS_API_TOKEN (see docs/operations.md).")
final class ControllerCommand implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(ControllerCommand.class);

    @Override
    public Integer call() throws Exception {
        Settings settings = Settings.fromEnvironment();
        ControllerConfig config = ControllerConfig.from(settings);
        LOG.info("controller configuration:\n{}\n  NAS_KAFKA_CLIENT_*: {}", settings.describe(ControllerConfig.ALL), config.kafka().describe());
        TopicSetup.ensure(config.bootstrapServers(), config.partitions());
        String instance = config.instanceId() != null ? config.instanceId() : config.advertisedHost() + ":" + config.httpPort();
        PrometheusMeterRegistry meters = Observability.registry("controller", instance);
        Vertx vertx = Observability.vertx(meters, Duration.ofSeconds(90));
        ControllerVerticle verticle = new ControllerVerticle(config, StrategyRegistry.load(), meters);
        AutoCloseable closeVertx = () -> vertx.close().toCompletionStage().toCompletableFuture().get(90, TimeUnit.SECONDS);
        return Services.runUntilShutdown(closeVertx, () -> {
            try {
                vertx.deployVerticle(verticle).toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new IllegalStateException("the controller did not start: " + e.getMessage(), e);
            }
        });
    }
}
