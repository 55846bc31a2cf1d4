package org.naspipeline.controller.metrics;

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
import org.naspipeline.controller.logic.ExperimentViews;

/**
 * The controller's metrics (docs/observability.md lists them). Counters are incremented as records are processed;
 * under exactly-once a transaction that aborts is processed again, so they can over-count by what an aborted
 * transaction held (rare: a crash or a fencing). Per-experiment gauges are refreshed from this instance's store
 * by {@link #refresh(List)}. The {@code experiment} tag stays bounded: an experiment's series (gauges and
 * {@code nas_trials_total}) are removed {@code retention} after this instance first sees it ended.
 */
public final class ControllerMetrics {
    private final MeterRegistry registry;
    private final Counter ingested;
    private final Timer trialDuration;
    private final MultiGauge experiments;
    private final MultiGauge best;
    private final MultiGauge frontSize;
    private final MultiGauge hypervolume;
    private final MultiGauge running;
    private final Counter threadReplacements;
    private final Timer reaction;
    private final Duration retention;
    /** When this instance first saw each ended experiment ended (epoch millis), for the retention. */
    private final Map<String, Long> endedAt = new java.util.concurrent.ConcurrentHashMap<>();
    /** {@code nas_trials_total} by experiment and status, looked up once (the registry's lookup builds an id per call). */
    private final Map<String, Counter> trials = new java.util.concurrent.ConcurrentHashMap<>();

    /** How long an ended experiment's series stay unless configured ({@code NAS_METRICS_RETENTION_SECONDS}). */
    public static final Duration DEFAULT_RETENTION = Duration.ofHours(1);

    /** Meters in {@code registry}, with the default retention of ended experiments' series. */
    public ControllerMetrics(MeterRegistry registry) {
        this(registry, DEFAULT_RETENTION);
    }

    /** Meters in {@code registry}; an ended experiment's series are removed {@code retention} after it ended. */
    public ControllerMetrics(MeterRegistry registry, Duration retention) {
        this.registry = registry;
        this.retention = retention;
        reaction = Timer.builder("nas.controller.reaction").description("a worker's result written → the controller's next "
                + "trial request for that experiment handed to the output (before the commit)").publishPercentileHistogram().register(registry);
        ingested = Counter.builder("nas.results.ingested").description("worker reports applied by the controller").register(registry);
        trialDuration = Timer.builder("nas.trial.duration").description("scheduling to final result of a trial")
                .publishPercentileHistogram().register(registry);
        experiments = MultiGauge.builder("nas.experiments").description("experiments owned by this instance, by status").register(registry);
        best = MultiGauge.builder("nas.best.objective").description("best value reached per experiment").register(registry);
        frontSize = MultiGauge.builder("nas.pareto.front.size").description("trials on the Pareto front").register(registry);
        hypervolume = MultiGauge.builder("nas.hypervolume").description("hypervolume of the Pareto front").register(registry);
        threadReplacements = Counter.builder("nas.controller.stream.thread.replacements")
                .description("controller stream threads that failed and were replaced").register(registry);
        running = MultiGauge.builder("nas.experiment.running")
                .description("1 while the experiment runs on this instance, 0 once paused or ended").register(registry);
    }

    /** Metrics that go nowhere (embedded controllers, tests). */
    public static ControllerMetrics none() {
        return new ControllerMetrics(new SimpleMeterRegistry());
    }

    public void ingested() {
        ingested.increment();
    }

    public void trialFinished(String experimentId, TrialStatus status, long durationMillis) {
        trials.computeIfAbsent(experimentId + '\u0000' + status.name(), k -> Counter.builder("nas.trials").tag("experiment", experimentId)
                .tag("status", status.name().toLowerCase(java.util.Locale.ROOT)).description("trials that ended, by status")
                .register(registry)).increment();
        if (durationMillis >= 0) {
            trialDuration.record(Duration.ofMillis(durationMillis));
        }
    }

    /** Records one reaction time ({@code nas_controller_reaction_seconds}). */
    public void reacted(long millis) {
        reaction.record(Duration.ofMillis(Math.max(0, millis)));
    }

    /** Counts a record sent to {@code nas.dlq}, by the topic it came from ({@code nas_dlq_records_total{topic}}). */
    public void deadLettered(String sourceTopic) {
        Counter.builder("nas.dlq.records").tag("topic", sourceTopic).description("records sent to nas.dlq, by the topic they came from")
                .register(registry).increment();
    }

