package org.naspipeline.controller.logic;

import java.util.ArrayList;
import java.util.List;
import org.naspipeline.api.Candidate;
import org.naspipeline.api.ExperimentEvent;
import org.naspipeline.api.ExperimentSpec;
import org.naspipeline.api.ExperimentStatus;
import org.naspipeline.api.TrialControl;
import org.naspipeline.api.TrialEvent;
import org.naspipeline.api.TrialRequest;
import org.naspipeline.api.TrialResult;
import org.naspipeline.api.TrialStatus;
import org.naspipeline.api.ValidationError;
import org.naspipeline.strategy.StrategyContext;
import org.naspipeline.strategy.StrategyRegistry;

/**
 * The controller's decisions, free of Kafka: the experiment lifecycle. Accept a spec, keep {@code parallelism} trials
 * in flight, apply results once per (trialId, attempt), retry retriable failures, time out silent attempts, pause,
 * resume, cancel, and complete the experiment. The Streams processor feeds it records and writes out its
 * {@link Effects}. Separate concerns live beside it: the scheduler that decides how long trials train and which
 * are promoted ({@link TrialScheduler}: the median rule, ASHA, Hyperband), the teacher trial ({@link TeacherTrial})
 * and the strategies rebuilt by replay ({@link StrategyReplay}).
 *
 * <p>Under a scheduler that promotes, a trial runs rung by rung: each rung is an attempt that ends with a result
 * (recorded in {@link TrialRecord#rungs}, told to the strategy, and a {@code trial-finished} event with its rung),
 * the slot is freed, and a later promotion continues the trial as a new attempt. {@code budget.maxAttempts} counts
 * the attempts of one rung; {@code budget.maxTrials} counts trials, not rungs.
 */
public final class ExperimentLogic {
    private static final int V = ExperimentSpec.SCHEMA_VERSION;
    private final StrategyRegistry registry;
    /** Live strategies by experiment, rebuilt by replaying their call logs when stale. */
    private final StrategyReplay strategies;

    public ExperimentLogic(StrategyRegistry registry) {
        this.registry = registry;
        this.strategies = new StrategyReplay(registry);
    }

    /** Semantic checks beyond the spec's own: the strategy name and settings. */
    public List<ValidationError> validate(ExperimentSpec spec) {
        List<ValidationError> errors = new ArrayList<>(spec.validate());
        if (errors.isEmpty()) {
            errors.addAll(registry.validate(StrategyContext.of(spec)));
            java.math.BigInteger distinct = spec.searchSpace().cardinality();
            if (distinct.compareTo(java.math.BigInteger.valueOf(spec.budget().maxTrials())) < 0) {
                errors.add(new ValidationError("budget.maxTrials", "exceeds the " + distinct
                        + " distinct candidates of the search space (got " + spec.budget().maxTrials() + ")"));
            }
        }
        return errors;
    }

    /** Starts a validated experiment and schedules its first trials. */
    public ExperimentState start(ExperimentSpec spec, TrialTable trials, StrategyLog log, long nowMillis, String actor, Effects effects) {
        ExperimentState state = new ExperimentState(spec);
        state.trials = trials;
        state.strategyLog = log;
        state.startedAtMillis = nowMillis;
        effects.events.add(new ExperimentEvent.Accepted(V, spec.id(), spec, actor));
        if (spec.warmStart() != null) {
            state.warmStart = new WarmStart(spec.warmStart().fromExperiment());
            effects.events.add(new ExperimentEvent.StatusChanged(V, spec.id(), state.status, "waiting for the completed results "
                    + "of experiment '" + state.warmStart.fromExperiment + "' (warmStart)", ExperimentEvent.CONTROLLER));
        }
        fill(state, nowMillis, effects);
        return state;
    }

