package org.naspipeline.controller.streams;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;
import org.naspipeline.api.ExperimentEvent;
import org.naspipeline.api.ExperimentStatus;
import org.naspipeline.api.JsonCodec;
import org.naspipeline.api.MlpArchitecture;
import org.naspipeline.api.Topics;
import org.naspipeline.api.TrialControl;
import org.naspipeline.api.TrialEvent;
import org.naspipeline.api.TrialMetrics;
import org.naspipeline.api.TrialRequest;
import org.naspipeline.api.TrialResult;
import org.naspipeline.controller.logic.TrialRecord;

class ControllerTopologyTest extends TopologyTestBase {
    static byte[] exampleSpec(int maxTrials, int parallelism) throws Exception {
        String json = Files.readString(Path.of("..", "examples", "fashion-mnist.json"))
                .replace("\"maxTrials\": 4", "\"maxTrials\": " + maxTrials)
                .replace("\"parallelism\": 2", "\"parallelism\": " + parallelism);
        return json.getBytes(StandardCharsets.UTF_8);
    }

    List<TrialRequest> requests() {
        return trials.readValuesToList().stream().map(v -> JsonCodec.read(v, TrialRequest.class)).toList();
    }

    List<ExperimentEvent> events() {
        return events.readValuesToList().stream().map(v -> JsonCodec.read(v, ExperimentEvent.class)).toList();
    }

    static TrialMetrics metrics(double accuracy) {
        return TrialMetrics.synthetic(accuracy, 1.0, 4000);
    }

    void complete(TrialRequest r, double accuracy) {
        results.pipeInput(r.experimentId(), JsonCodec.write(new TrialResult.Completed(1, r.experimentId(), r.trialId(),
                r.attempt(), "w", metrics(accuracy), "file:///a")));
    }

    @Test
    void keepsParallelismInFlightAndCompletesAtMaxTrials() throws Exception {
        experiments.pipeInput("exp1", exampleSpec(5, 2));
        List<TrialRequest> first = requests();
        assertThat(first).extracting(TrialRequest::trialId).containsExactly("exp1-t0001", "exp1-t0002");
        assertThat(events()).first().isInstanceOf(ExperimentEvent.Accepted.class);

        complete(first.get(0), 0.7);
        assertThat(requests()).extracting(TrialRequest::trialId).containsExactly("exp1-t0003");
        complete(first.get(1), 0.9);
        List<TrialRequest> next = requests();
        assertThat(next).extracting(TrialRequest::trialId).containsExactly("exp1-t0004");
        events.readValuesToList();
        complete(next.get(0), 0.8);
        TrialRequest last = requests().get(0);
        assertThat(last.trialId()).isEqualTo("exp1-t0005");
        complete(last, 0.5);
        // t0003 still in flight: no completion yet, and no sixth trial
        assertThat(requests()).isEmpty();
        assertThat(events()).noneMatch(e -> e instanceof ExperimentEvent.Completed);
        complete(new TrialRequest(1, "exp1", "exp1-t0003", 1, null, null, null, 0), 0.6);
        List<ExperimentEvent> tail = events();
        assertThat(tail.get(tail.size() - 1)).isEqualTo(
                new ExperimentEvent.Completed(1, "exp1", ExperimentStatus.COMPLETED, 5, 0, "exp1-t0002", 0.9, "controller"));
        assertThat(requests()).isEmpty();
    }

    @Test
    void searchedTrainingParametersReachTheTrialRequests() throws Exception {
        experiments.pipeInput("mo", Files.readAllBytes(Path.of("..", "examples", "multi-objective.json")));
        List<TrialRequest> sent = requests();
        assertThat(sent).hasSize(2);
        for (TrialRequest r : sent) {
            Object lr = r.candidate().parameters().get("learningRate");
            assertThat(lr).isInstanceOf(Double.class);
            assertThat(r.training().learningRate()).isEqualTo(lr);
        }
        assertThat(events()).first().isInstanceOfSatisfying(ExperimentEvent.Accepted.class,
                a -> assertThat(a.spec().strategy().name()).isEqualTo("nsga2"));
    }

