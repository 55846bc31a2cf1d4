package org.naspipeline.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.naspipeline.api.Candidate;
import org.naspipeline.api.CompressionSpace;
import org.naspipeline.api.ExperimentEvent;
import org.naspipeline.api.ExperimentSpec;
import org.naspipeline.api.JsonCodec;
import org.naspipeline.api.ObjectivesSpec;
import org.naspipeline.api.Objective;
import org.naspipeline.api.Quantization;
import org.naspipeline.api.SchedulerSpec;
import org.naspipeline.api.SearchSpace;
import org.naspipeline.api.TrialMetrics;
import org.naspipeline.api.TrialStatus;
import org.w3c.dom.Document;
import org.w3c.dom.NodeList;

/** The figures, curve and plot of {@code nas bench search} from fixed events: no broker, no training. */
class SearchBenchmarkTest {
    static final ObjectivesSpec UNDER_100_KB = new ObjectivesSpec(null, null,
            List.of(new ObjectivesSpec.Constraint(Objective.Metric.SIZE_BYTES, 100_000.0, null)));
    static final long[] RUNGS = {1, 2, 4};

    static TrialMetrics metrics(double validation, double test, long bytes) {
        return new TrialMetrics(validation, test, 0.3, 1, 1, 0, 1, 1, 1, 1000, 1000, 1000, bytes, null, 1, 1, 1, 1, 1, "cpu", 1);
    }

    static SearchArmSummary.TimedEvent scheduled(double seconds, String trial, Integer rung) {
        return new SearchArmSummary.TimedEvent(Math.round(seconds * 1000),
                new ExperimentEvent.TrialScheduled(1, "e", trial, 1, (Candidate) null, rung));
    }

    static SearchArmSummary.TimedEvent finished(double seconds, String trial, Integer rung, TrialMetrics m) {
        return new SearchArmSummary.TimedEvent(Math.round(seconds * 1000), new ExperimentEvent.TrialFinished(1, "e", trial, null,
                m == null ? TrialStatus.FAILED : TrialStatus.COMPLETED, m, m == null ? "loss became NaN" : null, 0, 0, 10, null, rung));
    }

    /** An ASHA arm with a promotion, an infeasible result, a failure and a result after a 30-s budget, out of order. */
    static List<SearchArmSummary.TimedEvent> ashaArm() {
        List<SearchArmSummary.TimedEvent> events = new ArrayList<>(List.of(
                finished(31, "t4", 0, metrics(0.95, 0.94, 40_000)), // after the budget: never counts
                scheduled(0.1, "t1", 0),
                scheduled(0.1, "t2", 0),
                finished(10, "t1", 0, metrics(0.80, 0.79, 50_000)),
                finished(12, "t2", 0, metrics(0.85, 0.86, 150_000)), // over 100 kB
                scheduled(12.5, "t1", 1), // promoted
                scheduled(13, "t3", 0),
                scheduled(14, "t5", 0),
                finished(20, "t1", 1, metrics(0.84, 0.83, 50_000)),
                finished(21, "t3", 0, null),
                finished(25, "t5", 0, metrics(0.82, 0.90, 60_000)), // feasible, but validates below the incumbent
                scheduled(29, "t4", 0)));
        return events;
    }

