package org.naspipeline.controller.streams;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.naspipeline.api.Candidate;
import org.naspipeline.api.CnnArchitecture;
import org.naspipeline.api.ExperimentEvent;
import org.naspipeline.api.ExperimentSpec;
import org.naspipeline.api.ExperimentStatus;
import org.naspipeline.api.JsonCodec;
import org.naspipeline.api.Topics;
import org.naspipeline.api.TrialMetrics;
import org.naspipeline.api.TrialRequest;
import org.naspipeline.api.TrialResult;
import org.naspipeline.api.ValidationError;
import org.naspipeline.controller.logic.ExperimentState;
import org.naspipeline.controller.logic.WarmStartExchange;
import org.naspipeline.strategy.space.SpaceEncoding;

/**
 * A warm start through the controller topology: the request goes round through {@code nas.experiments} to the
 * earlier experiment, whose answer seeds the new experiment's strategy before its first ask. Checked: what the first
 * asks are, that a restarted controller decides the same, refusals with their paths, skipped candidates, that seeds
 * are no trials, that repeated exchange records seed nothing twice, and that bad exchange records are dead-lettered.
 */
class WarmStartTopologyTest extends TopologyTestBase {
    static final int V = 1;
    TestOutputTopic<String, byte[]> exchange;

    @BeforeEach
    void exchangeTopic() {
        exchange = driver.createOutputTopic(Topics.EXPERIMENTS, Serdes.String().deserializer(), Serdes.ByteArray().deserializer());
    }

    /** The demo spec: {@code strategy} (a JSON object), the budget, and {@code extra} top-level fields (JSON, or ""). */
    static byte[] spec(String strategy, int maxTrials, int parallelism, String extra) throws Exception {
        String json = Files.readString(Path.of("..", "examples", "fashion-mnist.json"))
                .replace("{ \"name\": \"random\", \"seed\": 42 }", strategy)
                .replace("\"maxTrials\": 4", "\"maxTrials\": " + maxTrials)
                .replace("\"parallelism\": 2", "\"parallelism\": " + parallelism)
                .replace("\"training\"", extra + (extra.isEmpty() ? "" : ", ") + "\"training\"");
        return json.getBytes(StandardCharsets.UTF_8);
    }

    static final String RANDOM = "{\"name\": \"random\", \"seed\": 5}";
    /** Evolution whose tournament samples the whole population of 10: it mutates the best member. */
    static final String EVOLUTION = "{\"name\": \"regularized-evolution\", \"seed\": 9, \"settings\": {\"populationSize\": 10, \"sampleSize\": 10}}";
    static final String FROM_OLD = "\"warmStart\": {\"fromExperiment\": \"old\"}";

    List<TrialRequest> requests() {
        return trials.readValuesToList().stream().map(v -> JsonCodec.read(v, TrialRequest.class)).toList();
    }

    List<ExperimentEvent> events() {
        return events.readValuesToList().stream().map(v -> JsonCodec.read(v, ExperimentEvent.class)).toList();
    }

    void complete(TrialRequest r, double accuracy) {
        results.pipeInput(r.experimentId(), JsonCodec.write(new TrialResult.Completed(V, r.experimentId(), r.trialId(),
                r.attempt(), "w", TrialMetrics.synthetic(accuracy, 1.0 + accuracy, 4000), "file:///a/" + r.trialId())));
    }

    /** Runs experiment "old" (random search) to its end: 12 trials, the later the better. Returns its requests. */
    List<TrialRequest> runOld(String space) throws Exception {
        experiments.pipeInput("old", spec(RANDOM, 12, 12, space));
        List<TrialRequest> old = requests();
        assertThat(old).hasSize(12);
        for (int i = 0; i < old.size(); i++) {
            complete(old.get(i), 0.50 + 0.03 * i);
        }
        events.readValuesToList();
        return old;
    }

    ExperimentState header(String id) {
        return JsonCodec.readStoredState(driver.<String, byte[]>getKeyValueStore(ControllerTopology.STORE).get(id), ExperimentState.class);
    }

