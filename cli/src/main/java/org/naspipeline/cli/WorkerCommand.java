package org.naspipeline.cli;

import java.util.concurrent.Callable;
import org.naspipeline.worker.service.WorkerMain;
import picocli.CommandLine.Command;

/**
 * {@code nas worker}: one worker process, the same launcher its image runs. SIGTERM lets running trials finish
 * within the grace period; a fatal Kafka error (authorization, unsupported version) ends it with exit code 1.
 */
@Command(name = "worker", mixinStandardHelpOptions = true,
        description = "Run a trial worker. Configured by NAS_KAFKA_BOOTSTRAP, NAS_WORKER_SLOTS, NAS_DEVICES, NAS_DATA_DIR, "
                + "NAS_ARTIFACT_URI (or NAS_ARTIFACT_DIR), NAS_S3_*, NAS_WORKER_HTTP_PORT, NAS_KAFKA_CLIENT_* (see docs/operations.md).")
final class WorkerCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        return WorkerMain.run();
    }
}
