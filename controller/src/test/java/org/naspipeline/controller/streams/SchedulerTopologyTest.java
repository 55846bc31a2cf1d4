package org.naspipeline.controller.streams;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import org.junit.jupiter.api.Test;
import org.naspipeline.api.Checkpoint;
import org.naspipeline.api.ExperimentEvent;
import org.naspipeline.api.ExperimentStatus;
import org.naspipeline.api.Fidelity;
import org.naspipeline.api.JsonCodec;
import org.naspipeline.api.TrialMetrics;
import org.naspipeline.api.TrialRequest;
import org.naspipeline.api.TrialResult;
import org.naspipeline.api.TrialStatus;
import org.naspipeline.controller.logic.TrialRecord;

/**
 * ASHA and Hyperband through the controller topology: which trial trains to which rung, in what order promotions
 * come, what a promoted request continues from, and what the trial table records. Workers are played by hand, so
 * every decision is checked against a trace worked out on paper from the rules in {@code SuccessiveHalving}.
 */
class SchedulerTopologyTest extends TopologyTestBase {
    static final int V = 1;

    /** The demo spec with {@code epochs} training epochs and the given scheduler block (JSON). */
    static byte[] spec(String file, int maxTrials, int epochs, String scheduler) throws Exception {
        String json = Files.readString(Path.of("..", "examples", file))
                .replaceAll("\"maxTrials\": \\d+", "\"maxTrials\": " + maxTrials)
                .replaceAll("\"parallelism\": \\d+", "\"parallelism\": 1")
                .replace("\"epochs\": 2", "\"epochs\": " + epochs)
                .replace("\"training\"", "\"scheduler\": " + scheduler + ", \"training\"");
        return json.getBytes(StandardCharsets.UTF_8);
    }

    List<TrialRequest> requests() {
        return trials.readValuesToList().stream().map(v -> JsonCodec.read(v, TrialRequest.class)).toList();
    }

    List<ExperimentEvent> events() {
        return events.readValuesToList().stream().map(v -> JsonCodec.read(v, ExperimentEvent.class)).toList();
    }

    static int sequence(String trialId) {
        return Integer.parseInt(trialId.substring(trialId.lastIndexOf("-t") + 2));
    }

    static String checkpointOf(TrialRequest r) {
        return "file:///artifacts/" + r.trialId() + "/attempt-" + r.attempt() + "/checkpoint.nasck";
    }

    void complete(TrialRequest r, TrialMetrics metrics, boolean withCheckpoint) {
        Fidelity f = r.fidelity();
        Checkpoint ck = f == null ? null : new Checkpoint(withCheckpoint && f.saveCheckpoint() ? checkpointOf(r) : null,
                r.training().epochs(), f.resumeEpoch(), null);
        results.pipeInput(r.experimentId(), JsonCodec.write(new TrialResult.Completed(V, r.experimentId(), r.trialId(),
                r.attempt(), "w", metrics, "file:///artifacts/" + r.trialId() + "/attempt-" + r.attempt(), ck)));
    }

    /** One line per request: {@code t<seq>/<attempt>/r<rung>/<epochs>ep}. */
    static String line(TrialRequest r) {
        return "t" + sequence(r.trialId()) + "/" + r.attempt() + "/r" + r.fidelity().rung() + "/" + r.training().epochs() + "ep";
    }

    /**
     * Plays a worker with one slot: each request completes at once with the metrics {@code metrics} gives, until the
     * controller asks for nothing more. Returns the requests in order.
     */
    List<TrialRequest> play(java.util.function.Function<TrialRequest, TrialMetrics> metrics) {
        List<TrialRequest> all = new ArrayList<>();
        List<TrialRequest> pending = new ArrayList<>(requests());
        while (!pending.isEmpty()) {
            TrialRequest r = pending.remove(0);
            all.add(r);
            complete(r, metrics.apply(r), true);
            pending.addAll(requests());
        }
        return all;
    }

    static final Map<Integer, Double> FIRST_RUNG = Map.of(1, 0.60, 2, 0.80, 3, 0.70, 4, 0.50, 5, 0.90, 6, 0.65, 7, 0.85,
            8, 0.55, 9, 0.75);