    /**
     * Applies the answer to the experiment's warm-start request: refused, the experiment fails with the answer's
     * errors (a {@code rejected} event with their paths, then {@code completed} with status failed); else each seed
     * is told to the strategy ({@code seed:rung:json} in the call log, so a replay tells it again) and the
     * search starts. Seeds are not trials: no count, best or front changes.
     */
    public void warmStart(ExperimentState state, WarmStartExchange.Answer answer, long nowMillis, Effects effects) {
        String unfit = WarmStart.unfit(state, answer);
        if (unfit != null) {
            effects.deadLetterReason = unfit;
            return;
        }
        WarmStart warm = state.warmStart;
        warm.waiting = false;
        String id = state.spec.id();
        if (!answer.errors().isEmpty()) {
            state.status = ExperimentStatus.FAILED;
            effects.events.add(new ExperimentEvent.Rejected(V, id, answer.errors(), ExperimentEvent.CONTROLLER));
            effects.events.add(new ExperimentEvent.Completed(V, id, state.status, 0, 0, null, null, ExperimentEvent.CONTROLLER));
            return;
        }
        for (WarmStartExchange.Seed seed : answer.seeds()) {
            strategies.seed(state, seed, WarmStart.rung(state.spec, seed));
        }
        warm.seeded = answer.seeds().size();
        warm.skipped = answer.skipped();
        warm.leftOut = answer.leftOut();
        effects.events.add(new ExperimentEvent.StatusChanged(V, id, state.status, warm.summary(), ExperimentEvent.CONTROLLER));
        fill(state, nowMillis, effects);
    }

    /** Applies a worker report to the experiment. */
    public void apply(ExperimentState state, TrialEvent event, long nowMillis, Effects effects) {
        TrialRecord trial = state.trials.get(event.trialId());
        if (trial == null) {
            effects.deadLetterReason = "trial " + event.trialId() + " is unknown to experiment " + event.experimentId();
            return;
        }
        if (event instanceof TrialResult result) {
            applyResult(state, trial, result, nowMillis, effects);
        } else if (event.attempt() == trial.attempt && trial.inFlight()) {
            // started or progress of the current attempt: the trial is alive
            trial.lastActivityMillis = nowMillis;
            state.trials.put(trial);
            if (event instanceof TrialEvent.Started) {
                trial.status = TrialStatus.RUNNING;
            } else if (event instanceof TrialEvent.Progress progress) {
                recordProgress(state, trial, progress, effects);
            }
        } else {
            effects.dropped = true; // a report of an earlier attempt, or of a trial that already ended
        }
    }

    private void applyResult(ExperimentState state, TrialRecord trial, TrialResult result, long nowMillis, Effects effects) {
        // A repeated result finds its attempt ended (finished, or replaced by a retry with attempt + 1).
        if (result.attempt() != trial.attempt || !trial.inFlight()) {
            effects.dropped = true;
            return;
        }
        if (result instanceof TrialResult.Failed f && f.retriable() && retry(state, trial, nowMillis, effects)) {
            return;
        }
        finish(state, trial, result, nowMillis, effects);
    }

    private void recordProgress(ExperimentState state, TrialRecord trial, TrialEvent.Progress progress, Effects effects) {
        List<Double> curve = trial.bestValidationByEpoch;
        if (progress.epoch() == curve.size() && !curve.isEmpty() && state.spec.effectiveScheduler().countsExamples()) {
            // rungs of examples may end inside an epoch: its continuation reports the same epoch again, at its end
            curve.set(curve.size() - 1, Math.max(curve.get(curve.size() - 1), progress.validationAccuracy()));
            return;
        }
        if (progress.epoch() != curve.size() + 1) {
            return; // a repeated or out-of-order epoch report (redelivery) adds nothing
        }
        double best = curve.isEmpty() ? progress.validationAccuracy() : Math.max(curve.get(curve.size() - 1), progress.validationAccuracy());
        curve.add(best);
        state.scheduler().onProgress(state, trial, progress, best, effects);
    }

    /** Schedules the next attempt of a trial if attempts are left; returns whether it did. */
    private boolean retry(ExperimentState state, TrialRecord trial, long nowMillis, Effects effects) {
        if (trial.attempt - trial.rungFirstAttempt + 1 >= state.spec.budget().maxAttempts() || !state.active()) {
            return false;
        }
        nextAttempt(state, trial, nowMillis);
        state.trials.put(trial);
        effects.requests.add(request(state, trial));
        effects.events.add(scheduled(state, trial));
        return true;
    }