    List<TrialControl> controls() {
        return control.readValuesToList().stream().map(v -> JsonCodec.read(v, TrialControl.class)).toList();
    }

    @Test
    void silentAttemptsAreCancelledAndRetriedThenFailedWhileProgressKeepsATrialAlive() throws Exception {
        experiments.pipeInput("slow", exampleSpec(1, 1)); // timeout 1800 s, maxAttempts 2
        TrialRequest r = requests().get(0);
        events.readValuesToList();
        driver.advanceWallClockTime(Duration.ofSeconds(1700));
        results.pipeInput("slow", JsonCodec.write(new TrialEvent.Progress(1, "slow", r.trialId(), 1, 1, 5, 0.9, 0.6, 0.6, 100)));
        driver.advanceWallClockTime(Duration.ofSeconds(1700)); // 3400 s since scheduling, 1700 s since progress
        assertThat(requests()).isEmpty();
        assertThat(controls()).isEmpty();

        driver.advanceWallClockTime(Duration.ofSeconds(200));
        assertThat(controls()).singleElement().satisfies(c -> {
            assertThat(c.trialId()).isEqualTo(r.trialId());
            assertThat(c.attempt()).isEqualTo(1);
            assertThat(c.action()).isEqualTo(TrialControl.Action.CANCEL);
            assertThat(c.reason()).isEqualTo("no report from attempt 1 for 1800 s");
        });
        TrialRequest retry = requests().get(0);
        assertThat(retry.attempt()).isEqualTo(2);
        assertThat(retry.candidate()).isEqualTo(r.candidate());
        // the lost attempt's result arrives after all: it no longer counts
        complete(r, 0.9);
        assertThat(events()).singleElement().isInstanceOf(ExperimentEvent.TrialScheduled.class);

        driver.advanceWallClockTime(Duration.ofSeconds(1810));
        assertThat(controls()).extracting(TrialControl::attempt).containsExactly(2);
        assertThat(requests()).isEmpty();
        List<ExperimentEvent> end = events();
        assertThat(end.get(0)).isInstanceOfSatisfying(ExperimentEvent.TrialFinished.class,
                f -> assertThat(f.reason()).isEqualTo("no report from attempt 2 for 1800 s (timed out)"));
        assertThat(end.get(1)).isEqualTo(new ExperimentEvent.Completed(1, "slow", ExperimentStatus.COMPLETED, 0, 1, null, null, "controller"));
    }

    @Test
    void cancelStopsSchedulingCancelsRunningTrialsAndEndsTheExperiment() throws Exception {
        experiments.pipeInput("c1", exampleSpec(10, 2));
        List<TrialRequest> running = requests();
        complete(running.get(0), 0.7);
        TrialRequest third = requests().get(0);
        events.readValuesToList();
        experiments.pipeInput("c1", "{\"command\": \"cancel\", \"reason\": \"budget cut\"}".getBytes(StandardCharsets.UTF_8));
        assertThat(controls()).extracting(TrialControl::trialId).containsExactlyInAnyOrder(running.get(1).trialId(), third.trialId());
        assertThat(events()).containsExactly(new ExperimentEvent.Completed(1, "c1", ExperimentStatus.CANCELLED, 1, 2, "c1-t0001", 0.7, "topic"));
        complete(third, 0.95); // a cancelled trial's late result changes nothing
        assertThat(requests()).isEmpty();
        assertThat(events()).isEmpty();
        experiments.pipeInput("c1", "{\"command\": \"cancel\"}".getBytes(StandardCharsets.UTF_8)); // already ended
        experiments.pipeInput("nobody", "{\"command\": \"cancel\"}".getBytes(StandardCharsets.UTF_8));
        experiments.pipeInput("c1", "{\"command\": \"explode\"}".getBytes(StandardCharsets.UTF_8));
        List<String> reasons = dlq.readRecordsToList().stream()
                .map(rec -> new String(rec.headers().lastHeader("nas.reason").value(), StandardCharsets.UTF_8)).toList();
        assertThat(reasons).hasSize(2);
        assertThat(reasons.get(0)).isEqualTo("CANCEL for unknown experiment 'nobody'");
        assertThat(reasons.get(1)).startsWith("unreadable command: command:");
    }