    /** Accuracy of the table above at rung 0, plus 0.02 per rung. */
    static TrialMetrics byTable(TrialRequest r) {
        return TrialMetrics.synthetic(FIRST_RUNG.get(sequence(r.trialId())) + 0.02 * r.fidelity().rung(), 1.0, 4000);
    }

    @Test
    void ashaPromotesTheTopThirdOfEachRungFromTheHighestRungDownAndContinuesFromTheCheckpoint() throws Exception {
        experiments.pipeInput("asha", spec("fashion-mnist.json", 9, 9, "{\"type\": \"asha\"}"));
        List<TrialRequest> sent = play(SchedulerTopologyTest::byTable);
        // worked out by hand: rungs at 1, 3 and 9 epochs; η = 3 keeps ⌊n/3⌋ of a rung
        assertThat(sent).extracting(SchedulerTopologyTest::line).containsExactly(
                "t1/1/r0/1ep", "t2/1/r0/1ep", "t3/1/r0/1ep",
                "t2/2/r1/3ep", // 3 at rung 0: the best (t2, 0.80) continues
                "t4/1/r0/1ep", "t5/1/r0/1ep",
                "t5/2/r1/3ep", // 5 at rung 0 keep 1: t5 (0.90)
                "t6/1/r0/1ep", "t7/1/r0/1ep",
                "t7/2/r1/3ep", // 7 at rung 0 keep 2: t5 went on, t7 (0.85) next
                "t5/3/r2/9ep", // 3 at rung 1 keep 1: t5 (0.92), before anything at rung 0
                "t8/1/r0/1ep", "t9/1/r0/1ep");
        TrialRequest top = sent.get(10);
        assertThat(top.fidelity()).isEqualTo(new Fidelity(2, 9, false, checkpointOf(sent.get(6)), 3));
        assertThat(sent.get(0).fidelity()).isEqualTo(new Fidelity(0, 9, true, null, null));
        assertThat(sent.get(3).fidelity().resumeFrom()).isEqualTo(checkpointOf(sent.get(1)));

        List<ExperimentEvent> evs = events();
        assertThat(evs).filteredOn(e -> e instanceof ExperimentEvent.TrialScheduled).extracting(e -> ((ExperimentEvent.TrialScheduled) e).rung())
                .containsExactly(0, 0, 0, 1, 0, 0, 1, 0, 0, 1, 2, 0, 0);
        assertThat(evs).filteredOn(e -> e instanceof ExperimentEvent.TrialFinished).hasSize(13);
        assertThat(evs.get(evs.size() - 1)).isInstanceOfSatisfying(ExperimentEvent.Completed.class, c -> {
            assertThat(c.status()).isEqualTo(ExperimentStatus.COMPLETED);
            assertThat(c.completedTrials()).isEqualTo(9); // trials, not rungs
            assertThat(c.bestTrialId()).isEqualTo("asha-t0005");
            assertThat(c.bestAccuracy()).isEqualTo(0.94, org.assertj.core.data.Offset.offset(1e-9));
        });
        TrialRecord t5 = trial("asha", "asha-t0005");
        assertThat(t5.rungs).extracting(TrialRecord.RungResult::rung, TrialRecord.RungResult::epochs,
                rr -> rr.result().attempt()).containsExactly(
                        org.assertj.core.groups.Tuple.tuple(0, 1, 1), org.assertj.core.groups.Tuple.tuple(1, 3, 2),
                        org.assertj.core.groups.Tuple.tuple(2, 9, 3));
        assertThat(((TrialResult.Completed) t5.result).metrics().accuracy()).isEqualTo(0.94, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(trial("asha", "asha-t0004").rungs).hasSize(1);
    }

    @Test
    void rungsOfTrainingExamplesPromoteInTheSameOrderAndNameTheExamplesToTrainToAndContinueFrom() throws Exception {
        experiments.pipeInput("ex", spec("fashion-mnist.json", 9, 2, "{\"type\": \"asha\", \"resource\": \"examples\", "
                + "\"minExamples\": 1000, \"maxExamples\": 9000}"));
        List<TrialRequest> sent = new ArrayList<>();
        List<TrialRequest> pending = new ArrayList<>(requests());
        while (!pending.isEmpty()) {
            TrialRequest r = pending.remove(0);
            sent.add(r);
            Fidelity f = r.fidelity();
            // a worker that ends each rung a few examples past its count (the batch that reaches it), as real ones do
            Checkpoint ck = new Checkpoint(f.saveCheckpoint() ? checkpointOf(r) : null, 1, null, null, f.examples() + 24,
                    f.resumeExamples() == null ? null : f.resumeExamples() + 24);
            results.pipeInput(r.experimentId(), JsonCodec.write(new TrialResult.Completed(V, r.experimentId(), r.trialId(),
                    r.attempt(), "w", byTable(r), "file:///artifacts/" + r.trialId() + "/attempt-" + r.attempt(), ck)));
            pending.addAll(requests());
        }
        // the trace of the epochs case above, with rungs at 1,000, 3,000 and 9,000 examples; training.epochs stays 2
        assertThat(sent).extracting(r -> "t" + sequence(r.trialId()) + "/" + r.attempt() + "/r" + r.fidelity().rung() + "/"
                + r.fidelity().examples() + "ex/" + r.training().epochs() + "ep").containsExactly(
                "t1/1/r0/1000ex/2ep", "t2/1/r0/1000ex/2ep", "t3/1/r0/1000ex/2ep",
                "t2/2/r1/3000ex/2ep",
                "t4/1/r0/1000ex/2ep", "t5/1/r0/1000ex/2ep",
                "t5/2/r1/3000ex/2ep",
                "t6/1/r0/1000ex/2ep", "t7/1/r0/1000ex/2ep",
                "t7/2/r1/3000ex/2ep",
                "t5/3/r2/9000ex/2ep",
                "t8/1/r0/1000ex/2ep", "t9/1/r0/1000ex/2ep");
        assertThat(sent.get(0).fidelity()).isEqualTo(Fidelity.ofExamples(0, 2, true, null, null, 1000, 9000));
        // the top rung continues from rung 1's checkpoint, at rung 1's examples; the worker checks the position
        assertThat(sent.get(10).fidelity()).isEqualTo(Fidelity.ofExamples(2, 2, false, checkpointOf(sent.get(6)), 3000L,
                9000, 9000));
        assertThat(sent.get(10).fidelity().resumeEpoch()).isNull();
        TrialRecord t5 = trial("ex", "ex-t0005");
        assertThat(t5.rungs).extracting(TrialRecord.RungResult::rung, TrialRecord.RungResult::examples,
                TrialRecord.RungResult::epochs).containsExactly(org.assertj.core.groups.Tuple.tuple(0, 1000L, 1),
                org.assertj.core.groups.Tuple.tuple(1, 3000L, 1), org.assertj.core.groups.Tuple.tuple(2, 9000L, 1));
        List<ExperimentEvent> evs = events();
        assertThat(evs.get(evs.size() - 1)).isInstanceOfSatisfying(ExperimentEvent.Completed.class,
                c -> assertThat(c.bestTrialId()).isEqualTo("ex-t0005"));
    }

    TrialRecord trial(String experimentId, String trialId) {
        byte[] raw = driver.<String, byte[]>getKeyValueStore(ControllerTopology.TRIAL_STORE)
                .get(StoredTrialTable.key(experimentId, trialId));
        return JsonCodec.readStoredState(raw, TrialRecord.class);
    }

    @Test
    void hyperbandDealsNewTrialsToBracketsThatStartAtHigherRungsAndPromotesWithinEachBracket() throws Exception {
        // rungs 1, 3, 9 epochs; 2 brackets: bracket 0 (2 halvings) gets ⌈2/3⌉·9 = 9 of every 12 new trials, bracket 1
        // (1 halving, starting at rung 1) gets ⌈2/2⌉·3 = 3, interleaved 0, 0, 1, 0, …
        experiments.pipeInput("hb", spec("fashion-mnist.json", 8, 9, "{\"type\": \"hyperband\"}"));
        List<TrialRequest> sent = play(r -> TrialMetrics.synthetic(0.5 + 0.01 * sequence(r.trialId()) + 0.1 * r.fidelity().rung(), 1.0, 4000));
        List<String> firstRequests = sent.stream().filter(r -> r.attempt() == 1).map(SchedulerTopologyTest::line).toList();
        assertThat(firstRequests).containsExactly("t1/1/r0/1ep", "t2/1/r0/1ep", "t3/1/r1/3ep", "t4/1/r0/1ep",
                "t5/1/r0/1ep", "t6/1/r0/1ep", "t7/1/r1/3ep", "t8/1/r0/1ep");
        TrialRequest t3 = sent.stream().filter(r -> r.trialId().endsWith("t0003")).findFirst().orElseThrow();
        assertThat(t3.fidelity()).isEqualTo(new Fidelity(1, 9, true, null, null)); // starts at rung 1, from scratch
        // accuracy rises with the sequence, so the newest trial of a rung is its best. Bracket 0: t1, t2, t4 at rung 0 ⇒ t4
        // to rung 1; t5 joins ⇒ t5 (best of 4, keep 1); t6 ⇒ t6 (keep 1 of 5), and with t4, t5, t6 at rung 1, t6 to rung 2;
        // t8 ⇒ keep 2 of 6 (t8, t6): t8, then t8 again from rung 1 (keep 1 of 4). Bracket 1 has t3 and t7 at its first
        // rung, rung 1: ⌊2/3⌋ = 0, so neither is promoted, however good, and no bracket-0 result ranks them.
        List<String> promotions = sent.stream().filter(r -> r.attempt() > 1).map(SchedulerTopologyTest::line).toList();
        assertThat(promotions).containsExactly("t4/2/r1/3ep", "t5/2/r1/3ep", "t6/2/r1/3ep", "t6/3/r2/9ep", "t8/2/r1/3ep",
                "t8/3/r2/9ep");
        assertThat(trial("hb", "hb-t0003").bracket).isEqualTo(1);
        assertThat(trial("hb", "hb-t0004").bracket).isZero();
    }

    @Test
    void aMultiObjectiveRungPromotesByNonDominatedRankThenCrowdingNotByAccuracy() throws Exception {
        experiments.pipeInput("mo", spec("multi-objective.json", 4, 3, "{\"type\": \"asha\"}"));
        // t1 (0.80, 1 ms) and t2 (0.90, 5 ms) are the first front, both at its ends (infinite crowding); t3 (0.85, 6 ms)
        // is dominated by t2 although more accurate than t1. One of three is kept: t1, the earlier of the tied two.
        Map<Integer, double[]> table = Map.of(1, new double[] {0.80, 1}, 2, new double[] {0.90, 5}, 3, new double[] {0.85, 6},
                4, new double[] {0.5, 9});
        List<TrialRequest> sent = play(r -> {
            double[] m = table.get(sequence(r.trialId()));
            return TrialMetrics.synthetic(m[0], m[1], 4000);
        });
        assertThat(sent).extracting(SchedulerTopologyTest::line).startsWith("t1/1/r0/1ep", "t2/1/r0/1ep", "t3/1/r0/1ep",
                "t1/2/r1/3ep");
    }

    @Test
    void aRungWithoutCheckpointIsRetrainedFromScratchAndAFailedPromotionKeepsTheLowerRung() throws Exception {
        experiments.pipeInput("lost", spec("fashion-mnist.json", 4, 3, "{\"type\": \"asha\"}"));
        ToDoubleFunction<TrialRequest> acc = r -> 0.5 + 0.1 * sequence(r.trialId());
        List<TrialRequest> first = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            TrialRequest r = requests().get(0);
            first.add(r);
            complete(r, TrialMetrics.synthetic(acc.applyAsDouble(r), 1.0, 4000), false); // an older worker: no checkpoint
        }
        TrialRequest promoted = requests().get(0);
        assertThat(line(promoted)).isEqualTo("t3/2/r1/3ep");
        assertThat(promoted.fidelity()).isEqualTo(new Fidelity(1, 3, false, null, null)); // nothing to continue from
        events.readValuesToList();
        results.pipeInput("lost", JsonCodec.write(new TrialResult.Failed(V, "lost", promoted.trialId(), promoted.attempt(), "w",
                "cannot build", false)));
        assertThat(events()).filteredOn(e -> e instanceof ExperimentEvent.TrialFinished).singleElement()
                .isInstanceOfSatisfying(ExperimentEvent.TrialFinished.class, f -> {
                    assertThat(f.status()).isEqualTo(TrialStatus.FAILED);
                    assertThat(f.rung()).isEqualTo(1);
                    assertThat(f.failedTrials()).isZero(); // the trial stands with its rung-0 result
                });
        TrialRecord t3 = trial("lost", "lost-t0003");
        assertThat(t3.status).isEqualTo(TrialStatus.COMPLETED);
        assertThat(t3.rungs).hasSize(1);
        assertThat(t3.promotionFailure).isEqualTo("rung 1: cannot build");
        assertThat(((TrialResult.Completed) t3.result).metrics().accuracy()).isEqualTo(0.8, org.assertj.core.data.Offset.offset(1e-9));
        // not promoted again: the fourth trial starts instead
        assertThat(requests()).extracting(SchedulerTopologyTest::line).containsExactly("t4/1/r0/1ep");
    }

