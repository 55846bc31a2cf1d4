package org.naspipeline.cli;

import ai.djl.engine.Engine;
import java.nio.file.Path;
import java.util.concurrent.locks.Lock;
import org.naspipeline.worker.data.DatasetResolver;
import org.naspipeline.worker.pipeline.FileArtifactStore;
import org.naspipeline.worker.pipeline.TrialRunner;
import org.naspipeline.worker.service.WorkerConfig;
import org.naspipeline.worker.service.WorkerService;

/** Wires the worker's parts the same way for {@code nas worker} and {@code nas demo}. */
final class Services {
    private Services() {}

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
