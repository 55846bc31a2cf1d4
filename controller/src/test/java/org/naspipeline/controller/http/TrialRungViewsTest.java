package org.naspipeline.controller.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.MultiMap;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.naspipeline.api.Checkpoint;
import org.naspipeline.api.ExperimentSpec;
import org.naspipeline.api.JsonCodec;
import org.naspipeline.api.TrialMetrics;
import org.naspipeline.api.TrialRequest;
import org.naspipeline.api.TrialResult;
import org.naspipeline.api.TrialStatus;
import org.naspipeline.api.ValidationError;
import org.naspipeline.controller.logic.Effects;
import org.naspipeline.controller.logic.ExperimentLogic;
import org.naspipeline.controller.logic.ExperimentState;
import org.naspipeline.controller.logic.ExperimentViews;
import org.naspipeline.controller.logic.StrategyLog;
import org.naspipeline.controller.logic.TrialRecord;
import org.naspipeline.controller.logic.TrialTable;
import org.naspipeline.strategy.StrategyRegistry;

/**
 * The rungs a trial reached, as the REST rows, the trial page, the table page, the CSV and the summary show them, on
 * an ASHA experiment played through the real logic (rungs at 1 and 3 epochs, η = 3, one slot): t1, t2 (a worker
 * older than checkpoints), t3 at rung 0; t3 promoted and continued from its checkpoint; t4 promoted and failed for
 * good; t5 promoted and retrained from scratch because its checkpoint was lost.
 */
class TrialRungViewsTest {
    static final int V = ExperimentSpec.SCHEMA_VERSION;
    static final String NOTE = "checkpoint unreadable <img src=x onerror=\"alert(1)\">, trained from scratch";

    final ExperimentLogic logic = new ExperimentLogic(StrategyRegistry.load());
    ExperimentState state;
    /** The detail of t3 while its promotion to rung 1 was in flight. */
    TrialDetail t3InFlight;

    /** The demo spec, 5 trials one at a time, with {@code epochs} training epochs under {@code scheduler}. */
    static ExperimentSpec spec(String id, int epochs, String scheduler) throws Exception {
        ObjectNode root = (ObjectNode) JsonCodec.readTree(Files.readAllBytes(Path.of("..", "examples", "fashion-mnist.json")));
        root.put("id", id);
        ((ObjectNode) root.get("budget")).put("maxTrials", 5).put("parallelism", 1);
        ((ObjectNode) root.get("training")).put("epochs", epochs);
        root.putObject("scheduler").put("type", scheduler);
        return JsonCodec.readSpec(JsonCodec.write(root));
    }

    static String id(int sequence) {
        return String.format("rungs-t%04d", sequence);
    }

    /** Completes the one request in flight with {@code accuracy} and {@code checkpoint}; returns the next requests. */
    List<TrialRequest> complete(TrialRequest r, double accuracy, Checkpoint checkpoint) {
        Effects effects = new Effects();
        logic.apply(state, new TrialResult.Completed(V, "rungs", r.trialId(), r.attempt(), "w", TrialMetrics.synthetic(accuracy, 1.0, 4000),
                "file:///artifacts/" + r.trialId() + "/attempt-" + r.attempt(), checkpoint), 10_000, effects);
        return effects.requests;
    }

    static Checkpoint saved(TrialRequest r) {
        return new Checkpoint("file:///artifacts/" + r.trialId() + "/attempt-" + r.attempt() + "/checkpoint.nasck",
                r.training().epochs(), r.fidelity().resumeEpoch(), null);
    }

