package org.naspipeline.worker.cpu;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The CPU side of one worker (or of one {@code nas evaluate}): its registration on this host, its thread budget, and
 * the host-wide measurement gate. Each trial applies the budget to the PyTorch engine on the slot's own thread
 * (PyTorch's OpenMP thread count belongs to the calling thread), re-read at each trial and epoch start so that
 * workers started or stopped since are taken into account. A latency measurement runs alone on the host with
 * {@code NAS_LATENCY_THREADS} threads, then the training threads are restored.
 */
public final class WorkerCpu implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(WorkerCpu.class);
    /** The inter-op pool: eager DJL models run no inter-op parallelism, so one thread. */
    static final int INTER_OP_THREADS = 1;

    private final CpuSettings settings;
    private final int slots;
    private final int processors;
    private final LocalWorkers.Registration registration;
    private final MeasurementGate gate;
    private volatile ThreadBudget last;

    private WorkerCpu(CpuSettings settings, int slots, int processors, LocalWorkers.Registration registration) {
        this.settings = settings;
        this.slots = slots;
        this.processors = processors;
        this.registration = registration;
        this.gate = MeasurementGate.in(settings.localDir());
        this.last = budget();
    }

    /**
     * Registers a worker of {@code slots} slots on this host and sets the engine's thread options for when it loads.
     *
     * @throws java.io.UncheckedIOException naming {@code NAS_WORKER_LOCAL_DIR} when the directory cannot be written
     */
    public static WorkerCpu open(CpuSettings settings, int slots) {
        return open(settings, slots, Runtime.getRuntime().availableProcessors());
    }

    static WorkerCpu open(CpuSettings settings, int slots, int processors) {
        LocalWorkers.Registration r = LocalWorkers.register(settings.localDir(), slots);
        WorkerCpu cpu = new WorkerCpu(settings, slots, processors, r);
        configureEngine(cpu.last);
        LOG.info("CPU budget: {}; inter-op pool {} thread(s); workers registered in {}, measurement lock {}",
                cpu.last.describe(), INTER_OP_THREADS, settings.localDir(), cpu.gate.file());
        return cpu;
    }

    /**
     * The thread options DJL reads when the PyTorch engine loads (once per JVM): the inter-op pool and the threads of
     * threads that never apply a budget themselves. Options given on the command line are kept.
     */
    private static void configureEngine(ThreadBudget budget) {
        System.getProperties().putIfAbsent("ai.djl.pytorch.num_interop_threads", Integer.toString(INTER_OP_THREADS));
        System.getProperties().putIfAbsent("ai.djl.pytorch.num_threads", Integer.toString(budget.perSlot()));
    }

    /** The budget now, with the workers registered on this host now. */
    public ThreadBudget budget() {
        int local = settings.cpus() == null ? LocalWorkers.slots(settings.localDir()) : slots;
        return ThreadBudget.of(settings, processors, slots, local);
    }

    /** The intra-op threads latency is measured with ({@code NAS_LATENCY_THREADS}). */
    public int latencyThreads() {
        return settings.latencyThreads();
    }

    /** The host-wide measurement gate; training holds it around each unit of work. */
    public MeasurementGate gate() {
        return gate;
    }

    /** Applies the training budget to the engine on the calling thread; returns the threads PyTorch reports back. */
    public int applyTrainingThreads() {
        ThreadBudget now = budget();
        if (now.perSlot() != last.perSlot()) {
            LOG.info("CPU budget changed: {}", now.describe());
        }
        last = now;
        engineLoaded();
        JniUtils.setNumThreads(now.perSlot());
        return JniUtils.getNumThreads();
    }

    /** A latency measurement's value, the threads PyTorch ran it on, and whether it held the host-wide lock. */
    public record Measured<T>(T value, int threads, boolean exclusive) {}

    /**
     * Runs a latency measurement alone on this host with {@code NAS_LATENCY_THREADS} threads, then restores the
     * calling thread's training threads.
     */
    public <T> Measured<T> measureLatency(Supplier<T> measurement) {
        engineLoaded();
        int[] threads = new int[1];
        MeasurementGate.Exclusive<T> done = gate.exclusive(() -> {
            int training = JniUtils.getNumThreads();
            JniUtils.setNumThreads(settings.latencyThreads());
            try {
                threads[0] = JniUtils.getNumThreads();
                return measurement.get();
            } finally {
                JniUtils.setNumThreads(training);
            }
        });
        return new Measured<>(done.value(), threads[0], done.hostWide());
    }

    /**
     * Publishes the budget and the cost of exclusive measurements: {@code nas_worker_threads_per_slot},
     * {@code nas_worker_local_slots}, {@code nas_worker_measurement_wait_seconds_total{side=training|measurement}}
     * (training paused for measurements; measurements waiting for the gate) and
     * {@code nas_worker_latency_measurements_total{lock=host|process}}.
     */
    public void bindTo(MeterRegistry registry) {
        Gauge.builder("nas.worker.threads.per.slot", () -> last.perSlot())
                .description("intra-op threads each slot trains with (NAS_WORKER_CPUS, NAS_WORKER_THREADS)").register(registry);
        Gauge.builder("nas.worker.local.slots", () -> last.slotsSharing())
                .description("slots the CPUs are divided among: this host's registered workers, or this worker's own "
                        + "when NAS_WORKER_CPUS or NAS_WORKER_THREADS is set").register(registry);
        FunctionCounter.builder("nas.worker.measurement.wait", gate, MeasurementGate::workWaitSeconds).baseUnit("seconds")
                .tag("side", "training").description("time training paused at batch boundaries for latency measurements "
                        + "(this process) or measurements waited for the lock").register(registry);
        FunctionCounter.builder("nas.worker.measurement.wait", gate, MeasurementGate::measurementWaitSeconds).baseUnit("seconds")
                .tag("side", "measurement").description("time training paused at batch boundaries for latency measurements "
                        + "(this process) or measurements waited for the lock").register(registry);
        FunctionCounter.builder("nas.worker.latency.measurements", gate, g -> g.measurements(true)).tag("lock", "host")
                .description("latency measurements, with the host-wide lock (host) or only this process's (process)")
                .register(registry);
        FunctionCounter.builder("nas.worker.latency.measurements", gate, g -> g.measurements(false) - g.measurements(true))
                .tag("lock", "process")
                .description("latency measurements, with the host-wide lock (host) or only this process's (process)")
                .register(registry);
    }

    /** Loads the engine's natives if nothing has yet (the thread calls below are native). */
    private static void engineLoaded() {
        Engine.getEngine("PyTorch");
    }

    /** Removes this worker's registration. */
    @Override
    public void close() {
        registration.close();
    }
}