    List<String> dlqReasons() {
        List<String> reasons = new ArrayList<>();
        for (TestRecord<String, byte[]> r : dlq.readRecordsToList()) {
            reasons.add(new String(r.headers().lastHeader("nas.reason").value(), StandardCharsets.UTF_8));
        }
        return reasons;
    }

    /**
     * Whether {@code child} is one mutation of {@code parent}: one gene changed, or the stage count changed with the
     * first stage and the head kept (a new stage is drawn at random, a dropped one forgotten).
     */
    static boolean mutated(SpaceEncoding space, Candidate parent, Candidate child) {
        int[] x = space.encode(parent);
        int[] y = space.encode(child);
        int differ = 0;
        for (int g = 0; g < x.length; g++) {
            differ += x[g] != y[g] ? 1 : 0;
        }
        if (x[0] == y[0]) {
            return differ == 1;
        }
        for (int g = 1; g < x.length; g++) {
            boolean secondStage = space.name(g).startsWith("stage[1]");
            if (!secondStage && x[g] != y[g]) {
                return false;
            }
        }
        return true;
    }

    @Test
    void theSeededStrategyMutatesTheEarlierBestBeforeTryingAnythingElse() throws Exception {
        List<Candidate> old = runOld("").stream().map(TrialRequest::candidate).toList();
        experiments.pipeInput("new", spec(EVOLUTION, 8, 4, FROM_OLD));

        List<ExperimentEvent> seen = events();
        assertThat(seen.get(0)).isInstanceOf(ExperimentEvent.Accepted.class);
        assertThat(seen).filteredOn(e -> e instanceof ExperimentEvent.StatusChanged).extracting(e -> ((ExperimentEvent.StatusChanged) e).reason())
                .containsExactly("waiting for the completed results of experiment 'old' (warmStart)",
                        "warm-started from experiment 'old': 12 completed result(s) told to the strategy");
        List<WarmStartExchange.Request> asked = new ArrayList<>();
        List<WarmStartExchange.Answer> answered = new ArrayList<>();
        for (TestRecord<String, byte[]> r : exchange.readRecordsToList()) {
            if (r.key().equals("old")) {
                asked.add(JsonCodec.read(r.value(), WarmStartExchange.Request.class));
            } else {
                answered.add(JsonCodec.read(r.value(), WarmStartExchange.Answer.class));
            }
        }
        assertThat(asked).singleElement().satisfies(q -> assertThat(q.experimentId()).isEqualTo("new"));
        assertThat(answered).singleElement().satisfies(a -> {
            assertThat(a.experimentId()).isEqualTo("new");
            assertThat(a.errors()).isEmpty();
            assertThat(a.seeds()).extracting(WarmStartExchange.Seed::candidate).containsExactlyElementsOf(old);
            assertThat(a.seeds()).extracting(s -> s.result().metrics().accuracy()).first().isEqualTo(0.50);
            assertThat(a.seeds()).allSatisfy(s -> assertThat(s.epochs()).isEqualTo(2));
        });

        // the population is the last 10 seeds: each proposal mutates one of them (the winner of a tournament)
        List<TrialRequest> first = requests();
        SpaceEncoding space = new SpaceEncoding(JsonCodec.readSpec(spec(EVOLUTION, 8, 4, FROM_OLD)).searchSpace());
        List<Candidate> population = old.subList(2, 12);
        assertThat(first).hasSize(4).allSatisfy(r -> {
            assertThat(old).doesNotContain(r.candidate());
            assertThat(population).anySatisfy(p -> assertThat(mutated(space, p, r.candidate())).isTrue());
        });
        // without the warm start the same strategy samples at random (its population is empty)
        experiments.pipeInput("cold", spec(EVOLUTION, 8, 4, ""));
        assertThat(requests()).hasSize(4).noneSatisfy(r -> assertThat(population).anySatisfy(
                p -> assertThat(mutated(space, p, r.candidate())).isTrue()));
        events.readValuesToList();

        // seeds are no trials: the budget, the counts, the best and the front are the new experiment's own
        assertThat(header("new").completed).isZero();
        assertThat(header("new").issued).isEqualTo(4);
        List<TrialRequest> all = new ArrayList<>(first);
        for (int i = 0; i < all.size(); i++) {
            complete(all.get(i), 0.40 + 0.01 * i);
            all.addAll(requests().stream().filter(r -> r.experimentId().equals("new")).toList());
        }
        assertThat(all).hasSize(8).extracting(TrialRequest::trialId).allMatch(id -> id.startsWith("new-t"));
        List<ExperimentEvent> tail = events();
        assertThat(tail).filteredOn(e -> e instanceof ExperimentEvent.ParetoFrontChanged)
                .allSatisfy(e -> assertThat(((ExperimentEvent.ParetoFrontChanged) e).front()).allMatch(id -> id.startsWith("new-t")));
        assertThat(tail.get(tail.size() - 1)).isEqualTo(new ExperimentEvent.Completed(V, "new", ExperimentStatus.COMPLETED,
                8, 0, "new-t0008", 0.40 + 0.01 * 7, "controller"));
        assertThat(header("new").warmStart.seeded).isEqualTo(12);
    }

