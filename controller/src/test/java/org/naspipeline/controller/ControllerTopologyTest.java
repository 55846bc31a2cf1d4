package org.naspipeline.controller;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.naspipeline.api.ExperimentEvent;
import org.naspipeline.api.ExperimentStatus;
import org.naspipeline.api.JsonCodec;
import org.naspipeline.api.Topics;
import org.naspipeline.api.TrialEvent;
import org.naspipeline.api.TrialMetrics;
import org.naspipeline.api.TrialRequest;
import org.naspipeline.api.TrialResult;
import org.naspipeline.strategy.StrategyRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ControllerTopologyTest {
    @TempDir
    Path stateDir;
    TopologyTestDriver driver;
    TestInputTopic<String, byte[]> experiments;
    TestInputTopic<String, byte[]> results;
    TestOutputTopic<String, byte[]> trials;
    TestOutputTopic<String, byte[]> events;
    TestOutputTopic<String, byte[]> dlq;

    @BeforeEach
    void setUp() {
        Properties props = ControllerService.streamsProps(new ControllerConfig("dummy:9092", "test", stateDir, 1));
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.AT_LEAST_ONCE);
        driver = new TopologyTestDriver(ControllerTopology.build(StrategyRegistry.load()), props);
        experiments = driver.createInputTopic(Topics.EXPERIMENTS, Serdes.String().serializer(), Serdes.ByteArray().serializer());
        results = driver.createInputTopic(Topics.TRIAL_RESULTS, Serdes.String().serializer(), Serdes.ByteArray().serializer());
        trials = driver.createOutputTopic(Topics.TRIALS, Serdes.String().deserializer(), Serdes.ByteArray().deserializer());
        events = driver.createOutputTopic(Topics.EXPERIMENT_EVENTS, Serdes.String().deserializer(), Serdes.ByteArray().deserializer());
        dlq = driver.createOutputTopic(Topics.DLQ, Serdes.String().deserializer(), Serdes.ByteArray().deserializer());
    }

    @AfterEach
    void tearDown() {
        driver.close();
    }

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
                new ExperimentEvent.Completed(1, "exp1", ExperimentStatus.COMPLETED, 5, 0, "exp1-t0002", 0.9));
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
        assertThat(out.get(1)).isEqualTo(new ExperimentEvent.Completed(1, "exp3", ExperimentStatus.COMPLETED, 0, 1, null, null));
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
