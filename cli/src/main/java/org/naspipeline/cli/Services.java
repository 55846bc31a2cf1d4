package org.naspipeline.cli;

import ai.djl.Device;
import java.nio.file.Path;
import org.naspipeline.api.DatasetSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.locks.Lock;
import org.naspipeline.worker.data.DatasetResolver;
import org.naspipeline.worker.pipeline.DeviceSelection;
import org.naspipeline.worker.artifact.ArtifactStores;
import org.naspipeline.worker.pipeline.ArtifactStore;
import org.naspipeline.worker.pipeline.SyntheticEvaluator;
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
        return runUntilShutdown(service, start, new java.util.concurrent.CompletableFuture<>());
    }

    /**
     * As {@link #runUntilShutdown(AutoCloseable, Runnable)}, and also returns 1 (after closing the service) when
     * {@code failed} completes exceptionally: a fatal error, so the orchestrator restarts or reports the process.
     */
    static int runUntilShutdown(AutoCloseable service, Runnable start, java.util.concurrent.CompletableFuture<?> failed)
            throws InterruptedException {
        CountDownLatch done = new CountDownLatch(1);
        boolean[] fatal = {false};
        failed.whenComplete((v, e) -> {
            if (e != null) {
                fatal[0] = true;
                done.countDown();
            }
        });
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
        if (fatal[0]) {
            try {
                service.close();
            } catch (Exception e) {
                System.err.println("error while stopping after a fatal error: " + e);
            }
            return 1;
        }
        return 0;
    }

    /** Resolves the dataset once and prints which one is used. */
    static DatasetResolver.ResolvedDataset resolveData(DatasetSpec spec, Path explicit) {
        DatasetResolver.ResolvedDataset data = DatasetResolver.fromEnvironment().resolve(spec, explicit);
        System.out.println("dataset: " + data);
        return data;
    }

    /**
     * A worker service over the real DJL pipeline: one slot per GPU of {@code NAS_DEVICES}, or
     * {@code NAS_WORKER_SLOTS} slots on the CPU.
     *
     * @param engineLock one lock per JVM, shared by every worker in it (see {@link TrialRunner})
     */
    static WorkerService worker(WorkerConfig config, Lock engineLock) {
        return worker(config, engineLock, new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
    }

    /** As {@link #worker(WorkerConfig, Lock)}, with the worker's metrics in {@code registry}. */
    static WorkerService worker(WorkerConfig config, Lock engineLock, io.micrometer.core.instrument.MeterRegistry registry) {
        if (config.evaluator().equals("synthetic")) {
            List<SyntheticEvaluator> fakes = new ArrayList<>();
            for (int i = 0; i < config.slots(); i++) {
                fakes.add(new SyntheticEvaluator(config.workerId(), config.syntheticDelayMillis()));
            }
            return new WorkerService(config, fakes, registry);
        }
        List<Device> devices = DeviceSelection.parse(config.devices());
        List<Device> slots = new ArrayList<>();
        if (devices.size() == 1 && !devices.get(0).isGpu()) {
            for (int i = 0; i < config.slots(); i++) {
                slots.add(devices.get(0));
            }
        } else {
            slots.addAll(devices);
        }
        DatasetResolver resolver = DatasetResolver.fromEnvironment();
        List<TrialRunner> runners = new ArrayList<>();
        ArtifactStore artifacts = ArtifactStores.open(config.artifactUri(), config.s3()); // checks an s3:// bucket now
        for (Device d : slots) {
            runners.add(new TrialRunner(resolver, config.dataDir(), artifacts,
                    config.workerId(), d, engineLock,
                    new TrialRunner.MeasurementSettings(config.latencyBatch(), TrialRunner.MeasurementSettings.DEFAULT.latencyRuns())));
        }
        return new WorkerService(config, runners, registry);
    }
}
