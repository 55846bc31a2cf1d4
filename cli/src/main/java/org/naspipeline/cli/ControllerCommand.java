package org.naspipeline.cli;

import java.util.concurrent.Callable;
import org.naspipeline.controller.ControllerMain;
import picocli.CommandLine.Command;

/** {@code nas controller}: the controller as its own process, the same launcher its image runs. */
@Command(name = "controller", mixinStandardHelpOptions = true,
        description = "Run the controller (Kafka Streams + REST API). Configured by NAS_KAFKA_BOOTSTRAP, NAS_STATE_DIR, "
                + "NAS_PARTITIONS, NAS_CONTROLLER_APP_ID, NAS_CONTROLLER_HTTP_PORT, NAS_API_TOKEN (see docs/operations.md).")
final class ControllerCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        return ControllerMain.run();
    }
}