    @Test
    void onlyFeasibleResultsWithinTheBudgetCountAndTheIncumbentIsChosenByValidationAccuracy() {
        SearchArmSummary.Figures f = SearchArmSummary.summarize(ashaArm(), 30, RUNGS, false, 4, UNDER_100_KB);

        assertThat(f.trialsStarted()).isEqualTo(5);
        assertThat(f.trialsCompleted()).isEqualTo(3); // t1, t2 (infeasible, but trained), t5
        assertThat(f.trialsFailed()).isEqualTo(1);
        assertThat(f.promotions()).isEqualTo(1);
        assertThat(f.resultsByEpochs()).isEqualTo(Map.of("1", 3, "2", 1));
        assertThat(f.resultsAfterBudget()).isEqualTo(1);
        assertThat(f.infeasibleResults()).isEqualTo(1);
        assertThat(f.curve()).containsExactly(
                new SearchArmSummary.CurvePoint(10, "t1", 1, 0.80, 0.79, 50_000),
                new SearchArmSummary.CurvePoint(20, "t1", 2, 0.84, 0.83, 50_000));
        assertThat(f.best()).isEqualTo(f.curve().get(1));
        assertThat(f.results()).hasSize(5).filteredOn(r -> !r.withinBudget()).extracting(SearchArmSummary.Result::trialId)
                .containsExactly("t4");
        assertThat(f.results()).filteredOn(r -> !r.feasible()).extracting(SearchArmSummary.Result::sizeBytes)
                .containsExactly(150_000L);

        assertThat(SearchArmSummary.secondsToReach(f.curve(), 0.79)).isEqualTo(10.0);
        assertThat(SearchArmSummary.secondsToReach(f.curve(), 0.83)).isEqualTo(20.0);
        assertThat(SearchArmSummary.secondsToReach(f.curve(), 0.90)).isNull();
    }

    @Test
    void aBudgetThatEndsEarlierCutsTheCurveThere() {
        SearchArmSummary.Figures f = SearchArmSummary.summarize(ashaArm(), 15, RUNGS, false, 4, UNDER_100_KB);

        assertThat(f.curve()).extracting(SearchArmSummary.CurvePoint::seconds).containsExactly(10.0);
        assertThat(f.trialsStarted()).isEqualTo(4);
        assertThat(f.trialsCompleted()).isEqualTo(2);
        assertThat(f.trialsFailed()).isZero();
        assertThat(f.resultsAfterBudget()).isEqualTo(3); // t1 at rung 1, t5, t4
    }

    @Test
    void withoutRungsEveryResultHasTheTrainingEpochs() {
        List<SearchArmSummary.TimedEvent> events = List.of(scheduled(0, "a", null), finished(5, "a", null, metrics(0.7, 0.7, 10)),
                scheduled(5, "b", null), finished(9, "b", null, metrics(0.9, 0.88, 10)));
        SearchArmSummary.Figures f = SearchArmSummary.summarize(events, 60, new long[0], false, 4, ObjectivesSpec.DEFAULT);

        assertThat(f.resultsByEpochs()).isEqualTo(Map.of("4", 2));
        assertThat(f.promotions()).isZero();
        assertThat(f.best()).isEqualTo(new SearchArmSummary.CurvePoint(9, "b", 4, 0.9, 0.88, 10));
        assertThat(SearchArmSummary.describe(UNDER_100_KB)).isEqualTo("sizeBytes ≤ 100000");
        assertThat(SearchArmSummary.describe(ObjectivesSpec.DEFAULT)).isEqualTo("none");
    }

    @Test
    void underRungsOfExamplesAResultsEpochsAreItsRungsExamplesOverItsTrainingSet() {
        // metrics(...) trains on 1 example: use 40,000
        TrialMetrics quarter = new TrialMetrics(0.8, 0.79, 0.3, 1, 1, 0, 1, 1, 1, 1000, 1000, 1000, 50_000, null, 1, 1, 40_000, 1,
                1, "cpu", 1);
        TrialMetrics half = new TrialMetrics(0.84, 0.83, 0.3, 1, 1, 0, 1, 1, 1, 1000, 1000, 1000, 50_000, null, 1, 1, 40_000, 1,
                1, "cpu", 1);
        List<SearchArmSummary.TimedEvent> events = List.of(scheduled(0, "a", 0), finished(5, "a", 0, quarter),
                scheduled(5, "a", 1), finished(9, "a", 1, half));
        SearchArmSummary.Figures f = SearchArmSummary.summarize(events, 60, new long[] {10_000, 20_000, 40_000}, true, 4,
                UNDER_100_KB);

        assertThat(f.resultsByEpochs()).isEqualTo(Map.of("0.25", 1, "0.5", 1));
        assertThat(List.of(4.0, 0.25, 1.5, 16.0)).extracting(SearchArmSummary::epochsText).containsExactly("4", "0.25", "1.5", "16");
        assertThat(f.results()).extracting(SearchArmSummary.Result::examples).containsExactly(10_000L, 20_000L);
        assertThat(f.best()).isEqualTo(new SearchArmSummary.CurvePoint(9, "a", 0.5, 0.84, 0.83, 50_000));
        assertThat(f.promotions()).isEqualTo(1);
    }

