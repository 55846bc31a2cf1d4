package org.naspipeline.controller;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.naspipeline.api.ExperimentStatus;
import org.naspipeline.api.TrialStatus;

/**
 * The controller metrics of CONVENTIONS.md §5. Counters are incremented as records are processed; under
 * exactly-once a transaction that aborts is processed again, so they can over-count by what an aborted
 * transaction held (rare: a crash or a fencing). Per-experiment gauges are refreshed from this instance's store
 * by {@link #refresh(List)}; the {@code experiment} tag is bounded by the experiments this instance owns.
 */
public final class ControllerMetrics {
    private final MeterRegistry registry;
    private final Counter ingested;
    private final Timer trialDuration;
    private final MultiGauge experiments;
    private final MultiGauge best;
    private final MultiGauge frontSize;
    private final MultiGauge hypervolume;
    /** {@code nas_trials_total} by experiment and status, looked up once (the registry's lookup builds an id per call). */
    private final Map<String, Counter> trials = new java.util.concurrent.ConcurrentHashMap<>();

    /** Meters in {@code registry}. */
    public ControllerMetrics(MeterRegistry registry) {
        this.registry = registry;
        ingested = Counter.builder("nas.results.ingested").description("worker reports applied by the controller").register(registry);
        trialDuration = Timer.builder("nas.trial.duration").description("scheduling to final result of a trial")
                .publishPercentileHistogram().register(registry);
        experiments = MultiGauge.builder("nas.experiments").description("experiments owned by this instance, by status").register(registry);
        best = MultiGauge.builder("nas.best.objective").description("best value reached per experiment").register(registry);
        frontSize = MultiGauge.builder("nas.pareto.front.size").description("trials on the Pareto front").register(registry);
        hypervolume = MultiGauge.builder("nas.hypervolume").description("hypervolume of the Pareto front").register(registry);
    }

    /** Metrics that go nowhere (embedded controllers, tests). */
    static ControllerMetrics none() {
        return new ControllerMetrics(new SimpleMeterRegistry());
    }

    void ingested() {
        ingested.increment();
    }

    void trialFinished(String experimentId, TrialStatus status, long durationMillis) {
        trials.computeIfAbsent(experimentId + '\u0000' + status.name(), k -> Counter.builder("nas.trials").tag("experiment", experimentId)
                .tag("status", status.name().toLowerCase(java.util.Locale.ROOT)).description("trials that ended, by status")
                .register(registry)).increment();
        if (durationMillis >= 0) {
            trialDuration.record(Duration.ofMillis(durationMillis));
        }
    }

    /** Counts a refused submission ({@code nas_submissions_rejected_total{reason}}). */
    void rejected(String reason) {
        Counter.builder("nas.submissions.rejected").tag("reason", reason).description("submissions refused, by reason")
                .register(registry).increment();
    }

    /** Replaces the per-experiment gauges with the figures of {@code owned}. */
    void refresh(List<ExperimentViews.Summary> owned) {
        Map<ExperimentStatus, Integer> byStatus = new TreeMap<>();
        for (ExperimentStatus s : ExperimentStatus.values()) {
            byStatus.put(s, 0);
        }
        List<MultiGauge.Row<?>> bestRows = new ArrayList<>();
        List<MultiGauge.Row<?>> frontRows = new ArrayList<>();
        List<MultiGauge.Row<?>> hvRows = new ArrayList<>();
        for (ExperimentViews.Summary s : owned) {
            byStatus.merge(s.status(), 1, Integer::sum);
            if (s.bestAccuracy() != null) {
                bestRows.add(MultiGauge.Row.of(Tags.of("experiment", s.id(), "metric", "accuracy"), s.bestAccuracy()));
            }
            frontRows.add(MultiGauge.Row.of(Tags.of("experiment", s.id()), s.paretoFrontSize()));
            if (s.hypervolume() != null) {
                hvRows.add(MultiGauge.Row.of(Tags.of("experiment", s.id()), s.hypervolume()));
            }
        }
        List<MultiGauge.Row<?>> statusRows = new ArrayList<>();
        byStatus.forEach((status, n) -> statusRows.add(MultiGauge.Row.of(Tags.of("status", status.name().toLowerCase(java.util.Locale.ROOT)), n)));
        experiments.register(statusRows, true);
        best.register(bestRows, true);
        frontSize.register(frontRows, true);
        hypervolume.register(hvRows, true);
    }
}