    @Test
    void aControllerRestartedBeforeEveryResultDecidesTheSame() throws Exception {
        List<String> straight = playWarmStarted(false);
        freshController(List.of()); // a fresh driver and empty stores for the second run
        List<String> restarted = playWarmStarted(true);
        assertThat(restarted).isEqualTo(straight).hasSize(10);
    }

    /** Seeds "new" from "old", then plays it to its end; with {@code restart}, a new controller takes each result. */
    List<String> playWarmStarted(boolean restart) throws Exception {
        runOld("");
        experiments.pipeInput("new", spec(EVOLUTION, 10, 2, FROM_OLD));
        List<TrialRequest> pending = new ArrayList<>(requests());
        List<String> out = new ArrayList<>();
        while (!pending.isEmpty()) {
            TrialRequest r = pending.remove(0);
            out.add(r.trialId() + " " + r.candidate().canonicalHash());
            if (restart) {
                restartController();
            }
            complete(r, 0.3 + (r.candidate().canonicalHash().hashCode() & 0xFF) / 1000.0);
            pending.addAll(requests());
        }
        return out;
    }

    static final List<String> STORES = List.of(ControllerTopology.STORE, ControllerTopology.SPEC_STORE,
            ControllerTopology.TRIAL_STORE, ControllerTopology.STRATEGY_LOG_STORE);

    /** Closes the driver and opens a new one on a copy of every store: nothing decoded or cached survives. */
    void restartController() {
        List<List<Object[]>> copies = new ArrayList<>();
        for (String name : STORES) {
            List<Object[]> rows = new ArrayList<>();
            KeyValueStore<String, Object> store = driver.getKeyValueStore(name);
            try (KeyValueIterator<String, Object> it = store.all()) {
                it.forEachRemaining(kv -> rows.add(new Object[] {kv.key, kv.value}));
            }
            copies.add(rows);
        }
        freshController(copies);
    }

    /** Closes the driver and opens a new one, its stores filled with {@code copies} (one list of rows per store). */
    void freshController(List<List<Object[]>> copies) {
        driver.close();
        use(new TopologyRig(stateDir.resolve("restart-" + System.nanoTime())));
        exchangeTopic();
        for (int i = 0; i < copies.size(); i++) {
            KeyValueStore<String, Object> store = driver.getKeyValueStore(STORES.get(i));
            copies.get(i).forEach(row -> store.put((String) row[0], row[1]));
        }
    }

    @Test
    void anUnknownEarlierExperimentIsRefusedAndTheNewOneFailsWithThePath() throws Exception {
        experiments.pipeInput("new", spec(EVOLUTION, 4, 2, "\"warmStart\": {\"fromExperiment\": \"nope\"}"));
        List<ExperimentEvent> seen = events();
        assertThat(seen).hasSize(4);
        assertThat(seen.get(2)).isEqualTo(new ExperimentEvent.Rejected(V, "new",
                List.of(new ValidationError("warmStart.fromExperiment", "experiment 'nope' is unknown")), "controller"));
        assertThat(seen.get(3)).isEqualTo(new ExperimentEvent.Completed(V, "new", ExperimentStatus.FAILED, 0, 0, null, null, "controller"));
        assertThat(requests()).isEmpty();
        assertThat(header("new").status).isEqualTo(ExperimentStatus.FAILED);
        assertThat(dlq.isEmpty()).isTrue();
    }

