package org.naspipeline.controller.logic;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import java.util.ArrayList;
import java.util.List;
import org.naspipeline.api.ExperimentSpec;
import org.naspipeline.api.ExperimentStatus;

/**
 * The header of one experiment: one JSON value per experimentId in the {@code experiments} store, small and
 * bounded (its trials and strategy call log live in their own stores). The changelogs restore all three.
 */
@JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.ANY, getterVisibility = JsonAutoDetect.Visibility.NONE,
        isGetterVisibility = JsonAutoDetect.Visibility.NONE)
public final class ExperimentState {
    /**
     * The spec. Not part of this record's JSON: it never changes, so it is stored once, in its own store, instead
     * of being written again with every result.
     */
    @com.fasterxml.jackson.annotation.JsonIgnore
    public ExperimentSpec spec;
    public ExperimentStatus status;
    /** Wall-clock time of acceptance (for {@code budget.maxDurationSeconds}). */
    public long startedAtMillis;
    /** Who submitted it (the REST API's bearer-token tenant), or null. */
    public String tenant;
    /** Trials created so far; also the Katib-style request counter that names the next trial. */
    public int issued;
    public int completed;
    public int failed;
    public String bestTrialId;
    public Double bestAccuracy;
    /** The Pareto front of the feasible completed trials (see {@link ParetoTracker}). */
    public List<ParetoTracker.Point> front = new ArrayList<>();
    /** Per objective, the largest minimization value among feasible completed trials (the hypervolume reference). */
    public double[] worst;
    /** The warm start (see {@link WarmStart}), or null when the spec has none. */
    public WarmStart warmStart;
    /** Whether the teacher trial (see {@link #needsTeacher}) was scheduled. */
    public boolean teacherIssued;
    /** The artifact of the completed teacher trial, filled into every distilled candidate's request. */
    public String teacherArtifact;
    /**
     * The trials in flight and their slots: derived from the trial table, so not part of this record's JSON.
     * Null while not attached (a header read for a summary); see {@link #inFlight()}.
     */
    @com.fasterxml.jackson.annotation.JsonIgnore
    public InFlightTrials inFlight;
    /** The number of trials in flight as read from the JSON ({@code inFlightCount}), for readers that do not attach the set. */
    @com.fasterxml.jackson.annotation.JsonIgnore
    private int storedInFlightCount;
    /**
     * The trial table. Not part of this record's JSON: the controller keeps one store entry per trial, so a
     * result rewrites one trial and this small header, not the whole history.
     */
    @com.fasterxml.jackson.annotation.JsonIgnore
    public TrialTable trials = new TrialTable.InMemory();
    /** How many calls the strategy log holds (the log itself is not part of this record's JSON). */
    public int strategyCalls;
    /**
     * The strategy's call history, "ask:N", "tell:trialId" or "seed:rung:json", so the strategy can be rebuilt by
     * replay (it is deterministic for a seed and a call sequence). Kept out of the header: it grows with every trial.
     */
    @com.fasterxml.jackson.annotation.JsonIgnore
    public StrategyLog strategyLog = new StrategyLog.InMemory();

    /** The scheduler of {@link #spec}, built once per spec (it is derived from the spec alone). */
    @com.fasterxml.jackson.annotation.JsonIgnore
    private TrialScheduler scheduler;
    @com.fasterxml.jackson.annotation.JsonIgnore
    private ExperimentSpec schedulerOf;

    /** The experiment's scheduler ({@code scheduler.type}), built on first use for the attached spec. */
    TrialScheduler scheduler() {
        if (scheduler == null || schedulerOf != spec) {
            scheduler = TrialScheduler.of(spec);
            schedulerOf = spec;
        }
        return scheduler;
    }

    /** Appends a strategy call to the log. */
    public void logCall(String call) {
        strategyLog.append(strategyCalls, call);
        strategyCalls++;
    }

    public ExperimentState() {}

    public ExperimentState(ExperimentSpec spec) {
        this.spec = spec;
        this.status = ExperimentStatus.RUNNING;
        this.inFlight = new InFlightTrials();
    }

    /**
     * Reads the stored spec of experiment {@code id} ({@code raw}, from the spec store). A header without one was
     * written by a build before the spec store existed; that layout is not read (docs/architecture.md).
     */
    public static ExperimentSpec storedSpec(String id, byte[] raw) {
        if (raw == null) {
            throw new IllegalStateException("experiment '" + id + "' has a header but no stored spec: its state was written "
                    + "by an earlier build with another state layout; start this build with a new NAS_CONTROLLER_APP_ID");
        }
        return org.naspipeline.api.JsonCodec.readStoredState(raw, ExperimentSpec.class);
    }

    /** Attaches what the header's JSON leaves out: the spec, and the trial table with the trials in flight. */
    public ExperimentState attach(ExperimentSpec spec, TrialTable trials, StrategyLog log) {
        this.spec = spec;
        this.trials = trials;
        this.strategyLog = log;
        this.inFlight = active() ? InFlightTrials.of(trials.all()) : new InFlightTrials();
        return this;
    }

    /**
     * True when the experiment distils from a teacher that the controller trains first: the compression space
     * searches distillation and names a {@code teacherArchitecture} instead of a trained {@code teacher}.
     */
    public boolean needsTeacher() {
        org.naspipeline.api.CompressionSpace c = spec.searchSpace().compression();
        return c.teacherArchitecture() != null && c.distillation().contains(true);
    }

    /** The id of the teacher trial. */
    public String teacherTrialId() {
        return spec.id() + TEACHER_SUFFIX;
    }

    private static final String TEACHER_SUFFIX = "-teacher";

    /** The id of the {@code sequence}-th search trial: {@code <experimentId>-t0001}, …, {@code -t9999}, {@code -t10000}, …. */
    public static String trialId(String experimentId, int sequence) {
        String digits = Integer.toString(sequence);
        return experimentId + "-t" + "0000".substring(Math.min(4, digits.length())) + digits;
    }

    /**
     * The order in which an experiment's trials were created: the teacher first, then the search trials by
     * sequence number. (Their ids sort otherwise: {@code t10000} before {@code t1001}.)
     */
    public static java.util.Comparator<String> creationOrder(String experimentId) {
        String teacher = experimentId + TEACHER_SUFFIX;
        return java.util.Comparator.<String, Boolean>comparing(id -> !id.equals(teacher))
                .thenComparingInt(String::length).thenComparing(java.util.Comparator.naturalOrder());
    }

    public boolean isTeacher(String trialId) {
        return teacherIssued && trialId.equals(teacherTrialId());
    }

    /** Running or paused: trials may still be in flight and results are applied. */
    public boolean active() {
        return status == ExperimentStatus.RUNNING || status == ExperimentStatus.PAUSED;
    }

    /** The number of trials in flight. */
    public int inFlight() {
        return inFlight != null ? inFlight.size() : storedInFlightCount;
    }

    @com.fasterxml.jackson.annotation.JsonProperty("inFlightCount")
    private int inFlightCountForJson() {
        return inFlight();
    }

    @com.fasterxml.jackson.annotation.JsonProperty("inFlightCount")
    private void inFlightCountFromJson(int count) {
        storedInFlightCount = count;
    }

    /** The trials in flight, from the table. */
    public List<TrialRecord> inFlightTrials() {
        List<TrialRecord> out = new ArrayList<>();
        inFlight.ids().forEach(id -> out.add(trials.get(id)));
        return out;
    }
}
