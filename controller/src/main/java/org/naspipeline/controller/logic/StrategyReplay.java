package org.naspipeline.controller.logic;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.naspipeline.api.Candidate;
import org.naspipeline.api.JsonCodec;
import org.naspipeline.api.TrialResult;
import org.naspipeline.strategy.SearchStrategy;
import org.naspipeline.strategy.StrategyContext;
import org.naspipeline.strategy.StrategyRegistry;

/**
 * Each experiment's live strategy, and its call log ({@code ask:N}, {@code tell:trialId}, {@code seed:rung:json}) in
 * the experiment's state.
 * The strategy object is not stored: it is rebuilt by replaying the log, which gives the same candidates because
 * strategies are deterministic for a seed and call sequence. A cached strategy remembers the log length it reflects,
 * so a rolled-back transaction (the store went back, the cache did not) forces a rebuild instead of diverging.
 */
final class StrategyReplay {
    private static final String SEED = "seed:";
    private final StrategyRegistry registry;
    /** Live strategies by experiment, with the log length they reflect; rebuilt by replay when stale. */
    private final Map<String, Cached> strategies = new HashMap<>();

    StrategyReplay(StrategyRegistry registry) {
        this.registry = registry;
    }

    /** Asks the experiment's strategy for {@code n} more candidates and logs the call. */
    List<Candidate> ask(ExperimentState state, int n) {
        List<Candidate> candidates = strategy(state).ask(n);
        state.logCall("ask:" + n);
        sync(state);
        return candidates;
    }

    /**
     * Tells the experiment's strategy the final {@code result} of {@code trial} and logs the call. Under a promoting
     * scheduler, the result is that of the trial's highest rung ({@code tell:trialId@rung} in the log, so a replay
     * tells the result of that rung even after the trial's result moved on).
     */
    void tell(ExperimentState state, TrialRecord trial, TrialResult result) {
        boolean rungs = result instanceof TrialResult.Completed && !trial.rungs.isEmpty();
        int rung = rungs ? trial.highestRung() : 0;
        strategy(state).tell(trial.candidate, result, rung);
        state.logCall("tell:" + trial.trialId + (rungs ? "@" + rung : ""));
        sync(state);
    }

    /**
     * Tells the experiment's strategy a result of the earlier experiment it warm-starts from, at {@code rung} of
     * this experiment's scheduler, and logs the seed itself ({@code seed:rung:json}): it is no trial of this
     * experiment, so the log is the only place a replay finds it.
     */
    void seed(ExperimentState state, WarmStartExchange.Seed seed, int rung) {
        strategy(state).seed(seed.candidate(), seed.result(), rung);
        state.logCall(SEED + rung + ":" + new String(JsonCodec.write(seed), StandardCharsets.UTF_8));
        sync(state);
    }

    private SearchStrategy strategy(ExperimentState state) {
        Cached cached = strategies.get(state.spec.id());
        if (cached != null && cached.logSize == state.strategyCalls) {
            return cached.strategy;
        }
        SearchStrategy strategy = registry.create(StrategyContext.of(state.spec));
        for (String call : state.strategyLog.all(state.strategyCalls)) {
            if (call.startsWith("ask:")) {
                strategy.ask(Integer.parseInt(call.substring(4)));
            } else if (call.startsWith(SEED)) {
                int colon = call.indexOf(':', SEED.length());
                WarmStartExchange.Seed seed = JsonCodec.readStoredState(
                        call.substring(colon + 1).getBytes(StandardCharsets.UTF_8), WarmStartExchange.Seed.class);
                strategy.seed(seed.candidate(), seed.result(), Integer.parseInt(call.substring(SEED.length(), colon)));
            } else {
                String told = call.substring(5);
                int at = told.indexOf('@');
                if (at < 0) {
                    TrialRecord trial = state.trials.get(told);
                    strategy.tell(trial.candidate, trial.result);
                } else {
                    TrialRecord trial = state.trials.get(told.substring(0, at));
                    int rung = Integer.parseInt(told.substring(at + 1));
                    strategy.tell(trial.candidate, trial.resultAt(rung), rung);
                }
            }
        }
        strategies.put(state.spec.id(), new Cached(strategy, state.strategyCalls));
        return strategy;
    }

    /** The cached strategy now reflects the log as it is after a call was appended. */
    private void sync(ExperimentState state) {
        Cached cached = strategies.get(state.spec.id());
        if (cached != null) {
            strategies.put(state.spec.id(), new Cached(cached.strategy, state.strategyCalls));
        }
    }

    /** Drops a cached strategy, e.g. when the store rolled back and the cache may be ahead of it. */
    void forget(String experimentId) {
        strategies.remove(experimentId);
    }

    /** Drops every cached strategy (processing failed half-way: a cache may be ahead of its stored log). */
    void forgetAll() {
        strategies.clear();
    }

    private record Cached(SearchStrategy strategy, int logSize) {}
}
