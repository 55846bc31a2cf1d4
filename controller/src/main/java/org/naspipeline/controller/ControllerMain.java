package org.naspipeline.controller;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.naspipeline.api.config.Settings;
import org.naspipeline.ops.Observability;
import org.naspipeline.ops.ServiceRunner;
import org.naspipeline.strategy.StrategyRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The controller's own launcher (the {@code nas-controller} image and jar): configured from the environment only.
 * With no argument it runs the controller until SIGTERM; {@code topics} creates the pipeline topics and exits
 * (an init step for deployments that start workers before the controller).
 */
public final class ControllerMain {
    private static final Logger LOG = LoggerFactory.getLogger(ControllerMain.class);

    private ControllerMain() {}

    /** Entry point; exits with the command's status. */
    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs {@code args} (none, or {@code topics}) and returns the exit status; errors are printed, not thrown. */
    public static int run(String... args) {
        if (args.length > 1 || args.length == 1 && !args[0].equals("topics")) {
            System.err.println("usage: nas-controller [topics]  (configured by NAS_* environment variables)");
            return 2;
        }
        return ServiceRunner.exitStatus("controller", () -> {
            ControllerConfig config = ControllerConfig.from(Settings.fromEnvironment());
            if (args.length == 1) {
                TopicSetup.ensure(config.bootstrapServers(), config.partitions(), config.kafka());
                System.out.println("topics ready on " + config.bootstrapServers());
                return 0;
            }
            return serve(config);
        });
    }

    private static int serve(ControllerConfig config) throws InterruptedException {
        LOG.info("controller configuration:\n{}\n  NAS_KAFKA_CLIENT_*: {}", Settings.fromEnvironment().describe(ControllerConfig.ALL),
                config.kafka().describe());
        TopicSetup.ensure(config.bootstrapServers(), config.partitions(), config.kafka());
        String instance = config.instanceId() != null ? config.instanceId() : config.advertisedHost() + ":" + config.httpPort();
        PrometheusMeterRegistry meters = Observability.registry("controller", instance);
        Vertx vertx = Observability.vertx(meters, Duration.ofSeconds(90));
        ControllerVerticle verticle = new ControllerVerticle(config, StrategyRegistry.load(), meters);
        AutoCloseable closeVertx = () -> vertx.close().toCompletionStage().toCompletableFuture().get(90, TimeUnit.SECONDS);
        return ServiceRunner.runUntilShutdown(closeVertx, () -> {
            ServiceRunner.awaitStart("the controller", vertx.deployVerticle(verticle), Duration.ofSeconds(120));
        });
    }
}
