package org.naspipeline.cli;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantLock;
import org.naspipeline.api.ExperimentSpec;
import org.naspipeline.controller.ControllerConfig;
import org.naspipeline.controller.ControllerService;
import org.naspipeline.controller.TopicSetup;
import org.naspipeline.strategy.StrategyRegistry;
import org.naspipeline.worker.artifact.S3Settings;
import org.naspipeline.worker.cpu.CpuSettings;
import org.naspipeline.worker.pipeline.TrialRunner;
import org.naspipeline.worker.service.WorkerAssembly;
import org.naspipeline.worker.service.WorkerConfig;
import org.naspipeline.worker.service.WorkerService;

/**
 * The whole pipeline in one process against a given broker: controller plus N workers in one consumer group.
 * {@code nas demo} and the end-to-end test use it; each piece is the same class its own process would run.
 */
final class LocalPipeline implements AutoCloseable {
    private final String bootstrapServers;
    private final ControllerService controller;
    private final List<WorkerService> workers = new ArrayList<>();

    /**
     * Starts the controller and {@code workerCount} workers.
     *
     * @param workDir state stores and artifacts go below it
     */
    LocalPipeline(String bootstrapServers, int workerCount, Path workDir, Path dataDir, String runId) {
        this(bootstrapServers, workerCount, workDir, dataDir, runId, CpuSettings.defaults());
    }

    /** As above, the workers with these CPU settings (they register on the host and divide its cores). */
    LocalPipeline(String bootstrapServers, int workerCount, Path workDir, Path dataDir, String runId, CpuSettings cpu) {
        this(bootstrapServers, workerCount, workDir, dataDir, runId, workDir.resolve("artifacts").toString(), S3Settings.AWS,
                cpu);
    }

    /**
     * As {@link #LocalPipeline(String, int, Path, Path, String)}, with the workers' models saved at
     * {@code artifactUri} (a path, {@code file:} or {@code s3://} URI) instead of below {@code workDir}.
     */
    LocalPipeline(String bootstrapServers, int workerCount, Path workDir, Path dataDir, String runId, String artifactUri,
                  S3Settings s3, CpuSettings cpu) {
        this.bootstrapServers = bootstrapServers;
        TopicSetup.ensure(bootstrapServers, 4);
        controller = new ControllerService(
                new ControllerConfig(bootstrapServers, "nas-controller-" + runId, workDir.resolve("state"), 4),
                StrategyRegistry.load());
        controller.start();
        WorkerConfig base = WorkerConfig.embedded(bootstrapServers, workerGroup(runId), "worker", 1, "auto", dataDir,
                workDir.resolve("artifacts"), 30, TrialRunner.MeasurementSettings.DEFAULT.latencyBatch(), "djl", 0)
                .withArtifacts(artifactUri, s3)
                .withCpu(cpu);
        Lock engineLock = new ReentrantLock(true);
        for (int i = 1; i <= workerCount; i++) {
            WorkerService w = WorkerAssembly.worker(base.withWorkerId("worker-" + i), engineLock, new SimpleMeterRegistry());
            w.start();
            workers.add(w);
        }
    }

    /** The consumer group of this run's workers. */
    static String workerGroup(String runId) {
        return "nas-workers-" + runId;
    }

    /** Puts the spec on {@link org.naspipeline.api.Topics#EXPERIMENTS}, keyed by its id, as any other service would. */
    void submit(ExperimentSpec spec) {
        try (ExperimentSubmitter submitter = new ExperimentSubmitter(bootstrapServers)) {
            submitter.submit(spec);
        }
    }

    /** Stops the controller alone (its state stores closed), leaving the workers running: for a process exiting now. */
    void stopController() {
        controller.close();
    }

    @Override
    public void close() {
        workers.forEach(WorkerService::close);
        controller.close();
    }
}