    @BeforeEach
    void play() throws Exception {
        Effects started = new Effects();
        state = logic.start(spec("rungs", 3, "asha"), new TrialTable.InMemory(), new StrategyLog.InMemory(), 1_000, "test", started);
        TrialRequest t1 = started.requests.get(0);
        TrialRequest t2 = complete(t1, 0.60, saved(t1)).get(0);
        TrialRequest t3 = complete(t2, 0.70, null).get(0); // an older worker reports no checkpoint
        TrialRequest t3up = complete(t3, 0.80, saved(t3)).get(0);
        assertThat(t3up.trialId()).isEqualTo(id(3));
        assertThat(t3up.fidelity().rung()).isEqualTo(1);
        assertThat(t3up.fidelity().resumeEpoch()).isEqualTo(1);
        t3InFlight = TrialDetail.of(state, id(3)).orElseThrow();
        TrialRequest t4 = complete(t3up, 0.85, saved(t3up)).get(0);
        TrialRequest t4up = complete(t4, 0.90, saved(t4)).get(0);
        assertThat(t4up.trialId()).isEqualTo(id(4));
        Effects failed = new Effects();
        logic.apply(state, new TrialResult.Failed(V, "rungs", t4up.trialId(), t4up.attempt(), "w", "out of memory <b>at rung 1</b>", false),
                11_000, failed);
        TrialRequest t5 = failed.requests.get(0);
        TrialRequest t5up = complete(t5, 0.95, saved(t5)).get(0);
        assertThat(t5up.trialId()).isEqualTo(id(5));
        // the worker could not read the checkpoint it was given: it trained all 3 epochs and says why
        complete(t5up, 0.93, new Checkpoint(null, 3, null, NOTE));
    }

    @Test
    void eachRowShowsTheHighestRungItCompletedAndItsEpochs() {
        assertThat(ExperimentViews.trials(state)).extracting(ExperimentViews.TrialRow::trialId, ExperimentViews.TrialRow::status,
                ExperimentViews.TrialRow::rung, ExperimentViews.TrialRow::rungEpochs, r -> r.metrics().accuracy()).containsExactly(
                tuple(id(1), TrialStatus.COMPLETED, 0, 1, 0.60),
                tuple(id(2), TrialStatus.COMPLETED, 0, 1, 0.70),
                tuple(id(3), TrialStatus.COMPLETED, 1, 3, 0.85),
                tuple(id(4), TrialStatus.COMPLETED, 0, 1, 0.90), // its promotion failed: it keeps rung 0's result
                tuple(id(5), TrialStatus.COMPLETED, 1, 3, 0.93));
        assertThat(t3InFlight.row().trial().status()).isEqualTo(TrialStatus.SCHEDULED);
        assertThat(t3InFlight.row().trial().rung()).as("the rung of the metrics shown, not the one in training").isZero();
        assertThat(t3InFlight.trainingRung()).isEqualTo(1);
        assertThat(t3InFlight.trainingEpochs()).isEqualTo(3);
        assertThat(t3InFlight.rungs()).hasSize(1);
    }

    @Test
    void theTrialPageListsEachRungWithItsAccuracyCheckpointAndPromotionFailure() throws Exception {
        TrialDetail t3 = TrialDetail.of(state, id(3)).orElseThrow();
        assertThat(t3.bracket()).isZero();
        assertThat(t3.trainingRung()).as("nothing in flight").isNull();
        assertThat(t3.trainingEpochs()).isNull();
        assertThat(t3.promotionFailure()).isNull();
        assertThat(t3.rungs()).containsExactly(
                new TrialDetail.Rung(0, 1, 1, 0.80, 0.80, new Checkpoint("file:///artifacts/" + id(3) + "/attempt-1/checkpoint.nasck", 1, null, null),
                        null),
                new TrialDetail.Rung(1, 3, 2, 0.85, 0.85, new Checkpoint("file:///artifacts/" + id(3) + "/attempt-2/checkpoint.nasck", 3, 1, null),
                        null));

        TrialDetail t2 = TrialDetail.of(state, id(2)).orElseThrow();
        assertThat(t2.rungs()).singleElement().satisfies(r -> assertThat(r.checkpoint()).as("an older worker").isNull());

        TrialDetail t4 = TrialDetail.of(state, id(4)).orElseThrow();
        assertThat(t4.promotionFailure()).isEqualTo("rung 1: out of memory <b>at rung 1</b>");
        assertThat(t4.rungs()).extracting(TrialDetail.Rung::rung, TrialDetail.Rung::accuracy).containsExactly(tuple(0, 0.90));
        assertThat(t4.row().trial().attempt()).as("the failed promotion's attempt").isEqualTo(2);

        TrialDetail t5 = TrialDetail.of(state, id(5)).orElseThrow();
        assertThat(t5.rungs().get(1).checkpoint()).isEqualTo(new Checkpoint(null, 3, null, NOTE));

        // the JSON the API answers
        JsonNode json = JsonCodec.readTree(JsonCodec.write(t3));
        assertThat(json.path("bracket").asInt(-1)).isZero();
        assertThat(json.path("rungs").get(1).path("checkpoint").path("resumedFromEpoch").asInt()).isEqualTo(1);
        assertThat(json.path("rungs").get(1).path("epochs").asInt()).isEqualTo(3);
        assertThat(json.path("rungs").get(1).path("testAccuracy").asDouble()).isEqualTo(0.85);
        assertThat(json.path("row").path("trial").path("rung").asInt()).isEqualTo(1);
        assertThat(json.path("row").path("trial").path("rungEpochs").asInt()).isEqualTo(3);
        assertThat(JsonCodec.readTree(JsonCodec.write(t4)).path("promotionFailure").asText()).isEqualTo("rung 1: out of memory <b>at rung 1</b>");
    }

