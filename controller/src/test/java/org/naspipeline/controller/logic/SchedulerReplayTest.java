package org.naspipeline.controller.logic;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.naspipeline.api.Checkpoint;
import org.naspipeline.api.ExperimentSpec;
import org.naspipeline.api.JsonCodec;
import org.naspipeline.api.TrialMetrics;
import org.naspipeline.api.TrialRequest;
import org.naspipeline.api.TrialResult;
import org.naspipeline.strategy.StrategyRegistry;

/**
 * A controller that restarts before every record (state read back from its stored JSON, strategies rebuilt by
 * replaying their logs) decides exactly as one that never stopped: same requests, same events, for an ASHA and a
 * Hyperband experiment with regularized evolution, whose asks depend on every result told.
 */
class SchedulerReplayTest {
    static final int V = ExperimentSpec.SCHEMA_VERSION;

    @Test
    void ashaDecidesTheSameWhenTheControllerRestartsBeforeEveryResult() throws Exception {
        ExperimentSpec spec = spec("{\"type\": \"asha\"}");
        assertThat(run(spec, true)).isEqualTo(run(spec, false)).hasSizeGreaterThan(40);
    }

    @Test
    void hyperbandDecidesTheSameWhenTheControllerRestartsBeforeEveryResult() throws Exception {
        ExperimentSpec spec = spec("{\"type\": \"hyperband\", \"reductionFactor\": 2, \"minEpochs\": 1}");
        assertThat(run(spec, true)).isEqualTo(run(spec, false)).hasSizeGreaterThan(40);
    }

    static ExperimentSpec spec(String scheduler) throws Exception {
        String json = Files.readString(Path.of("..", "examples", "fashion-mnist.json"))
                .replace("\"maxTrials\": 4", "\"maxTrials\": 20")
                .replace("\"parallelism\": 2", "\"parallelism\": 3")
                .replace("\"epochs\": 2", "\"epochs\": 8")
                .replace("\"name\": \"random\"", "\"name\": \"regularized-evolution\"")
                .replace("\"training\"", "\"scheduler\": " + scheduler + ", \"training\"");
        return JsonCodec.readSpec(json.getBytes(StandardCharsets.UTF_8)).withId("replay");
    }

    /**
     * Plays the experiment to its end: requests are answered oldest first, each with metrics drawn from the candidate
     * and the epochs trained, with a checkpoint. Returns every request and event as canonical JSON, in order.
     */
    static List<String> run(ExperimentSpec spec, boolean restartEachTime) {
        Stored stored = new Stored();
        ExperimentLogic logic = new ExperimentLogic(StrategyRegistry.load());
        Effects effects = new Effects();
        ExperimentState state = logic.start(spec, new TrialTable.InMemory(), stored.log, 0, "test", effects);
        List<String> out = new ArrayList<>();
        List<TrialRequest> pending = new ArrayList<>();
        long now = 0;
        while (true) {
            effects.requests.forEach(r -> out.add(JsonCodec.canonicalJson(r)));
            effects.events.forEach(e -> out.add(JsonCodec.canonicalJson(e)));
            pending.addAll(effects.requests);
            if (pending.isEmpty()) {
                return out;
            }
            stored.save(state);
            if (restartEachTime) {
                logic = new ExperimentLogic(StrategyRegistry.load());
                state = stored.load(spec);
            }
            TrialRequest r = pending.remove(0);
            double quality = (r.candidate().canonicalHash().hashCode() & 0xFFFF) / 65536.0;
            TrialMetrics m = TrialMetrics.synthetic(0.5 + 0.3 * quality + 0.02 * r.training().epochs(), 1 + quality, 4000);
            Checkpoint ck = new Checkpoint("file:///ck/" + r.trialId() + "/" + r.attempt(), r.training().epochs(),
                    r.fidelity().resumeEpoch(), null);
            effects = new Effects();
            now += 1000;
            logic.apply(state, new TrialResult.Completed(V, r.experimentId(), r.trialId(), r.attempt(), "w", m, "file:///a", ck),
                    now, effects);
        }
    }

    /** What the controller's stores hold: the header and each trial as JSON, and the strategy log. */
    static final class Stored {
        byte[] header;
        final java.util.Map<String, byte[]> trials = new java.util.LinkedHashMap<>();
        final StrategyLog.InMemory log = new StrategyLog.InMemory();

        void save(ExperimentState state) {
            header = JsonCodec.write(state);
            state.trials.all().forEach(t -> trials.put(t.trialId, JsonCodec.write(t)));
        }

        ExperimentState load(ExperimentSpec spec) {
            List<TrialRecord> rows = new ArrayList<>();
            trials.values().forEach(raw -> rows.add(JsonCodec.readStoredState(raw, TrialRecord.class)));
            return JsonCodec.readStoredState(header, ExperimentState.class).attach(spec, new TrialTable.InMemory(rows), log);
        }
    }
}