    @Test
    void theStepLineHoldsEachIncumbentUntilTheNextAndTheLastToTheArmsEnd() {
        AnytimePlot.Axes axes = new AnytimePlot.Axes(100, 0.5, 1.0); // plot area x 70..550, y 40..370
        AnytimePlot.Series s = new AnytimePlot.Series("re", List.of(new double[] {10, 0.75}, new double[] {50, 1.0}), 80);

        assertThat(AnytimePlot.steps(s, axes)).isEqualTo("118.0,205.0 310.0,205.0 310.0,40.0 454.0,40.0");
        assertThat(AnytimePlot.niceStep(30)).isEqualTo(5.0);
        assertThat(AnytimePlot.niceStep(0.5)).isEqualTo(0.05);
    }

    @Test
    void thePlotIsAWellFormedSvgWithOneLinePerArmThatFoundSomething() throws Exception {
        String svg = AnytimePlot.svg("best <within> \"100 kB\" & more", "test accuracy", 1800, List.of(
                new AnytimePlot.Series("random", List.of(new double[] {100, 0.81}, new double[] {900, 0.86}), 1800),
                new AnytimePlot.Series("re", List.of(), 1800),
                new AnytimePlot.Series("re-asha", List.of(new double[] {60, 0.79}), 1800)));

        Document doc = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
        assertThat(doc.getDocumentElement().getTagName()).isEqualTo("svg");
        NodeList lines = doc.getElementsByTagName("polyline");
        assertThat(lines.getLength()).isEqualTo(2);
        assertThat(lines.item(0).getAttributes().getNamedItem("data-name").getNodeValue()).isEqualTo("random");
        assertThat(lines.item(1).getAttributes().getNamedItem("data-name").getNodeValue()).isEqualTo("re-asha");
        assertThat(doc.getElementsByTagName("text").item(0).getTextContent()).isEqualTo("best <within> \"100 kB\" & more");
        // y from 0.75 to 0.90 (0.79 … 0.86 rounded out to 0.05), x ticks every 5 minutes to 30
        assertThat(svg).contains(">0.75<", ">0.90<", ">30<").doesNotContain(">0.70<", ">0.95<", ">35<");
        assertThat(svg).contains(">re (none)<", ">random<", ">re-asha<"); // the legend says which arm found nothing
    }

    @Test
    void theArmsShareTheSpecAndDifferOnlyInStrategyAndScheduler() throws Exception {
        ExperimentSpec base = JsonCodec.readSpec(Files.readAllBytes(ComposeFile.REPO.resolve("examples/search-bench.json")));
        assertThat(SearchBenchmark.problem(base, 0)).isNull();

        ExperimentSpec random = SearchBenchmark.armSpec(base, "random", 7, 2, 1800, "r");
        ExperimentSpec re = SearchBenchmark.armSpec(base, "re", 7, 2, 1800, "e");
        ExperimentSpec asha = SearchBenchmark.armSpec(base, "re-asha", 7, 2, 1800, "a");
        ExperimentSpec tpe = SearchBenchmark.armSpec(base, "tpe", 7, 2, 1800, "t");
        assertThat(random.strategy().name()).isEqualTo("random");
        assertThat(tpe.strategy().name()).isEqualTo("tpe");
        assertThat(tpe.strategy().settings()).isEmpty(); // TPE's defaults, not evolution's settings
        assertThat(re.strategy().name()).isEqualTo("regularized-evolution");
        assertThat(re.strategy().settings()).isEqualTo(base.strategy().settings());
        assertThat(List.of(random, re, asha, tpe)).allSatisfy(s -> {
            assertThat(s.strategy().seed()).isEqualTo(7L);
            assertThat(s.budget().maxDurationSeconds()).isEqualTo(1800);
            assertThat(s.budget().parallelism()).isEqualTo(2);
            assertThat(s.searchSpace()).isEqualTo(base.searchSpace());
            assertThat(s.training()).isEqualTo(base.training());
            assertThat(s.objectives()).isEqualTo(base.objectives());
            assertThat(s.validate()).isEmpty();
        });
        assertThat(random.scheduler().type()).isEqualTo(SchedulerSpec.Type.NONE);
        assertThat(re.scheduler().type()).isEqualTo(SchedulerSpec.Type.NONE);
        assertThat(tpe.scheduler().type()).isEqualTo(SchedulerSpec.Type.NONE);
        assertThat(asha.scheduler()).isEqualTo(base.scheduler());
        // the top rung is the epochs random and re train every trial to
        assertThat(asha.scheduler().rungEpochs(asha.training())).containsExactly(1, 2, 4);
        assertThat(base.training().epochs()).isEqualTo(4);
    }

