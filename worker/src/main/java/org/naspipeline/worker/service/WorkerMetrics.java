package org.naspipeline.worker.service;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntSupplier;

/** The worker metrics (docs/observability.md lists them). Tags are low-cardinality: never a trial id. */
public final class WorkerMetrics {
    /** Why a trial failed, as a bounded tag value. */
    public enum FailureReason {
        /** Stopped by the controller (early stopping). */
        STOPPED,
        /** Cancelled with its experiment. */
        CANCELLED,
        /** The evaluator reported a failure it calls retriable (I/O, engine error). */
        RETRIABLE,
        /** The evaluator reported a failure that would repeat (unbuildable model, diverged training). */
        PERMANENT,
        /** The evaluator threw instead of reporting. */
        CRASHED;

        String tag() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private final MeterRegistry registry;
    private final AtomicLong samplesPerSecond = new AtomicLong(Double.doubleToLongBits(0));
    private final Counter rebalances;
    private final Counter invalidControlRecords;
    private final java.util.Map<AttemptMemory.SkipReason, Counter> skipped = new java.util.EnumMap<>(AttemptMemory.SkipReason.class);
    private final java.util.Map<String, java.util.concurrent.atomic.AtomicLong> deviceMemory = new java.util.concurrent.ConcurrentHashMap<>();

    /** Registers the gauges over the worker's slot counts. */
    public WorkerMetrics(MeterRegistry registry, int slots, IntSupplier busySlots) {
        this(registry, slots, busySlots, () -> 0.0);
    }

    /** As above, with the seconds since the poll loop last returned ({@code nas_worker_last_poll_age_seconds}). */
    public WorkerMetrics(MeterRegistry registry, int slots, IntSupplier busySlots, java.util.function.DoubleSupplier lastPollAgeSeconds) {
        this.registry = registry;
        Gauge.builder("nas.worker.last.poll.age", lastPollAgeSeconds::getAsDouble).baseUnit("seconds")
                .description("seconds since the worker's poll loop last returned (it polls at least every second while alive)")
                .register(registry);
        Gauge.builder("nas.worker.slots", () -> slots).description("trial slots of this worker").register(registry);
        Gauge.builder("nas.worker.busy.slots", busySlots::getAsInt).description("slots running a trial now").register(registry);
        Gauge.builder("nas.training.samples.per.second", () -> Double.longBitsToDouble(samplesPerSecond.get()))
                .description("training throughput of the last trial that finished").register(registry);
        rebalances = Counter.builder("nas.worker.rebalances").description("partition revocations and losses seen by this worker")
                .register(registry);
        invalidControlRecords = Counter.builder("nas.worker.control.records.invalid")
                .description("records on nas.trial-control that failed validation and were ignored (the owner of nas.trials partition 0 dead-letters them)")
                .register(registry);
        for (AttemptMemory.SkipReason reason : AttemptMemory.SkipReason.values()) {
            skipped.put(reason, Counter.builder("nas.worker.requests.skipped").tag("reason", reason.tag())
                    .description("trial requests committed without training: attempt cancelled, stopped, or already finished here")
                    .register(registry));
        }
    }

    /** Counts a request not run ({@code nas_worker_requests_skipped_total{reason}}). */
    void skipped(AttemptMemory.SkipReason reason) {
        skipped.get(reason).increment();
    }

    /** Counts an invalid control record ({@code nas_worker_control_records_invalid_total}). */
    void controlRecordInvalid() {
        invalidControlRecords.increment();
    }

    /** Records how long a pipeline phase took ({@code nas_trial_phase_seconds{phase}}). */
    public void phase(String phase, double seconds) {
        Timer.builder("nas.trial.phase").tag("phase", phase).publishPercentileHistogram()
                .description("time spent in each phase of the trial pipeline").register(registry)
                .record(Duration.ofNanos((long) (seconds * 1e9)));
    }

    /**
     * Device memory in use after the last trial trained on {@code device} ({@code nas_worker_device_peak_memory_bytes}).
     * Only GPUs report it: the CPU engine exposes none, so CPU workers never have the series.
     */
    public void devicePeakMemory(String device, long bytes) {
        deviceMemory.computeIfAbsent(device, d -> {
            java.util.concurrent.atomic.AtomicLong value = new java.util.concurrent.atomic.AtomicLong();
            Gauge.builder("nas.worker.device.peak.memory", value, java.util.concurrent.atomic.AtomicLong::get).baseUnit("bytes")
                    .tag("device", d).description("device memory in use after the last trial trained on this GPU").register(registry);
            return value;
        }).set(bytes);
    }

    /** The training throughput of a trial that just finished. */
    public void samplesPerSecond(double value) {
        samplesPerSecond.set(Double.doubleToLongBits(value));
    }

    /** Counts a failed trial ({@code nas_trials_failed_total{reason}}). */
    public void failed(FailureReason reason) {
        Counter.builder("nas.trials.failed").tag("reason", reason.tag()).description("trials that ended failed on this worker")
                .register(registry).increment();
    }

    /** Counts a record sent to {@code nas.dlq}, by the topic it came from ({@code nas_dlq_records_total{topic}}). */
    public void deadLettered(String sourceTopic) {
        Counter.builder("nas.dlq.records").tag("topic", sourceTopic).description("records sent to nas.dlq, by the topic they came from")
                .register(registry).increment();
    }

    /** Counts a rebalance that took partitions away. */
    public void rebalanced() {
        rebalances.increment();
    }
}