    void progress(TrialRequest r, int epoch, double validationAccuracy) {
        results.pipeInput(r.experimentId(), JsonCodec.write(new TrialEvent.Progress(1, r.experimentId(), r.trialId(),
                r.attempt(), epoch, 3, 0.5, 0.5, validationAccuracy, 100)));
    }

    @Test
    void theMedianRuleStopsATrialBelowTheCompletedTrialsMedianOnlyOnce() throws Exception {
        String spec = new String(exampleSpec(10, 4), StandardCharsets.UTF_8)
                .replace("\"training\"", "\"earlyStopping\": {\"rule\": \"median\", \"minEpochs\": 2, \"minTrials\": 3}, \"training\"");
        experiments.pipeInput("es", spec.getBytes(StandardCharsets.UTF_8));
        List<TrialRequest> first = requests();
        double[][] curves = {{0.70, 0.80, 0.85}, {0.60, 0.75, 0.78}, {0.65, 0.72, 0.90}};
        for (int t = 0; t < 3; t++) {
            for (int e = 0; e < 3; e++) {
                progress(first.get(t), e + 1, curves[t][e]);
            }
            complete(first.get(t), curves[t][2]);
        }
        assertThat(controls()).isEmpty();
        TrialRequest fourth = first.get(3);
        progress(fourth, 1, 0.50); // epoch 1 < minEpochs: never stopped there
        assertThat(controls()).isEmpty();
        progress(fourth, 2, 0.74); // median of best-at-epoch-2 {0.80, 0.75, 0.72} is 0.75
        assertThat(controls()).singleElement().satisfies(c -> {
            assertThat(c.trialId()).isEqualTo(fourth.trialId());
            assertThat(c.action()).isEqualTo(TrialControl.Action.STOP);
            assertThat(c.reason()).isEqualTo("median stopping rule: best validation accuracy 0.7400 at epoch 2 is below the median 0.7500 of 3 completed trials");
        });
        progress(fourth, 2, 0.74); // a redelivered report does not stop it twice
        TrialRequest fifth = requests().get(0);
        progress(fifth, 1, 0.9);
        progress(fifth, 2, 0.76); // best so far 0.90 ≥ 0.75: keeps going
        assertThat(controls()).isEmpty();
    }

    @Test
    void aLargeExperimentKeepsOneEntryPerTrialAndASmallHeader() throws Exception {
        // 2,500 trials in flight: the trial table lives in its own store, one entry per trial, so a result
        // rewrites one trial and the header, not the whole history (which once outgrew the 1 MiB input limit).
        // The header holds neither the spec (stored once, on its own) nor the ids in flight (the trial table's).
        experiments.pipeInput("big", exampleSpec(2600, 2500));
        List<TrialRequest> sent = requests();
        assertThat(sent).hasSize(2500);
        byte[] header = driver.<String, byte[]>getKeyValueStore(ControllerTopology.STORE).get("big");
        assertThat(new String(header, StandardCharsets.UTF_8)).doesNotContain("big-t0001", "searchSpace").contains("\"inFlightCount\":2500");
        assertThat(header.length).isLessThan(1024);
        byte[] spec = driver.<String, byte[]>getKeyValueStore(ControllerTopology.SPEC_STORE).get("big");
        assertThat(JsonCodec.readStoredState(spec, org.naspipeline.api.ExperimentSpec.class))
                .isEqualTo(JsonCodec.readSpec(exampleSpec(2600, 2500)).withId("big"));
        org.apache.kafka.streams.state.KeyValueStore<String, byte[]> trialStore = driver.getKeyValueStore(ControllerTopology.TRIAL_STORE);
        assertThat(trialStore.approximateNumEntries()).isEqualTo(2500);
        complete(sent.get(0), 0.8);
        assertThat(requests()).extracting(TrialRequest::trialId).containsExactly("big-t2501");
        TrialRecord first = JsonCodec.readStoredState(trialStore.get(StoredTrialTable.key("big", "big-t0001")), TrialRecord.class);
        assertThat(first.status).isEqualTo(org.naspipeline.api.TrialStatus.COMPLETED);
        assertThat(dlq.isEmpty()).isTrue();
    }

