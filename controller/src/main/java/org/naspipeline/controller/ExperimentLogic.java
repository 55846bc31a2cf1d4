package org.naspipeline.controller;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.naspipeline.api.Candidate;
import org.naspipeline.api.ExperimentEvent;
import org.naspipeline.api.ExperimentSpec;
import org.naspipeline.api.ExperimentStatus;
import org.naspipeline.api.TrialEvent;
import org.naspipeline.api.TrialRequest;
import org.naspipeline.api.TrialResult;
import org.naspipeline.api.TrialStatus;
import org.naspipeline.api.ValidationError;
import org.naspipeline.strategy.SearchStrategy;
import org.naspipeline.strategy.StrategyContext;
import org.naspipeline.strategy.StrategyRegistry;

/**
 * The controller's decisions, free of Kafka: accept a spec, keep {@code parallelism} trials in flight, apply
 * results once per (trialId, attempt), retry retriable failures, and complete the experiment. The Streams
 * processor feeds it records and writes out its {@link Effects}.
 */
final class ExperimentLogic {
    private static final int V = ExperimentSpec.SCHEMA_VERSION;
    private final StrategyRegistry registry;
    /** Live strategies by experiment, with the log length they reflect; rebuilt by replay when stale. */
    private final Map<String, CachedStrategy> strategies = new HashMap<>();

    ExperimentLogic(StrategyRegistry registry) {
        this.registry = registry;
    }

    /** Semantic checks beyond the spec's own: the strategy name and settings. */
    List<ValidationError> validate(ExperimentSpec spec) {
        List<ValidationError> errors = new ArrayList<>(spec.validate());
        if (errors.isEmpty()) {
            errors.addAll(registry.validate(StrategyContext.of(spec)));
        }
        return errors;
    }

    /** Starts a validated experiment and schedules its first trials. */
    ExperimentState start(ExperimentSpec spec, Effects effects) {
        ExperimentState state = new ExperimentState(spec);
        effects.events.add(new ExperimentEvent.Accepted(V, spec.id(), spec));
        fill(state, effects);
        return state;
    }

    /** Applies a worker report to the experiment. */
    void apply(ExperimentState state, TrialEvent event, Effects effects) {
        TrialRecord trial = state.trials.get(event.trialId());
        if (trial == null) {
            effects.deadLetterReason = "trial " + event.trialId() + " is unknown to experiment " + event.experimentId();
            return;
        }
        if (event instanceof TrialResult result) {
            applyResult(state, trial, result, effects);
        } else if (event instanceof TrialEvent.Started started
                && started.attempt() == trial.attempt && trial.status == TrialStatus.SCHEDULED) {
            trial.status = TrialStatus.RUNNING;
        } else {
            // Progress is for watchers and early stopping; a late "started" changes nothing.
            effects.dropped = true;
        }
    }

    private void applyResult(ExperimentState state, TrialRecord trial, TrialResult result, Effects effects) {
        String key = result.trialId() + "#" + result.attempt();
        if (!state.seenResults.add(key) || result.attempt() != trial.attempt || !trial.inFlight()) {
            effects.dropped = true;
            return;
        }
        String experimentId = state.spec.id();
        if (result instanceof TrialResult.Failed f && f.retriable() && trial.attempt < state.spec.budget().maxAttempts()
                && state.status == ExperimentStatus.RUNNING) {
            trial.attempt++;
            trial.status = TrialStatus.SCHEDULED;
            effects.requests.add(request(state, trial));
            effects.events.add(new ExperimentEvent.TrialScheduled(V, experimentId, trial.trialId, trial.attempt, trial.candidate));
            return;
        }
        trial.result = result;
        if (result instanceof TrialResult.Completed c) {
            trial.status = TrialStatus.COMPLETED;
            state.completed++;
            if (state.bestAccuracy == null || c.metrics().accuracy() > state.bestAccuracy) {
                state.bestAccuracy = c.metrics().accuracy();
                state.bestTrialId = trial.trialId;
            }
        } else {
            trial.status = TrialStatus.FAILED;
            state.failed++;
        }
        strategy(state).tell(trial.candidate, result);
        state.strategyLog.add("tell:" + trial.trialId);
        syncCache(state);
        effects.events.add(new ExperimentEvent.TrialFinished(V, experimentId, trial.trialId, trial.candidate,
                trial.status, result instanceof TrialResult.Completed c ? c.metrics() : null,
                result instanceof TrialResult.Failed f ? f.reason() : null,
                state.completed, state.failed, state.spec.budget().maxTrials(), state.bestTrialId));
        fill(state, effects);
    }

    /** Asks the strategy for exactly the missing number of trials, then completes the experiment if all ended. */
    private void fill(ExperimentState state, Effects effects) {
        if (state.status != ExperimentStatus.RUNNING) {
            return;
        }
        int want = Math.min(state.spec.budget().parallelism() - state.inFlight(), state.spec.budget().maxTrials() - state.issued);
        if (want > 0) {
            List<Candidate> candidates = strategy(state).ask(want);
            state.strategyLog.add("ask:" + want);
            syncCache(state);
            for (Candidate candidate : candidates) {
                state.issued++;
                TrialRecord trial = new TrialRecord(String.format("%s-t%04d", state.spec.id(), state.issued), candidate);
                state.trials.put(trial.trialId, trial);
                effects.requests.add(request(state, trial));
                effects.events.add(new ExperimentEvent.TrialScheduled(V, state.spec.id(), trial.trialId, 1, candidate));
            }
        }
        if (state.issued >= state.spec.budget().maxTrials() && state.inFlight() == 0) {
            state.status = ExperimentStatus.COMPLETED;
            effects.events.add(new ExperimentEvent.Completed(V, state.spec.id(), state.status, state.completed,
                    state.failed, state.bestTrialId, state.bestAccuracy));
        }
    }

    private static TrialRequest request(ExperimentState state, TrialRecord trial) {
        ExperimentSpec spec = state.spec;
        // Each trial gets its own seed, stable across attempts, derived from the experiment seed.
        long seed = spec.strategy().seed() * 1_000_003L + trial.trialId.hashCode();
        return new TrialRequest(V, spec.id(), trial.trialId, trial.attempt, trial.candidate, spec.dataset(),
                spec.training().withOverrides(trial.candidate.parameters()), seed);
    }

    private SearchStrategy strategy(ExperimentState state) {
        CachedStrategy cached = strategies.get(state.spec.id());
        if (cached != null && cached.logSize == state.strategyLog.size()) {
            return cached.strategy;
        }
        SearchStrategy strategy = registry.create(StrategyContext.of(state.spec));
        for (String call : state.strategyLog) {
            if (call.startsWith("ask:")) {
                strategy.ask(Integer.parseInt(call.substring(4)));
            } else {
                TrialRecord told = state.trials.get(call.substring(5));
                strategy.tell(told.candidate, told.result);
            }
        }
        strategies.put(state.spec.id(), new CachedStrategy(strategy, state.strategyLog.size()));
        return strategy;
    }

    private void syncCache(ExperimentState state) {
        CachedStrategy cached = strategies.get(state.spec.id());
        if (cached != null) {
            strategies.put(state.spec.id(), new CachedStrategy(cached.strategy, state.strategyLog.size()));
        }
    }

    /** Drops a cached strategy, e.g. when the store rolled back and the cache may be ahead of it. */
    void forget(String experimentId) {
        strategies.remove(experimentId);
    }

    private record CachedStrategy(SearchStrategy strategy, int logSize) {}
}