    @Test
    void theTablePageSortsByRungAndNamesTheRungsEpochs() {
        for (String order : List.of("asc", "desc")) {
            MultiMap params = MultiMap.caseInsensitiveMultiMap().add("sort", "rung").add("order", order);
            List<ValidationError> errors = new ArrayList<>();
            TrialPages.Page page = TrialPages.of(state, TrialPages.parse(params, errors));
            assertThat(errors).isEmpty();
            assertThat(page.rungEpochs()).containsExactly(1, 3);
            assertThat(page.rows()).extracting(r -> r.trial().trialId()).as(order + ", ties in creation order").isEqualTo(order.equals("asc")
                    ? List.of(id(1), id(2), id(4), id(3), id(5)) : List.of(id(3), id(5), id(1), id(2), id(4)));
        }
    }

    @Test
    void theCsvHasTheRungAndItsEpochsBesideEachRow() {
        List<List<String>> csv = TrialCsvTest.parse(TrialCsv.of(state));
        List<String> header = csv.get(0);
        assertThat(header.subList(header.indexOf("onParetoFront"), header.size()))
                .containsExactly("onParetoFront", "rung", "rungEpochs", "rungExamples", "durationSeconds", "artifactUri", "reason");
        assertThat(csv.subList(1, csv.size())).extracting(r -> r.get(0), r -> r.get(header.indexOf("rung")),
                        r -> r.get(header.indexOf("rungEpochs")), r -> r.get(header.indexOf("rungExamples")))
                .containsExactly(tuple(id(1), "0", "1", ""), tuple(id(2), "0", "1", ""), tuple(id(3), "1", "3", ""),
                        tuple(id(4), "0", "1", ""), tuple(id(5), "1", "3", ""));
    }

    @Test
    void theSummaryNamesTheSchedulerAndItsRungs() throws Exception {
        assertThat(ExperimentViews.summary(state).scheduler()).isEqualTo(new ExperimentViews.Scheduler("asha", List.of(1, 3), 3, 1));
        assertThat(ExperimentViews.scheduler(spec("hb", 9, "hyperband")))
                .isEqualTo(new ExperimentViews.Scheduler("hyperband", List.of(1, 3, 9), 3, 2));
        assertThat(ExperimentViews.scheduler(spec("median", 9, "median"))).isEqualTo(new ExperimentViews.Scheduler("median", null, null, null));
        assertThat(ExperimentViews.scheduler(spec("none", 9, "none"))).isNull();
    }