    @Test
    void aRepeatedResultIsAppliedOnce() throws Exception {
        experiments.pipeInput("exp2", exampleSpec(3, 1));
        TrialRequest r = requests().get(0);
        complete(r, 0.7);
        complete(r, 0.7);
        assertThat(requests()).extracting(TrialRequest::trialId).containsExactly("exp2-t0002");
        assertThat(events()).filteredOn(e -> e instanceof ExperimentEvent.TrialFinished).hasSize(1);
    }

    @Test
    void bestAndParetoImprovementsArePublishedOnlyWhenTheyHappen() throws Exception {
        experiments.pipeInput("exp-best", exampleSpec(4, 3)); // one objective: the front is the best trial
        List<TrialRequest> r = requests();
        events.readValuesToList();
        complete(r.get(0), 0.7);
        List<ExperimentEvent> first = events();
        assertThat(first).filteredOn(e -> e instanceof ExperimentEvent.BestImproved)
                .containsExactly(new ExperimentEvent.BestImproved(1, "exp-best", r.get(0).trialId(), 0.7, null));
        assertThat(first).filteredOn(e -> e instanceof ExperimentEvent.ParetoFrontChanged).singleElement()
                .isInstanceOfSatisfying(ExperimentEvent.ParetoFrontChanged.class, p -> {
                    assertThat(p.front()).containsExactly(r.get(0).trialId());
                    assertThat(p.removed()).isEmpty();
                    assertThat(p.hypervolume()).isCloseTo(0.7, org.assertj.core.data.Offset.offset(1e-12));
                });
        complete(r.get(1), 0.9);
        List<ExperimentEvent> second = events();
        assertThat(second).filteredOn(e -> e instanceof ExperimentEvent.BestImproved)
                .containsExactly(new ExperimentEvent.BestImproved(1, "exp-best", r.get(1).trialId(), 0.9, 0.7));
        assertThat(second).filteredOn(e -> e instanceof ExperimentEvent.ParetoFrontChanged).singleElement()
                .isInstanceOfSatisfying(ExperimentEvent.ParetoFrontChanged.class, p -> {
                    assertThat(p.front()).containsExactly(r.get(1).trialId());
                    assertThat(p.removed()).containsExactly(r.get(0).trialId());
                });
        complete(r.get(2), 0.8);
        assertThat(events()).noneMatch(e -> e instanceof ExperimentEvent.BestImproved || e instanceof ExperimentEvent.ParetoFrontChanged);
    }

    @Test
    void aPausedExperimentSchedulesNothingNewUntilResumed() throws Exception {
        experiments.pipeInput("exp-pause", exampleSpec(4, 2));
        List<TrialRequest> first = requests();
        events.readValuesToList();
        experiments.pipeInput("exp-pause", "{\"command\": \"pause\", \"reason\": \"budget review\"}".getBytes(StandardCharsets.UTF_8));
        assertThat(events()).containsExactly(new ExperimentEvent.StatusChanged(1, "exp-pause", ExperimentStatus.PAUSED, "budget review", "topic"));
        complete(first.get(0), 0.7);
        assertThat(requests()).as("nothing new while paused").isEmpty();
        assertThat(events()).anyMatch(e -> e instanceof ExperimentEvent.TrialFinished);
        experiments.pipeInput("exp-pause", "{\"command\": \"pause\"}".getBytes(StandardCharsets.UTF_8));
        assertThat(events()).as("pausing twice changes nothing").isEmpty();
        experiments.pipeInput("exp-pause", "{\"command\": \"resume\"}".getBytes(StandardCharsets.UTF_8));
        assertThat(requests()).extracting(TrialRequest::trialId).containsExactly("exp-pause-t0003");
        assertThat(events()).first().isEqualTo(new ExperimentEvent.StatusChanged(1, "exp-pause", ExperimentStatus.RUNNING, null, "topic"));
    }

