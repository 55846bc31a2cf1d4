package org.naspipeline.cli;

import ai.djl.engine.Engine;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.locks.Lock;
import org.naspipeline.worker.data.DatasetResolver;
import org.naspipeline.worker.pipeline.FileArtifactStore;
import org.naspipeline.worker.pipeline.TrialRunner;
import org.naspipeline.worker.service.WorkerConfig;
import org.naspipeline.worker.service.WorkerService;

/** Wires the worker's parts the same way for {@code nas worker} and {@code nas demo}. */
final class Services {
    private Services() {}

    /**
     * Starts a long-running service and blocks until the JVM is asked to stop (SIGTERM, Ctrl-C); the shutdown
     * hook closes the service, which for a worker means finishing or handing back its running trials.
     */
    static int runUntilShutdown(AutoCloseable service, Runnable start) throws InterruptedException {
        CountDownLatch done = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                service.close();
            } catch (Exception e) {
                System.err.println("error while stopping: " + e);
            } finally {
                done.countDown();
            }
        }));
        start.run();
        done.await();
        return 0;
    }

    /** Resolves the dataset once and prints which one is used. */
    static DatasetResolver.ResolvedDataset resolveData(Path explicit) {
        DatasetResolver.ResolvedDataset data = DatasetResolver.fromEnvironment().resolve(explicit);
        System.out.println("dataset: " + data);
        return data;
    }

    /**
     * A worker service over the real DJL pipeline.
     *
     * @param engineLock one lock per JVM, shared by every worker in it (see {@link TrialRunner})
     */
    static WorkerService worker(WorkerConfig config, Path dataDir, Lock engineLock) {
        TrialRunner runner = new TrialRunner(dataDir, new FileArtifactStore(config.artifactDir()), config.workerId(),
                Engine.getInstance().defaultDevice(), engineLock);
        return new WorkerService(config, runner);
    }
}