    @Test
    void anEarlierExperimentThatCannotBeReadRefusesInsteadOfLeavingTheNewOneWaiting() throws Exception {
        runOld("");
        driver.<String, byte[]>getKeyValueStore(ControllerTopology.TRIAL_STORE).put("old\u0000old-t0003",
                "not a trial".getBytes(StandardCharsets.UTF_8));
        experiments.pipeInput("new", spec(EVOLUTION, 4, 2, FROM_OLD));
        assertThat(events()).filteredOn(e -> e instanceof ExperimentEvent.Rejected).singleElement().isEqualTo(new ExperimentEvent.Rejected(V,
                "new", List.of(new ValidationError("warmStart.fromExperiment",
                        "the results of experiment 'old' could not be read (the controller's log has the details)")), "controller"));
        assertThat(header("new").status).isEqualTo(ExperimentStatus.FAILED);
        assertThat(requests()).isEmpty();
        assertThat(dlq.isEmpty()).isTrue();
    }

    @Test
    void anEarlierExperimentWithoutCompletedTrialsIsRefused() throws Exception {
        experiments.pipeInput("old", spec(RANDOM, 4, 2, ""));
        List<TrialRequest> old = requests();
        results.pipeInput("old", JsonCodec.write(new TrialResult.Failed(V, "old", old.get(0).trialId(), 1, "w", "out of memory", false)));
        events.readValuesToList();
        requests();
        experiments.pipeInput("new", spec(EVOLUTION, 4, 2, FROM_OLD));
        assertThat(events()).filteredOn(e -> e instanceof ExperimentEvent.Rejected).singleElement().isEqualTo(new ExperimentEvent.Rejected(V,
                "new", List.of(new ValidationError("warmStart.fromExperiment", "experiment 'old' has no completed trial yet")), "controller"));
        assertThat(requests()).isEmpty();
    }

    @Test
    void anotherDatasetOrFamilyIsRefusedWithEveryPathThatDiffers() throws Exception {
        runOld("");
        String mlp = new String(spec(EVOLUTION, 4, 2, FROM_OLD), StandardCharsets.UTF_8)
                .replace("\"fashion-mnist\"", "\"mnist\"")
                .replaceAll("(?s)\"architecture\": \\{.*?\"dropout\": \\[0.0, 0.2\\]\\s*}",
                        "\"architecture\": {\"family\": \"mlp\", \"hiddenLayers\": {\"min\": 1, \"max\": 2}, \"hiddenUnits\": [32, 64]}");
        experiments.pipeInput("new", mlp.getBytes(StandardCharsets.UTF_8));
        assertThat(events()).filteredOn(e -> e instanceof ExperimentEvent.Rejected).singleElement()
                .satisfies(e -> assertThat(((ExperimentEvent.Rejected) e).errors()).containsExactly(
                        new ValidationError("dataset.name", "'mnist' differs from the dataset 'fashion-mnist' of experiment 'old'"),
                        new ValidationError("searchSpace.architecture.family", "mlp differs from the family cnn of experiment 'old'")));
        assertThat(requests()).isEmpty();
    }

    @Test
    void resultsOutsideTheNewSpaceAreSkippedAndCounted() throws Exception {
        List<TrialRequest> old = runOld("");
        String narrower = new String(spec(EVOLUTION, 4, 2, FROM_OLD), StandardCharsets.UTF_8)
                .replace("\"filters\": [8, 16, 32]", "\"filters\": [8, 16]");
        long inside = old.stream().filter(r -> ((CnnArchitecture) r.candidate().architecture()).stages().stream().noneMatch(s -> s.filters() == 32)).count();
        assertThat(inside).isBetween(1L, 11L); // the seed of "old" draws both kinds
        experiments.pipeInput("new", narrower.getBytes(StandardCharsets.UTF_8));
        assertThat(events()).filteredOn(e -> e instanceof ExperimentEvent.StatusChanged).last()
                .satisfies(e -> assertThat(((ExperimentEvent.StatusChanged) e).reason()).isEqualTo("warm-started from experiment 'old': "
                        + inside + " completed result(s) told to the strategy, " + (12 - inside) + " outside this search space skipped"));
        assertThat(header("new").warmStart.seeded).isEqualTo((int) inside);
        assertThat(header("new").warmStart.skipped).isEqualTo(12 - (int) inside);
        assertThat(requests()).hasSize(2).allSatisfy(r -> assertThat(((CnnArchitecture) r.candidate().architecture()).stages())
                .noneMatch(s -> s.filters() == 32));
    }