    @Test
    void cancellingDuringAPromotionKeepsThePromotedTrialsLowerRungResult() throws Exception {
        experiments.pipeInput("cx", spec("fashion-mnist.json", 5, 3, "{\"type\": \"asha\"}"));
        for (int i = 0; i < 3; i++) {
            TrialRequest r = requests().get(0);
            complete(r, TrialMetrics.synthetic(0.5 + 0.1 * sequence(r.trialId()), 1.0, 4000), true);
        }
        assertThat(requests()).extracting(SchedulerTopologyTest::line).containsExactly("t3/2/r1/3ep");
        events.readValuesToList();
        experiments.pipeInput("cx", "{\"command\": \"cancel\"}".getBytes(StandardCharsets.UTF_8));
        assertThat(events()).last().isInstanceOfSatisfying(ExperimentEvent.Completed.class, c -> {
            assertThat(c.status()).isEqualTo(ExperimentStatus.CANCELLED);
            assertThat(c.completedTrials()).isEqualTo(3);
            assertThat(c.failedTrials()).isZero();
        });
        TrialRecord t3 = trial("cx", "cx-t0003");
        assertThat(t3.status).isEqualTo(TrialStatus.COMPLETED);
        assertThat(t3.rung).isZero();
        assertThat(t3.promotionFailure).isEqualTo("rung 1: experiment cancelled");
        assertThat(((TrialResult.Completed) t3.result).metrics().accuracy()).isEqualTo(0.8, org.assertj.core.data.Offset.offset(1e-9));
    }

