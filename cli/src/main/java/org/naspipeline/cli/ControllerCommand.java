package org.naspipeline.cli;

import java.util.concurrent.Callable;
import org.naspipeline.api.config.Settings;
import org.naspipeline.controller.ControllerConfig;
import org.naspipeline.controller.ControllerService;
import org.naspipeline.controller.TopicSetup;
import org.naspipeline.strategy.StrategyRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;

/** {@code nas controller}: the controller as its own process, configured from the environment. */
@Command(name = "controller", mixinStandardHelpOptions = true,
        description = "Run the controller (Kafka Streams). Configured by NAS_KAFKA_BOOTSTRAP, NAS_STATE_DIR, NAS_PARTITIONS, NAS_CONTROLLER_APP_ID.")
final class ControllerCommand implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(ControllerCommand.class);

    @Override
    public Integer call() throws InterruptedException {
        Settings settings = Settings.fromEnvironment();
        ControllerConfig config = ControllerConfig.from(settings);
        LOG.info("controller configuration:\n{}", settings.describe(ControllerConfig.ALL));
        TopicSetup.ensure(config.bootstrapServers(), config.partitions());
        ControllerService controller = new ControllerService(config, StrategyRegistry.load());
        return Services.runUntilShutdown(controller, controller::start);
    }
}