    @Test
    void aRepeatedRequestOrAnswerSeedsNothingTwice() throws Exception {
        runOld("");
        experiments.pipeInput("new", spec(EVOLUTION, 8, 2, FROM_OLD));
        List<TestRecord<String, byte[]>> exchanged = exchange.readRecordsToList();
        assertThat(exchanged).extracting(TestRecord::key).containsExactly("old", "new");
        int calls = header("new").strategyCalls;
        assertThat(calls).isEqualTo(13); // 12 seeds, 1 ask
        requests();
        events.readValuesToList();

        experiments.pipeInput("new", exchanged.get(1).value()); // the answer again
        experiments.pipeInput("old", exchanged.get(0).value()); // the request again: answered again, and that answer too
        assertThat(dlqReasons()).hasSize(2).allSatisfy(reason -> assertThat(reason)
                .isEqualTo("warm-start answer for experiment 'new', which is not waiting for one (it was warm-started already)"));
        assertThat(header("new").strategyCalls).isEqualTo(calls);
        assertThat(requests()).isEmpty();
        assertThat(events()).isEmpty();
    }

    @Test
    void anAnswerForAnEndedOrUnrelatedExperimentIsDeadLettered() throws Exception {
        runOld("");
        experiments.pipeInput("plain", spec(EVOLUTION, 4, 1, ""));
        experiments.pipeInput("new", spec(EVOLUTION, 4, 1, FROM_OLD));
        byte[] answer = exchange.readRecordsToList().get(1).value();
        String json = new String(answer, StandardCharsets.UTF_8);
        experiments.pipeInput("plain", json.replace("\"experimentId\":\"new\"", "\"experimentId\":\"plain\"").getBytes(StandardCharsets.UTF_8));
        experiments.pipeInput("ghost", json.replace("\"experimentId\":\"new\"", "\"experimentId\":\"ghost\"").getBytes(StandardCharsets.UTF_8));
        assertThat(dlqReasons()).containsExactly(
                "warm-start answer for experiment 'plain', which is not waiting for one (it has no warmStart)",
                "warm-start answer for unknown experiment 'ghost'");
    }