    @Test
    void afterMaxDurationNoTrialIsScheduledAndTheExperimentEndsWhenTheRunningOnesDo() throws Exception {
        String spec = new String(exampleSpec(10, 2), StandardCharsets.UTF_8).replace("\"maxAttempts\": 2", "\"maxAttempts\": 2, \"maxDurationSeconds\": 60");
        experiments.pipeInput("exp-time", spec.getBytes(StandardCharsets.UTF_8));
        List<TrialRequest> first = requests();
        complete(first.get(0), 0.6);
        TrialRequest third = requests().get(0);
        driver.advanceWallClockTime(java.time.Duration.ofSeconds(61));
        events.readValuesToList();
        complete(first.get(1), 0.7);
        assertThat(requests()).as("out of time: nothing new").isEmpty();
        assertThat(events()).noneMatch(e -> e instanceof ExperimentEvent.Completed);
        complete(third, 0.8);
        List<ExperimentEvent> tail = events();
        assertThat(tail.get(tail.size() - 1)).isInstanceOfSatisfying(ExperimentEvent.Completed.class, c -> {
            assertThat(c.status()).isEqualTo(ExperimentStatus.COMPLETED);
            assertThat(c.completedTrials()).isEqualTo(3);
        });
    }

    @Test
    void aFreedSlotIsRefilledAndARetryKeepsItsSlot() throws Exception {
        experiments.pipeInput("exp-slots", exampleSpec(6, 3));
        List<TrialRequest> first = requests();
        assertThat(first).extracting(TrialRequest::slot).containsExactly(0, 1, 2);
        complete(first.get(1), 0.7);
        TrialRequest refill = requests().get(0);
        assertThat(refill.slot()).as("the slot trial 2 left").isEqualTo(1);
        results.pipeInput("exp-slots", JsonCodec.write(new TrialResult.Failed(1, "exp-slots", first.get(2).trialId(), 1, "w", "OOM", true)));
        TrialRequest retry = requests().get(0);
        assertThat(retry.trialId()).isEqualTo(first.get(2).trialId());
        assertThat(retry.slot()).isEqualTo(2);
        complete(first.get(0), 0.6);
        assertThat(requests()).extracting(TrialRequest::slot).containsExactly(0);
    }

    @Test
    void slotsMapToDistinctPartitionsOffsetPerExperiment() {
        SlotPartitioner partitioner = new SlotPartitioner();
        java.util.Set<Integer> partitions = new java.util.HashSet<>();
        for (int slot = 0; slot < 8; slot++) {
            TrialRequest r = new TrialRequest(1, "exp-a", "exp-a-t" + slot, 1, null, null, null, 0, slot);
            partitions.addAll(partitioner.partitions(Topics.TRIALS, r.trialId(), r, 8).orElseThrow());
        }
        assertThat(partitions).as("8 slots over 8 partitions").hasSize(8);
        TrialRequest a = new TrialRequest(1, "exp-a", "x", 1, null, null, null, 0, 0);
        TrialRequest b = new TrialRequest(1, "exp-b", "y", 1, null, null, null, 0, 0);
        assertThat(partitioner.partitions(Topics.TRIALS, "x", a, 8).orElseThrow())
                .as("slot 0 of two experiments").isNotEqualTo(partitioner.partitions(Topics.TRIALS, "y", b, 8).orElseThrow());
        TrialRequest unslotted = new TrialRequest(1, "exp-a", "z", 1, null, null, null, 0);
        assertThat(partitioner.partitions(Topics.TRIALS, "z", unslotted, 8)).as("hash of the key").isEmpty();
    }