    @Test
    void underRungsOfTrainingExamplesEveryViewGivesTheExamplesInsteadOfTheEpochs() throws Exception {
        ObjectNode root = (ObjectNode) JsonCodec.readTree(Files.readAllBytes(Path.of("..", "examples", "fashion-mnist.json")));
        root.put("id", "exr");
        ((ObjectNode) root.get("budget")).put("maxTrials", 3).put("parallelism", 1);
        root.putObject("scheduler").put("type", "asha").put("resource", "examples").put("minExamples", 1000)
                .put("maxExamples", 3000);
        Effects started = new Effects();
        ExperimentState ex = logic.start(JsonCodec.readSpec(JsonCodec.write(root)), new TrialTable.InMemory(),
                new StrategyLog.InMemory(), 1_000, "test", started);
        java.util.function.BiFunction<TrialRequest, Double, List<TrialRequest>> done = (r, accuracy) -> {
            Effects effects = new Effects();
            org.naspipeline.api.Fidelity f = r.fidelity();
            Checkpoint ck = new Checkpoint(f.saveCheckpoint() ? "file:///artifacts/" + r.trialId() + "/ck" + r.attempt() : null, 1,
                    null, null, f.examples() + 24, f.resumeExamples() == null ? null : f.resumeExamples() + 24);
            logic.apply(ex, new TrialResult.Completed(V, "exr", r.trialId(), r.attempt(), "w", TrialMetrics.synthetic(accuracy, 1.0,
                    4000), "file:///artifacts/" + r.trialId() + "/attempt-" + r.attempt(), ck), 10_000, effects);
            return effects.requests;
        };
        TrialRequest t1 = started.requests.get(0);
        TrialRequest t2 = done.apply(t1, 0.6).get(0);
        TrialRequest t3 = done.apply(t2, 0.8).get(0);
        TrialRequest up = done.apply(t3, 0.7).get(0);
        assertThat(up.trialId()).isEqualTo("exr-t0002");
        assertThat(up.fidelity().examples()).isEqualTo(3000L);
        TrialDetail inFlight = TrialDetail.of(ex, "exr-t0002").orElseThrow();
        assertThat(inFlight.trainingRung()).isEqualTo(1);
        assertThat(inFlight.trainingEpochs()).isNull();
        assertThat(inFlight.trainingExamples()).isEqualTo(3000L);
        done.apply(up, 0.85);

        assertThat(ExperimentViews.trials(ex)).extracting(ExperimentViews.TrialRow::trialId, ExperimentViews.TrialRow::rung,
                ExperimentViews.TrialRow::rungEpochs, ExperimentViews.TrialRow::rungExamples).containsExactly(
                tuple("exr-t0001", 0, null, 1000L), tuple("exr-t0002", 1, null, 3000L), tuple("exr-t0003", 0, null, 1000L));
        TrialDetail t2detail = TrialDetail.of(ex, "exr-t0002").orElseThrow();
        assertThat(t2detail.rungs()).extracting(TrialDetail.Rung::rung, TrialDetail.Rung::examples, r -> r.checkpoint().examples(),
                r -> r.checkpoint().resumedFromExamples()).containsExactly(tuple(0, 1000L, 1024L, null), tuple(1, 3000L, 3024L, 1024L));
        List<ValidationError> errors = new ArrayList<>();
        TrialPages.Page page = TrialPages.of(ex, TrialPages.parse(MultiMap.caseInsensitiveMultiMap(), errors));
        assertThat(page.rungEpochs()).isNull();
        assertThat(page.rungExamples()).containsExactly(1000L, 3000L);
        assertThat(ExperimentViews.summary(ex).scheduler()).isEqualTo(new ExperimentViews.Scheduler("asha", null, 3, 1, "examples",
                List.of(1000L, 3000L)));
        List<List<String>> csv = TrialCsvTest.parse(TrialCsv.of(ex));
        List<String> header = csv.get(0);
        assertThat(csv.subList(1, csv.size())).extracting(r -> r.get(header.indexOf("rungEpochs")), r -> r.get(header.indexOf("rungExamples")))
                .containsExactly(tuple("", "1000"), tuple("", "3000"), tuple("", "1000"));
        JsonNode json = JsonCodec.readTree(JsonCodec.write(t2detail));
        assertThat(json.path("row").path("trial").path("rungExamples").asLong()).isEqualTo(3000);
        assertThat(json.path("rungs").get(1).path("checkpoint").path("resumedFromExamples").asLong()).isEqualTo(1024);
    }