    static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    /** {@code json} changed by {@code edit} (on a copy of its tree). */
    static byte[] edited(byte[] json, java.util.function.Consumer<com.fasterxml.jackson.databind.node.ObjectNode> edit) throws Exception {
        com.fasterxml.jackson.databind.node.ObjectNode tree = (com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(json);
        edit.accept(tree);
        return JSON.writeValueAsBytes(tree);
    }

    @Test
    void badExchangeRecordsOfEveryClassAreDeadLetteredAndTheControllerGoesOn() throws Exception {
        runOld("");
        experiments.pipeInput("new", spec(EVOLUTION, 8, 2, FROM_OLD));
        List<TestRecord<String, byte[]>> exchanged = exchange.readRecordsToList();
        byte[] request = exchanged.get(0).value();
        byte[] answer = exchanged.get(1).value();
        requests();
        events.readValuesToList();
        int calls = header("new").strategyCalls;

        java.util.Map<String, Object[]> bad = new java.util.LinkedHashMap<>();
        bad.put("null value", new Object[] {"new", null, "a tombstone (null value)"});
        bad.put("missing field", new Object[] {"new", edited(answer, a -> a.remove("seeds")),
                "invalid warm-start-answer: seeds: is required"});
        bad.put("null field", new Object[] {"new", edited(answer, a -> a.putNull("experimentId")), "experimentId: is required"});
        bad.put("wrong type", new Object[] {"new", edited(answer, a -> a.put("seeds", "many")), "seeds"});
        bad.put("key/id mismatch", new Object[] {"other", answer, "$key: 'other' differs from experimentId 'new'"});
        bad.put("huge value", new Object[] {"new", edited(answer, a -> a.withArray("skippedReasons").add("x".repeat(1 << 20))),
                "unreadable internal record"});
        bad.put("garbage bytes", new Object[] {"new", "{\"internal\": \"warm-start-answer\", \u0000".getBytes(StandardCharsets.UTF_8),
                "rejected experiment"});
        bad.put("non-finite number", new Object[] {"new", edited(answer, a -> ((com.fasterxml.jackson.databind.node.ObjectNode)
                a.withArray("seeds").get(0).get("result").get("metrics")).put("accuracy", "NaN")),
                "seeds[0].result.metrics.accuracy: must be a finite number"});
        bad.put("negative count", new Object[] {"new", edited(answer, a -> a.put("leftOut", -1)), "leftOut: must not be negative"});
        bad.put("seed outside the space", new Object[] {"new", edited(answer, a -> ((com.fasterxml.jackson.databind.node.ObjectNode)
                a.withArray("seeds").get(0).get("candidate").get("architecture").get("stages").get(0)).put("filters", 64)),
                "warm-start answer: seeds[0].candidate is not in the search space of experiment 'new': architecture.stages[0].filters"});
        bad.put("answer from another experiment", new Object[] {"new", edited(answer, a -> a.put("fromExperiment", "elsewhere")),
                "warm-start answer from experiment 'elsewhere', but experiment 'new' warm-starts from 'old'"});
        bad.put("errors and seeds", new Object[] {"new", edited(answer, a -> a.withArray("errors").addObject()
                .put("path", "x").put("message", "y")), "seeds: must be empty when the answer has errors"});
        bad.put("unknown kind", new Object[] {"new", edited(answer, a -> a.put("internal", "warm-start-bogus")),
                "unknown internal record 'warm-start-bogus'"});
        bad.put("kind of the wrong type", new Object[] {"new", edited(answer, a -> a.put("internal", 7)), "unknown internal record ''"});
        bad.put("request without spec", new Object[] {"old", edited(request, q -> q.putNull("spec")),
                "invalid warm-start-request: spec: is required"});
        bad.put("request with an invalid spec", new Object[] {"old", edited(request, q -> ((com.fasterxml.jackson.databind.node.ObjectNode)
                q.get("spec").get("budget")).put("maxTrials", 0)), "spec.budget.maxTrials"});
        bad.put("request for another experiment", new Object[] {"new", request, "$key: 'new' differs from fromExperiment 'old'"});
        bad.put("request of another warm start", new Object[] {"old", edited(request, q -> ((com.fasterxml.jackson.databind.node.ObjectNode)
                q.get("spec").get("warmStart")).put("fromExperiment", "elsewhere")), "spec.warmStart.fromExperiment"});
        for (java.util.Map.Entry<String, Object[]> c : bad.entrySet()) {
            experiments.pipeInput((String) c.getValue()[0], (byte[]) c.getValue()[1]);
            assertThat(dlqReasons()).as(c.getKey()).singleElement().asString().contains((String) c.getValue()[2]);
            assertThat(exchange.isEmpty()).as(c.getKey()).isTrue();
        }
        assertThat(requests()).isEmpty();
        assertThat(header("new").strategyCalls).isEqualTo(calls);
        assertThat(events()).extracting(e -> e.getClass().getSimpleName()).containsOnly("Rejected"); // for the garbage only

        // the controller goes on: another warm start is answered and seeds its experiment
        experiments.pipeInput("after", spec(EVOLUTION, 4, 2, FROM_OLD));
        assertThat(requests()).hasSize(2).allMatch(r -> r.experimentId().equals("after"));
        assertThat(header("after").warmStart.seeded).isEqualTo(12);
        assertThat(dlq.isEmpty()).isTrue();
    }
}