    /**
     * Makes {@code trial} ready for its next attempt: scheduled now, not told to stop, its best-so-far curve kept
     * up to the epoch the attempt continues from (none when it trains from scratch).
     */
    private static void nextAttempt(ExperimentState state, TrialRecord trial, long nowMillis) {
        trial.attempt++;
        trial.status = TrialStatus.SCHEDULED;
        trial.lastActivityMillis = nowMillis;
        trial.scheduledAtMillis = nowMillis;
        trial.stopRequested = false;
        org.naspipeline.api.Fidelity fidelity = state.scheduler().fidelity(trial);
        int keep = fidelity == null ? 0 : fidelity.resumeEpoch() != null ? fidelity.resumeEpoch()
                : fidelity.resumeExamples() != null ? epochEndedIn(trial.resultAt(trial.rung - 1)) : 0;
        trial.bestValidationByEpoch = new ArrayList<>(trial.bestValidationByEpoch.subList(0,
                Math.min(keep, trial.bestValidationByEpoch.size())));
    }

    /**
     * The epoch a rung's training ended in, as its checkpoint says (rungs of examples end inside epochs); 0 when
     * unknown. The curve keeps that epoch: its continuation reports it again, complete.
     */
    private static int epochEndedIn(TrialResult.Completed below) {
        return below == null || below.checkpoint() == null ? 0 : below.checkpoint().epoch();
    }

    /** The event of scheduling the current attempt of {@code trial} (with its rung under a promoting scheduler). */
    private static ExperimentEvent.TrialScheduled scheduled(ExperimentState state, TrialRecord trial) {
        boolean rungs = !state.isTeacher(trial.trialId) && state.scheduler().promotes();
        return new ExperimentEvent.TrialScheduled(V, state.spec.id(), trial.trialId, trial.attempt, trial.candidate,
                rungs ? trial.rung : null);
    }

    /** Continues {@code trial} from its highest rung to the next on {@code slot}: a new attempt, from its checkpoint. */
    private void promote(ExperimentState state, TrialRecord trial, int slot, long nowMillis, Effects effects) {
        trial.rung = trial.highestRung() + 1;
        trial.rungFirstAttempt = trial.attempt + 1;
        nextAttempt(state, trial, nowMillis);
        trial.slot = slot;
        state.trials.put(trial);
        state.inFlight.hold(trial.trialId, slot);
        effects.requests.add(request(state, trial));
        effects.events.add(scheduled(state, trial));
    }

    /**
     * Gives up attempts that have shown no sign of life for {@code budget.trialTimeoutSeconds}: the worker
     * died without its partition being reassigned yet, or the request was lost. The attempt is cancelled on
     * {@code nas.trial-control} (in case its worker is merely stuck) and retried, or failed when no attempts
     * are left.
     */
    public void expireStaleTrials(ExperimentState state, long nowMillis, Effects effects) {
        if (!state.active()) {
            return;
        }
        long limit = state.spec.budget().trialTimeoutSeconds() * 1000L;
        for (TrialRecord trial : state.inFlightTrials()) {
            if (nowMillis - trial.lastActivityMillis < limit) {
                continue;
            }
            String reason = "no report from attempt " + trial.attempt + " for " + state.spec.budget().trialTimeoutSeconds() + " s";
            effects.controls.add(new TrialControl(V, state.spec.id(), trial.trialId, trial.attempt, TrialControl.Action.CANCEL, reason));
            if (!retry(state, trial, nowMillis, effects)) {
                finish(state, trial, new TrialResult.Failed(V, state.spec.id(), trial.trialId, trial.attempt, "controller",
                        reason + " (timed out)", false), nowMillis, effects);
            }
        }
    }