    @Test
    void withoutAPromotingSchedulerNoViewShowsARung() throws Exception {
        ExperimentState plain = TrialCsvTest.experiment("w", "broke");
        assertThat(ExperimentViews.trials(plain)).allSatisfy(r -> {
            assertThat(r.rung()).isNull();
            assertThat(r.rungEpochs()).isNull();
        });
        assertThat(ExperimentViews.summary(plain).scheduler()).isNull();
        List<ValidationError> errors = new ArrayList<>();
        assertThat(TrialPages.of(plain, TrialPages.parse(MultiMap.caseInsensitiveMultiMap(), errors)).rungEpochs()).isNull();
        for (TrialRecord t : plain.trials.all()) {
            TrialDetail d = TrialDetail.of(plain, t.trialId).orElseThrow();
            assertThat(d.bracket()).isNull();
            assertThat(d.rungs()).isEmpty();
            assertThat(d.promotionFailure()).isNull();
            assertThat(d.trainingRung()).as(t.status + " without rungs").isNull();
        }
        List<List<String>> csv = TrialCsvTest.parse(TrialCsv.of(plain));
        int rung = csv.get(0).indexOf("rung");
        assertThat(csv.subList(1, csv.size())).allSatisfy(r -> {
            assertThat(r.get(rung)).isEmpty();
            assertThat(r.get(rung + 1)).isEmpty();
        });
    }

    @Test
    void aStoredRecordWithoutTheRungFieldsOrWithNullRungsReadsAsATrialWithoutRungs() {
        ObjectNode stored = (ObjectNode) JsonCodec.readTree(JsonCodec.write(state.trials.get(id(3))));
        assertThat(stored.path("rungs")).hasSize(2);
        ObjectNode older = stored.deepCopy();
        older.remove(List.of("rung", "bracket", "rungFirstAttempt", "rungs", "promotionFailure"));
        ObjectNode nulls = stored.deepCopy();
        nulls.putNull("rungs");
        nulls.putNull("promotionFailure");
        for (ObjectNode json : List.of(older, nulls)) {
            TrialRecord record = JsonCodec.readStoredState(JsonCodec.write(json), TrialRecord.class);
            state.trials.put(record);
            ExperimentViews.TrialRow row = ExperimentViews.trials(List.of(record)).get(0);
            assertThat(row.rung()).isNull();
            assertThat(row.metrics().accuracy()).isEqualTo(0.85);
            TrialDetail detail = TrialDetail.of(state, id(3)).orElseThrow();
            assertThat(detail.rungs()).isEmpty();
            assertThat(detail.promotionFailure()).isNull();
            assertThat(TrialCsvTest.parse(TrialCsv.of(state))).hasSize(6);
            MultiMap params = MultiMap.caseInsensitiveMultiMap().add("sort", "rung");
            assertThat(TrialPages.of(state, TrialPages.parse(params, new ArrayList<>())).rows()).last()
                    .satisfies(r -> assertThat(r.trial().trialId()).as("no rung sorts last").isEqualTo(id(3)));
        }
        // a rung recorded without its result (never written by the logic) still shows the rung it was
        TrialRecord odd = state.trials.get(id(5));
        odd.rungs = new ArrayList<>(odd.rungs);
        odd.rungs.add(new TrialRecord.RungResult(2, 9, null));
        odd.rungs.add(null);
        state.trials.put(odd);
        assertThat(TrialDetail.of(state, id(5)).orElseThrow().rungs()).last().isEqualTo(new TrialDetail.Rung(2, 9, null, null, null, null, null));
        assertThat(ExperimentViews.trials(List.of(odd)).get(0).rung()).isEqualTo(2);
    }
}
