package org.naspipeline.worker.service;

import ai.djl.Device;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.Lock;
import org.naspipeline.worker.cpu.WorkerCpu;
import org.naspipeline.worker.data.DatasetResolver;
import org.naspipeline.worker.pipeline.DeviceSelection;
import org.naspipeline.worker.artifact.ArtifactStores;
import org.naspipeline.worker.pipeline.ArtifactStore;
import org.naspipeline.worker.pipeline.SyntheticEvaluator;
import org.naspipeline.worker.onnx.OrtRuntime;
import org.naspipeline.worker.pipeline.InferenceRuntime;
import org.naspipeline.worker.pipeline.TrialRunner;

/** Wires a worker's parts the same way for its own process, {@code nas worker} and {@code nas demo}. */
public final class WorkerAssembly {
    private WorkerAssembly() {}

    /**
     * A worker service over the real DJL pipeline (or the synthetic evaluator): one slot per GPU of
     * {@code NAS_DEVICES}, or {@code NAS_WORKER_SLOTS} slots on the CPU. The worker registers on this host and takes
     * its share of the cores ({@link WorkerCpu}); closing the service removes the registration.
     *
     * @param engineLock one lock per JVM, shared by every worker in it (see {@link TrialRunner})
     */
    public static WorkerService worker(WorkerConfig config, Lock engineLock, MeterRegistry registry) {
        if (config.evaluator().equals("synthetic")) {
            List<SyntheticEvaluator> fakes = new ArrayList<>();
            for (int i = 0; i < config.slots(); i++) {
                fakes.add(new SyntheticEvaluator(config.workerId(), config.syntheticDelayMillis()));
            }
            return new WorkerService(config, fakes, registry);
        }
        // before the engine loads (DeviceSelection asks it for GPUs): the thread options it reads once
        WorkerCpu cpu = WorkerCpu.open(config.cpu(), config.slots());
        List<Device> devices;
        try {
            devices = DeviceSelection.parse(config.devices());
        } catch (RuntimeException e) {
            cpu.close();
            throw e;
        }
        List<Device> slots = new ArrayList<>();
        if (devices.size() == 1 && !devices.get(0).isGpu()) {
            for (int i = 0; i < config.slots(); i++) {
                slots.add(devices.get(0));
            }
        } else {
            slots.addAll(devices);
        }
        if (slots.size() != config.slots()) { // one slot per GPU: register with the slots the worker really has
            cpu.close();
            cpu = WorkerCpu.open(config.cpu(), slots.size());
        }
        if (config.measurement().runtime() == InferenceRuntime.ONNXRUNTIME) {
            try {
                OrtRuntime.environment(); // now, so that a platform without its natives stops the start-up, not every trial
            } catch (IllegalStateException e) {
                cpu.close();
                throw new IllegalStateException(e.getMessage() + "; set NAS_INFERENCE_RUNTIME=djl to measure in DJL instead", e);
            }
        }
        DatasetResolver resolver = DatasetResolver.fromEnvironment();
        ArtifactStore artifacts;
        try {
            artifacts = ArtifactStores.open(config.artifactUri(), config.s3()); // checks an s3:// bucket now
        } catch (RuntimeException e) {
            cpu.close();
            throw e;
        }
        List<TrialRunner> runners = new ArrayList<>();
        for (Device d : slots) {
            runners.add(new TrialRunner(resolver, config.dataDir(), artifacts, config.workerId(), d, engineLock, cpu,
                    config.measurement()));
        }
        cpu.bindTo(registry);
        return new WorkerService(config, runners, registry);
    }
}