    /** Counts a stream thread that died and was replaced ({@code nas_controller_stream_thread_replacements_total}). */
    public void streamThreadReplaced() {
        threadReplacements.increment();
    }

    /** Counts a refused submission ({@code nas_submissions_rejected_total{reason}}). */
    public void rejected(String reason) {
        Counter.builder("nas.submissions.rejected").tag("reason", reason).description("submissions refused, by reason")
                .register(registry).increment();
    }

    /** Replaces the per-experiment gauges with the figures of {@code owned}, as of now. */
    public void refresh(List<ExperimentViews.Summary> owned) {
        refresh(owned, System.currentTimeMillis());
    }

    /**
     * Replaces the per-experiment gauges with the figures of {@code owned} at {@code nowMillis}. Experiments that
     * ended more than the retention ago keep counting in {@code nas_experiments{status}} but lose their own series.
     */
    public void refresh(List<ExperimentViews.Summary> owned, long nowMillis) {
        Map<ExperimentStatus, Integer> byStatus = new TreeMap<>();
        for (ExperimentStatus s : ExperimentStatus.values()) {
            byStatus.put(s, 0);
        }
        List<MultiGauge.Row<?>> bestRows = new ArrayList<>();
        List<MultiGauge.Row<?>> frontRows = new ArrayList<>();
        List<MultiGauge.Row<?>> hvRows = new ArrayList<>();
        List<MultiGauge.Row<?>> runningRows = new ArrayList<>();
        java.util.Set<String> ownedIds = new java.util.HashSet<>();
        for (ExperimentViews.Summary s : owned) {
            byStatus.merge(s.status(), 1, Integer::sum);
            ownedIds.add(s.id());
            if (!expired(s, nowMillis)) {
                addRows(s, bestRows, frontRows, hvRows);
                runningRows.add(MultiGauge.Row.of(Tags.of("experiment", s.id()), s.status() == ExperimentStatus.RUNNING ? 1 : 0));
            }
        }
        // An experiment that moved to another instance is that instance's to report: drop what this one kept.
        endedAt.keySet().retainAll(ownedIds);
        removeTrialCounters(key -> !ownedIds.contains(key.substring(0, key.indexOf('\u0000'))));
        List<MultiGauge.Row<?>> statusRows = new ArrayList<>();
        byStatus.forEach((status, n) -> statusRows.add(MultiGauge.Row.of(Tags.of("status", status.name().toLowerCase(java.util.Locale.ROOT)), n)));
        experiments.register(statusRows, true);
        best.register(bestRows, true);
        frontSize.register(frontRows, true);
        hypervolume.register(hvRows, true);
        running.register(runningRows, true);
    }

    /** Whether {@code s} ended longer than the retention ago; if so its trial counters are removed here. */
    private boolean expired(ExperimentViews.Summary s, long nowMillis) {
        boolean ended = s.status() == ExperimentStatus.COMPLETED || s.status() == ExperimentStatus.CANCELLED
                || s.status() == ExperimentStatus.FAILED;
        if (!ended) {
            endedAt.remove(s.id());
            return false;
        }
        long since = endedAt.computeIfAbsent(s.id(), id -> nowMillis);
        if (nowMillis - since < retention.toMillis()) {
            return false;
        }
        removeTrialCounters(key -> key.startsWith(s.id() + '\u0000'));
        return true;
    }

    private void removeTrialCounters(java.util.function.Predicate<String> which) {
        trials.entrySet().removeIf(e -> {
            if (which.test(e.getKey())) {
                registry.remove(e.getValue());
                return true;
            }
            return false;
        });
    }

    private static void addRows(ExperimentViews.Summary s, List<MultiGauge.Row<?>> bestRows, List<MultiGauge.Row<?>> frontRows,
                                List<MultiGauge.Row<?>> hvRows) {
        if (s.bestAccuracy() != null) {
            bestRows.add(MultiGauge.Row.of(Tags.of("experiment", s.id(), "metric", "accuracy"), s.bestAccuracy()));
        }
        frontRows.add(MultiGauge.Row.of(Tags.of("experiment", s.id()), s.paretoFrontSize()));
        if (s.hypervolume() != null) {
            hvRows.add(MultiGauge.Row.of(Tags.of("experiment", s.id()), s.hypervolume()));
        }
    }
}