    @Test
    void retriesCountPerRungAndAResultOfAnEarlierRungAttemptIsDropped() throws Exception {
        experiments.pipeInput("retry", spec("fashion-mnist.json", 3, 3, "{\"type\": \"asha\"}")); // maxAttempts 2
        for (int i = 0; i < 3; i++) {
            TrialRequest r = requests().get(0);
            complete(r, TrialMetrics.synthetic(0.5 + 0.1 * sequence(r.trialId()), 1.0, 4000), true);
        }
        TrialRequest promoted = requests().get(0); // t3, attempt 2, rung 1
        assertThat(line(promoted)).isEqualTo("t3/2/r1/3ep");
        results.pipeInput("retry", JsonCodec.write(new TrialResult.Failed(V, "retry", promoted.trialId(), promoted.attempt(), "w",
                "worker lost", true)));
        TrialRequest again = requests().get(0);
        assertThat(line(again)).isEqualTo("t3/3/r1/3ep"); // a second attempt at rung 1, though the trial's third
        assertThat(again.fidelity()).isEqualTo(promoted.fidelity());
        // the rung-0 attempt's result delivered again changes nothing
        events.readValuesToList();
        results.pipeInput("retry", JsonCodec.write(new TrialResult.Completed(V, "retry", promoted.trialId(), 1, "w",
                TrialMetrics.synthetic(0.99, 1.0, 4000), "file:///x")));
        assertThat(events()).isEmpty();
        complete(again, TrialMetrics.synthetic(0.91, 1.0, 4000), true);
        assertThat(trial("retry", "retry-t0003").rungs).extracting(TrialRecord.RungResult::rung).containsExactly(0, 1);
    }
}
