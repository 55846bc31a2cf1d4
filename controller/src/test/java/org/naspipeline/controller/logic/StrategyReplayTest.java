package org.naspipeline.controller.logic;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.naspipeline.api.Candidate;
import org.naspipeline.api.ExperimentSpec;
import org.naspipeline.api.JsonCodec;
import org.naspipeline.api.TrialResult;
import org.naspipeline.strategy.StrategyRegistry;

/** A strategy rebuilt from the call log answers exactly as the live one it replaces. */
class StrategyReplayTest {
    static final int V = ExperimentSpec.SCHEMA_VERSION;

    @Test
    void aStrategyReplayedBeforeEveryCallAsksWhatTheLiveOneAsks() throws Exception {
        List<String> live = run(false);
        List<String> replayed = run(true);
        assertThat(live).hasSize(5);
        assertThat(replayed).isEqualTo(live);
        assertThat(live).doesNotHaveDuplicates();
    }

    /** Asks 2, tells both (failed), asks 3; with {@code forget}, the cache is dropped before each call. */
    private static List<String> run(boolean forget) throws Exception {
        ExperimentSpec spec = JsonCodec.readSpec(Files.readAllBytes(Path.of("..", "examples", "multi-objective.json"))).withId("replay");
        ExperimentState state = new ExperimentState(spec);
        StrategyReplay strategies = new StrategyReplay(StrategyRegistry.load());
        List<Candidate> first = strategies.ask(state, 2);
        for (int i = 0; i < first.size(); i++) {
            TrialRecord trial = new TrialRecord(ExperimentState.trialId("replay", i + 1), first.get(i), i, 0);
            trial.result = new TrialResult.Failed(V, "replay", trial.trialId, 1, "w", "failed on purpose", false);
            state.trials.put(trial);
            if (forget) {
                strategies.forget("replay");
            }
            strategies.tell(state, trial, trial.result);
        }
        if (forget) {
            strategies.forgetAll();
        }
        List<Candidate> next = strategies.ask(state, 3);
        assertThat(state.strategyCalls).isEqualTo(4);
        return java.util.stream.Stream.concat(first.stream(), next.stream()).map(JsonCodec::canonicalJson).toList();
    }
}