    static byte[] distillingSpec(int maxTrials) throws Exception {
        return Files.readString(Path.of("..", "examples", "joint-compression.json"))
                .replace("\"maxTrials\": 32", "\"maxTrials\": " + maxTrials)
                .replace("\"fineTuneEpochs\": 1", "\"fineTuneEpochs\": 1, \"distillation\": [true], \"temperatures\": [2.0, 4.0], "
                        + "\"teacherArchitecture\": {\"family\": \"mlp\", \"hiddenUnits\": [256], \"head\": {\"denseUnits\": 0, \"dropout\": 0.0}}")
                .getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aTeacherArchitectureIsTrainedFirstAndItsArtifactReachesEveryDistilledTrial() throws Exception {
        experiments.pipeInput("kd", distillingSpec(3));
        List<TrialRequest> first = requests();
        assertThat(first).singleElement().satisfies(t -> {
            assertThat(t.trialId()).isEqualTo("kd-teacher");
            assertThat(((MlpArchitecture) t.candidate().architecture()).hiddenUnits()).containsExactly(256);
            assertThat(t.candidate().compression()).isEqualTo(org.naspipeline.api.CompressionSpec.NONE);
            assertThat(t.slot()).isZero();
        });
        assertThat(events()).extracting(e -> e.getClass().getSimpleName()).containsExactly("Accepted", "TrialScheduled");
        // a retriable failure of the teacher is retried like any trial
        results.pipeInput("kd", JsonCodec.write(new TrialResult.Failed(1, "kd", "kd-teacher", 1, "w", "OOM", true)));
        TrialRequest retry = requests().get(0);
        assertThat(retry.attempt()).isEqualTo(2);
        events.readValuesToList();
        results.pipeInput("kd", JsonCodec.write(new TrialResult.Completed(1, "kd", "kd-teacher", 2, "w", metrics(0.95),
                "file:///artifacts/kd/kd-teacher/attempt-2/")));
        List<TrialRequest> search = requests();
        assertThat(search).extracting(TrialRequest::trialId).containsExactly("kd-t0001", "kd-t0002");
        assertThat(search).allSatisfy(t -> {
            assertThat(t.candidate().compression().distillation().enabled()).isTrue();
            assertThat(t.candidate().compression().distillation().teacher()).isEqualTo("file:///artifacts/kd/kd-teacher/attempt-2/");
        });
        List<ExperimentEvent> out = events();
        assertThat(out.get(0)).isInstanceOfSatisfying(ExperimentEvent.TrialFinished.class, f -> {
            assertThat(f.trialId()).isEqualTo("kd-teacher");
            assertThat(f.completedTrials()).as("the teacher is not a search trial").isZero();
        });
        complete(search.get(0), 0.8);
        complete(search.get(1), 0.7);
        complete(requests().get(0), 0.6);
        List<ExperimentEvent> tail = events();
        assertThat(tail.get(tail.size() - 1)).isInstanceOfSatisfying(ExperimentEvent.Completed.class, c -> {
            assertThat(c.completedTrials()).isEqualTo(3);
            assertThat(c.bestTrialId()).as("the teacher's 0.95 is not the search's best").isEqualTo("kd-t0001");
        });
    }

    @Test
    void aTeacherThatFailsForGoodFailsTheExperiment() throws Exception {
        experiments.pipeInput("kd2", distillingSpec(3));
        requests();
        events.readValuesToList();
        results.pipeInput("kd2", JsonCodec.write(new TrialResult.Failed(1, "kd2", "kd2-teacher", 1, "w", "unbuildable", false)));
        assertThat(requests()).isEmpty();
        List<ExperimentEvent> out = events();
        assertThat(out).extracting(e -> e.getClass().getSimpleName()).containsExactly("TrialFinished", "StatusChanged", "Completed");
        assertThat(out.get(1)).isInstanceOfSatisfying(ExperimentEvent.StatusChanged.class, c -> {
            assertThat(c.status()).isEqualTo(ExperimentStatus.FAILED);
            assertThat(c.reason()).isEqualTo("the teacher trial kd2-teacher failed: unbuildable");
        });
    }

    @Test
    void retriableFailuresAreRetriedUpToMaxAttemptsThenFail() throws Exception {
        experiments.pipeInput("exp3", exampleSpec(1, 1)); // maxAttempts 2 in the example
        TrialRequest r = requests().get(0);
        results.pipeInput("exp3", JsonCodec.write(new TrialResult.Failed(1, "exp3", r.trialId(), 1, "w", "OOM", true)));
        TrialRequest retry = requests().get(0);
        assertThat(retry.trialId()).isEqualTo(r.trialId());
        assertThat(retry.attempt()).isEqualTo(2);
        assertThat(retry.candidate()).isEqualTo(r.candidate());
        assertThat(retry.seed()).isEqualTo(r.seed());
        events.readValuesToList();
        results.pipeInput("exp3", JsonCodec.write(new TrialResult.Failed(1, "exp3", r.trialId(), 2, "w", "OOM again", true)));
        assertThat(requests()).isEmpty();
        List<ExperimentEvent> out = events();
        assertThat(out.get(0)).isInstanceOfSatisfying(ExperimentEvent.TrialFinished.class,
                f -> assertThat(f.reason()).isEqualTo("OOM again"));
        assertThat(out.get(1)).isEqualTo(new ExperimentEvent.Completed(1, "exp3", ExperimentStatus.COMPLETED, 0, 1, null, null, "controller"));
    }

    @Test
    void invalidSpecsGoToTheDlqWithTheReasonAndARejectedEvent() {
        experiments.pipeInput("bad", "{\"budget\": {\"maxTrials\": 0}}".getBytes(StandardCharsets.UTF_8));
        TestRecord<String, byte[]> dead = dlq.readRecord();
        String reason = new String(dead.headers().lastHeader("nas.reason").value(), StandardCharsets.UTF_8);
        assertThat(reason).contains("dataset: is required").contains("budget.maxTrials: must be in [1, 1000000] (got 0)");
        assertThat(new String(dead.value(), StandardCharsets.UTF_8)).isEqualTo("{\"budget\": {\"maxTrials\": 0}}");
        assertThat(events()).singleElement().isInstanceOfSatisfying(ExperimentEvent.Rejected.class,
                r -> assertThat(r.errors()).extracting(e -> e.path()).contains("dataset", "searchSpace", "budget.maxTrials"));
        experiments.pipeInput("junk", new byte[] {1, 2, 3});
        assertThat(dlq.readRecord().key()).isEqualTo("junk");
        assertThat(trials.isEmpty()).isTrue();
    }

    @Test
    void aBudgetLargerThanTheSpaceIsRejected() throws Exception {
        experiments.pipeInput("too-many", exampleSpec(1_000_000, 2));
        assertThat(events()).singleElement().isInstanceOfSatisfying(ExperimentEvent.Rejected.class,
                r -> assertThat(r.errors()).singleElement().satisfies(e -> {
                    assertThat(e.path()).isEqualTo("budget.maxTrials");
                    assertThat(e.message()).matches("exceeds the \\d+ distinct candidates of the search space \\(got 1000000\\)");
                }));
        assertThat(trials.isEmpty()).isTrue();
    }

    @Test
    void unknownStrategiesAndUnreadableReportsAreRejectedAndProcessingContinues() throws Exception {
        byte[] spec = new String(exampleSpec(2, 1), StandardCharsets.UTF_8).replace("\"random\"", "\"grid\"").getBytes(StandardCharsets.UTF_8);
        experiments.pipeInput("exp4", spec);
        assertThat(events()).singleElement().isInstanceOfSatisfying(ExperimentEvent.Rejected.class,
                r -> assertThat(r.errors().get(0).path()).isEqualTo("strategy.name"));
        results.pipeInput("exp4", "not json".getBytes(StandardCharsets.UTF_8));
        results.pipeInput("nope", JsonCodec.write(new TrialEvent.Started(1, "nope", "nope-t0001", 1, "w", 0)));
        assertThat(dlq.readRecordsToList()).hasSize(3);
        experiments.pipeInput("exp5", exampleSpec(2, 1));
        assertThat(requests()).hasSize(1);
    }
}