    @Test
    void aSpecThatCannotCompareTheArmsIsRefusedWithWhatToChange() throws Exception {
        ExperimentSpec base = JsonCodec.readSpec(Files.readAllBytes(ComposeFile.REPO.resolve("examples/search-bench.json")));
        SearchSpace fp32 = new SearchSpace(base.searchSpace().architecture(), new CompressionSpace(null, null,
                List.of(Quantization.FP32, Quantization.INT8_PER_CHANNEL), null, null, null, null), null, null);
        ExperimentSpec withFp32 = new ExperimentSpec(1, null, "x", base.dataset(), fp32, base.strategy(), base.budget(),
                base.training(), base.objectives(), null, base.scheduler());
        assertThat(SearchBenchmark.problem(withFp32, 0)).startsWith("searchSpace.compression.quantization must list int8");
        ExperimentSpec noAsha = SearchBenchmark.armSpec(base, "re", 1, 2, 60, "x");
        assertThat(SearchBenchmark.problem(noAsha, 0)).startsWith("scheduler.type must be asha");
        ExperimentSpec shortTop = new ExperimentSpec(1, null, "x", base.dataset(), base.searchSpace(), base.strategy(),
                base.budget(), base.training(), base.objectives(), null,
                new SchedulerSpec(SchedulerSpec.Type.ASHA, 2, 1, 2, null, null));
        assertThat(SearchBenchmark.problem(shortTop, 0)).startsWith("scheduler.maxEpochs must equal training.epochs");
        ExperimentSpec random = SearchBenchmark.armSpec(base, "random", 1, 2, 60, "x");
        assertThat(SearchBenchmark.problem(random, 0)).startsWith("strategy.name must be regularized-evolution");

        // rungs of examples: the top rung must be training.epochs (4) of the training set
        java.util.function.LongFunction<ExperimentSpec> examples = max -> new ExperimentSpec(1, null, "x", base.dataset(),
                base.searchSpace(), base.strategy(), base.budget(), base.training(), base.objectives(), null,
                new SchedulerSpec(SchedulerSpec.Type.ASHA, 2, null, null, null, null, SchedulerSpec.Resource.EXAMPLES,
                        13_500L, max));
        assertThat(SearchBenchmark.problem(examples.apply(216_000), 54_000)).isNull();
        ExperimentSpec shipped = JsonCodec.readSpec(Files.readAllBytes(ComposeFile.REPO.resolve(
                "examples/search-bench-examples.json")));
        assertThat(SearchBenchmark.problem(shipped, 54_000)).as("the full set's 54,000").isNull();
        assertThat(SearchBenchmark.problem(shipped, 9_000)).as("the bundled subset's 9,000").startsWith("scheduler.maxExamples");
        assertThat(SearchBenchmark.problem(examples.apply(108_000), 54_000))
                .isEqualTo("scheduler.maxExamples must be training.epochs × the training set's 54000 examples (216000), so "
                        + "random and re train every trial as long as ASHA's top rung");
    }
}