    /**
     * Pauses a running experiment (nothing new is scheduled; running trials finish, and a retriable failure is
     * still retried, as it already holds its slot) or resumes a paused one. Anything else is dropped.
     */
    public void pauseOrResume(ExperimentState state, boolean pause, String reason, String actor, long nowMillis, Effects effects) {
        ExperimentStatus from = pause ? ExperimentStatus.RUNNING : ExperimentStatus.PAUSED;
        if (state.status != from) {
            effects.dropped = true;
            return;
        }
        state.status = pause ? ExperimentStatus.PAUSED : ExperimentStatus.RUNNING;
        effects.events.add(new ExperimentEvent.StatusChanged(V, state.spec.id(), state.status, reason, actor));
        fill(state, nowMillis, effects);
    }

    /** Cancels a running experiment: no new trials, running attempts cancelled, the experiment ends as cancelled. */
    public void cancel(ExperimentState state, String reason, String actor, Effects effects) {
        if (!state.active()) {
            effects.dropped = true;
            return;
        }
        state.status = ExperimentStatus.CANCELLED;
        String why = reason == null ? "experiment cancelled" : "experiment cancelled: " + reason;
        for (TrialRecord trial : state.inFlightTrials()) {
            effects.controls.add(new TrialControl(V, state.spec.id(), trial.trialId, trial.attempt, TrialControl.Action.CANCEL, why));
            if (!trial.rungs.isEmpty()) {
                // a promotion in flight: the trial keeps the result of the rung it completed
                trial.promotionFailure = "rung " + trial.rung + ": " + why;
                trial.rung = trial.highestRung();
                trial.status = TrialStatus.COMPLETED;
                state.trials.put(trial);
                continue;
            }
            trial.status = TrialStatus.FAILED;
            trial.result = new TrialResult.Failed(V, state.spec.id(), trial.trialId, trial.attempt, "controller", why, false);
            if (!state.isTeacher(trial.trialId)) {
                state.failed++;
            }
            state.trials.put(trial);
        }
        state.inFlight.clear();
        effects.events.add(new ExperimentEvent.Completed(V, state.spec.id(), state.status, state.completed, state.failed,
                state.bestTrialId, state.bestAccuracy, actor));
    }

    private void finish(ExperimentState state, TrialRecord trial, TrialResult result, long nowMillis, Effects effects) {
        if (state.isTeacher(trial.trialId)) {
            if (TeacherTrial.finish(state, trial, result, nowMillis, effects)) {
                fill(state, nowMillis, effects);
            }
            return;
        }
        String experimentId = state.spec.id();
        TrialScheduler scheduler = state.scheduler();
        Integer rung = scheduler.promotes() ? trial.rung : null;
        trial.endedAtMillis = nowMillis;
        state.inFlight.release(trial.trialId);
        if (rung != null && result instanceof TrialResult.Failed f && !trial.rungs.isEmpty()) {
            // a promotion that failed for good: the trial keeps its lower rung's result and is not promoted again
            trial.promotionFailure = "rung " + rung + ": " + f.reason();
            trial.rung = trial.highestRung();
            trial.status = TrialStatus.COMPLETED;
            state.trials.put(trial);
            effects.events.add(new ExperimentEvent.TrialFinished(V, experimentId, trial.trialId, trial.candidate,
                    TrialStatus.FAILED, null, f.reason(), state.completed, state.failed, state.spec.budget().maxTrials(),
                    state.bestTrialId, rung));
            fill(state, nowMillis, effects);
            return;
        }
        boolean replaces = trial.result instanceof TrialResult.Completed;
        trial.result = result;
        List<ExperimentEvent> improvements = new ArrayList<>();
        if (result instanceof TrialResult.Completed c) {
            trial.status = TrialStatus.COMPLETED;
            if (rung != null) {
                Long examples = scheduler.examples(trial);
                int epochs = examples == null ? scheduler.epochs(trial, 0)
                        : c.checkpoint() != null ? c.checkpoint().epoch() : state.spec.training().epochs();
                trial.rungs.add(new TrialRecord.RungResult(rung, epochs, c, examples));
            }
            if (!replaces) {
                state.completed++;
            }
            state.trials.put(trial);
            improvements.addAll(replaces ? Standings.replace(state, trial, c) : Standings.offer(state, trial, c));
        } else {
            trial.status = TrialStatus.FAILED;
            state.failed++;
            state.trials.put(trial);
        }
        strategies.tell(state, trial, result);
        effects.events.add(new ExperimentEvent.TrialFinished(V, experimentId, trial.trialId, trial.candidate,
                trial.status, result instanceof TrialResult.Completed c ? c.metrics() : null,
                result instanceof TrialResult.Failed f ? f.reason() : null,
                state.completed, state.failed, state.spec.budget().maxTrials(), state.bestTrialId, rung));
        effects.events.addAll(improvements);
        fill(state, nowMillis, effects);
    }

