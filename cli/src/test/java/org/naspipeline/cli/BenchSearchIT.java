package org.naspipeline.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code nas bench search} end to end at its smallest: the four arms, each a real pipeline (in-process broker and
 * controller, two DJL worker processes) for 20 s on a few hundred images of the bundled subset, through the command
 * as a user runs it. It checks the JSON's shape and that its numbers agree with each other and with the rules of the
 * benchmark (only feasible results within the budget count, the curve only improves, promotions only under ASHA,
 * every size is the int8 file's); the benchmark's targets are measured by the bench itself (docs/benchmarks.md).
 */
class BenchSearchIT {
    static final int BUDGET = 20;
    static final long MAX_BYTES = 20_000;

    /** The benchmark's spec made tiny: 540 training images, 1 or 2 small stages (156 candidates), 2 epochs (ASHA rungs 1 and 2). */
    static Path tinySpec(Path dir) throws Exception {
        ObjectMapper json = new ObjectMapper();
        ObjectNode spec = (ObjectNode) json.readTree(ComposeFile.REPO.resolve("examples/search-bench.json").toFile());
        spec.set("dataset", json.readTree("{\"name\": \"fashion-mnist\", \"trainLimit\": 600, \"testLimit\": 200}"));
        ((ObjectNode) spec.get("searchSpace")).set("architecture", json.readTree("{\"family\": \"cnn\", \"stages\": {\"min\": 1, "
                + "\"max\": 2}, \"blocksPerStage\": {\"min\": 1, \"max\": 1}, \"filters\": [4, 8, 16], "
                + "\"kernelSizes\": [3, 5], \"batchNorm\": [true], \"pooling\": [\"max\", \"avg\"]}"));
        spec.set("budget", json.readTree("{\"maxTrials\": 100, \"parallelism\": 2, \"maxAttempts\": 1}"));
        spec.set("objectives", json.readTree("{\"objectives\": [{\"metric\": \"accuracy\"}], \"constraints\": "
                + "[{\"metric\": \"sizeBytes\", \"max\": " + MAX_BYTES + "}]}"));
        spec.set("training", json.readTree("{\"epochs\": 2, \"batchSize\": 64, \"learningRate\": 0.003, \"optimizer\": \"adam\", "
                + "\"schedule\": \"cosine\"}"));
        spec.set("strategy", json.readTree("{\"name\": \"regularized-evolution\", \"seed\": 3, \"settings\": "
                + "{\"populationSize\": 2, \"sampleSize\": 2}}"));
        Path file = dir.resolve("tiny-search.json");
        json.writeValue(file.toFile(), spec);
        return file;
    }

    @Test
    void theArmsRunOnOneBudgetAndReportConsistentFigures(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("out");
        NasProcess.Run run = NasProcess.run(dir, Duration.ofMinutes(4), pb -> { }, "bench", "search", "--budget", BUDGET + "s",
                "--seed", "5", "--arms", "random,re,re-asha,tpe", "--spec", tinySpec(dir).toString(), "--data",
                ComposeFile.REPO.resolve("datasets/fashion-mnist-mini").toString(), "--out", out.toString(), "--json");
        assertThat(run.code()).as(run.err()).isZero();

        JsonNode doc = new ObjectMapper().readTree(run.out());
        assertThat(doc.get("benchmark").asText()).isEqualTo("search");
        JsonNode r = doc.get("result");
        assertThat(Files.readString(out.resolve("search.json")).strip()).isEqualTo(run.out().strip());
        assertThat(r.get("budgetSeconds").asDouble()).isEqualTo(BUDGET);
        assertThat(r.get("seed").asLong()).isEqualTo(5);
        assertThat(r.get("workers").asInt()).isEqualTo(2);
        assertThat(r.get("dataset").asText()).contains("fashion-mnist-mini");
        assertThat(r.get("constraint").asText()).isEqualTo("sizeBytes ≤ " + MAX_BYTES);
        assertThat(r.get("ashaRungEpochs").toString()).isEqualTo("[1,2]");

        List<String> names = new ArrayList<>();
        int withCurve = 0;
        for (JsonNode arm : r.get("arms")) {
            String name = arm.get("arm").asText();
            names.add(name);
            assertThat(arm.get("strategy").asText()).isEqualTo(name.equals("random") || name.equals("tpe") ? name
                    : "regularized-evolution");
            assertThat(arm.get("scheduler").asText()).isEqualTo(name.equals("re-asha") ? "asha" : "none");
            checkArm(name, arm);
            withCurve += arm.get("curve").isEmpty() ? 0 : 1;
        }
        assertThat(names).containsExactly("random", "re", "re-asha", "tpe");

        // the re arm reaches its own final test accuracy no later than its final incumbent appeared
        JsonNode re = r.get("arms").get(1);
        if (!re.get("best").isNull()) {
            assertThat(r.get("reFinalTestAccuracy").asDouble()).isEqualTo(re.get("best").get("testAccuracy").asDouble());
            assertThat(r.get("secondsToReFinalBest").get("re").asDouble()).isLessThanOrEqualTo(re.get("best").get("seconds").asDouble());
        }
        assertThat(r.get("secondsToReFinalBest").size()).isEqualTo(4);

        Path svg = Path.of(r.get("plot").asText());
        assertThat(svg).isEqualTo(out.resolve("search.svg").toAbsolutePath());
        org.w3c.dom.Document plot = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(svg.toFile());
        assertThat(plot.getElementsByTagName("polyline").getLength()).isEqualTo(withCurve);
    }

    /** One arm's figures against each other and against the rules of the benchmark. */
    static void checkArm(String name, JsonNode arm) {
        String as = name + ": " + arm;
        assertThat(arm.get("trialsStarted").asInt()).as(as).isPositive();
        assertThat(arm.get("trialsCompleted").asInt()).as(as).isPositive().isLessThanOrEqualTo(arm.get("trialsStarted").asInt());
        assertThat(arm.get("trialsCompleted").asInt() + arm.get("trialsFailed").asInt()).as(as)
                .isLessThanOrEqualTo(arm.get("trialsStarted").asInt());
        assertThat(arm.get("workerCpuSeconds").asDouble()).as(as).isPositive();
        assertThat(arm.get("status").asText()).as(as).isIn("cancelled", "completed");
        if (arm.get("status").asText().equals("cancelled")) {
            assertThat(arm.get("wallSeconds").asDouble()).as(as).isGreaterThanOrEqualTo(BUDGET);
        }
        int counted = 0;
        int late = 0;
        int infeasible = 0;
        double bestValidation = -1;
        JsonNode bestResult = null;
        Set<String> completed = new HashSet<>();
        for (JsonNode res : arm.get("results")) {
            assertThat(res.get("model").asText()).as(as).isEqualTo("model.int8.onnx");
            assertThat(res.get("feasible").asBoolean()).as(as).isEqualTo(res.get("sizeBytes").asLong() <= MAX_BYTES);
            assertThat(res.get("withinBudget").asBoolean()).as(as).isEqualTo(res.get("atSeconds").asDouble() <= BUDGET);
            assertThat(res.get("epochs").asInt()).as(as).isIn(name.equals("re-asha") ? List.of(1, 2) : List.of(2));
            if (!res.get("withinBudget").asBoolean()) {
                late++;
                continue;
            }
            counted++;
            completed.add(res.get("trialId").asText());
            if (!res.get("feasible").asBoolean()) {
                infeasible++;
            } else if (res.get("accuracy").asDouble() > bestValidation) {
                bestValidation = res.get("accuracy").asDouble();
                bestResult = res;
            }
        }
        assertThat(arm.get("resultsAfterBudget").asInt()).as(as).isEqualTo(late);
        assertThat(arm.get("infeasibleResults").asInt()).as(as).isEqualTo(infeasible);
        assertThat(completed).as(as).hasSize(arm.get("trialsCompleted").asInt());
        int byEpochs = 0;
        for (JsonNode n : arm.get("resultsByEpochs")) {
            byEpochs += n.asInt();
        }
        assertThat(byEpochs).as(as).isEqualTo(counted);
        if (!name.equals("re-asha")) {
            assertThat(arm.get("promotions").asInt()).as(as).isZero();
        }

        JsonNode curve = arm.get("curve");
        double previousAccuracy = -1;
        double previousSeconds = 0;
        for (JsonNode p : curve) {
            assertThat(p.get("accuracy").asDouble()).as(as).isGreaterThan(previousAccuracy);
            assertThat(p.get("seconds").asDouble()).as(as).isGreaterThanOrEqualTo(previousSeconds).isLessThanOrEqualTo(BUDGET);
            assertThat(p.get("sizeBytes").asLong()).as(as).isLessThanOrEqualTo(MAX_BYTES);
            previousAccuracy = p.get("accuracy").asDouble();
            previousSeconds = p.get("seconds").asDouble();
        }
        if (bestResult == null) {
            assertThat(arm.get("best").isNull()).as(as).isTrue();
            assertThat(curve).as(as).isEmpty();
        } else {
            JsonNode best = arm.get("best");
            assertThat(best).as(as).isEqualTo(curve.get(curve.size() - 1));
            assertThat(best.get("trialId").asText()).as(as).isEqualTo(bestResult.get("trialId").asText());
            assertThat(best.get("accuracy").asDouble()).as(as).isEqualTo(bestValidation);
            assertThat(best.get("testAccuracy").asDouble()).as(as).isEqualTo(bestResult.get("testAccuracy").asDouble());
        }
    }
}
