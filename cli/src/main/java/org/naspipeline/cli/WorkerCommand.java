package org.naspipeline.cli;

import java.util.concurrent.Callable;
import org.naspipeline.api.config.Settings;
import org.naspipeline.worker.service.WorkerConfig;
import org.naspipeline.worker.service.WorkerService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;

/** {@code nas worker}: one worker process; SIGTERM lets running trials finish within the grace period. */
@Command(name = "worker", mixinStandardHelpOptions = true,
        description = "Run a trial worker. Configured by NAS_KAFKA_BOOTSTRAP, NAS_WORKER_SLOTS, NAS_DATA_DIR, NAS_ARTIFACT_DIR, …")
final class WorkerCommand implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(WorkerCommand.class);

    @Override
    public Integer call() throws InterruptedException {
        Settings settings = Settings.fromEnvironment();
        WorkerConfig config = WorkerConfig.from(settings);
        LOG.info("worker configuration:\n{}", settings.describe(WorkerConfig.ALL));
        WorkerService worker = Services.worker(config, new java.util.concurrent.locks.ReentrantLock(true));
        return Services.runUntilShutdown(worker, worker::start);
    }
}