    /** Asks the strategy for exactly the missing number of trials, then completes the experiment if all ended. */
    private void fill(ExperimentState state, long nowMillis, Effects effects) {
        if (state.status != ExperimentStatus.RUNNING) {
            return;
        }
        if (state.warmStart != null && state.warmStart.waiting) {
            return; // the strategy is seeded before its first ask
        }
        if (TeacherTrial.holdsSearch(state, nowMillis, effects)) {
            return; // the search starts once the teacher is trained
        }
        Integer maxDuration = state.spec.budget().maxDurationSeconds();
        boolean outOfTime = maxDuration != null && nowMillis - state.startedAtMillis >= maxDuration * 1000L;
        int free = outOfTime ? 0 : state.spec.budget().parallelism() - state.inFlight();
        TrialScheduler scheduler = state.scheduler();
        if (free > 0) {
            // promotions first (ASHA): a promising trial continues before a new one starts
            for (TrialRecord trial : scheduler.promotions(state, free)) {
                promote(state, trial, state.inFlight.freeSlot(), nowMillis, effects);
                free--;
            }
        }
        int want = Math.min(free, state.spec.budget().maxTrials() - state.issued);
        if (want > 0) {
            List<Candidate> candidates = strategies.ask(state, want);
            for (Candidate candidate : candidates) {
                state.issued++;
                int slot = state.inFlight.freeSlot();
                TrialRecord trial = new TrialRecord(ExperimentState.trialId(state.spec.id(), state.issued), candidate, slot, nowMillis);
                scheduler.place(trial, state.issued);
                state.trials.put(trial);
                state.inFlight.hold(trial.trialId, slot);
                effects.requests.add(request(state, trial));
                effects.events.add(scheduled(state, trial));
            }
        }
        if ((state.issued >= state.spec.budget().maxTrials() || outOfTime) && state.inFlight() == 0) {
            state.status = ExperimentStatus.COMPLETED;
            effects.events.add(new ExperimentEvent.Completed(V, state.spec.id(), state.status, state.completed,
                    state.failed, state.bestTrialId, state.bestAccuracy, ExperimentEvent.CONTROLLER));
        }
    }

    /** The request for the current attempt of {@code trial}. */
    static TrialRequest request(ExperimentState state, TrialRecord trial) {
        ExperimentSpec spec = state.spec;
        // Each trial gets its own seed, stable across attempts, derived from the experiment seed.
        long seed = spec.strategy().seed() * 1_000_003L + trial.trialId.hashCode();
        TrialScheduler scheduler = state.isTeacher(trial.trialId) ? TrialScheduler.NONE : state.scheduler();
        org.naspipeline.api.TrainingSpec training = spec.training().withOverrides(trial.candidate.parameters());
        int epochs = scheduler.epochs(trial, training.epochs());
        if (epochs != training.epochs()) {
            training = new org.naspipeline.api.TrainingSpec(epochs, training.batchSize(), training.learningRate(),
                    training.optimizer(), training.schedule());
        }
        return new TrialRequest(V, spec.id(), trial.trialId, trial.attempt, TeacherTrial.withTeacher(trial.candidate, state.teacherArtifact),
                spec.dataset(), training, seed, trial.slot, scheduler.fidelity(trial));
    }

    /** Drops a cached strategy, e.g. when the store rolled back and the cache may be ahead of it. */
    public void forget(String experimentId) {
        strategies.forget(experimentId);
    }

    /** Drops every cached strategy (processing failed half-way: a cache may be ahead of its stored log). */
    public void forgetAll() {
        strategies.forgetAll();
    }
}
