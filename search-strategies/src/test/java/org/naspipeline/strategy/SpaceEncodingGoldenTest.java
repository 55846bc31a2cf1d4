package org.naspipeline.strategy;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.naspipeline.api.Candidate;
import org.naspipeline.api.ExperimentSpec;
import org.naspipeline.api.JsonCodec;
import org.naspipeline.api.Objective;
import org.naspipeline.api.ObjectivesSpec;
import org.naspipeline.api.SchedulerSpec;
import org.naspipeline.api.SearchSpace;
import org.naspipeline.api.StrategySpec;
import org.naspipeline.api.TrialMetrics;
import org.naspipeline.api.TrialResult;
import org.naspipeline.strategy.space.SpaceEncoding;

/**
 * Golden tests of the gene encoding and of every strategy's first proposals, pinned before
 * {@code ArchitectureSpec}/{@code ArchitectureSpace} become sealed types per model family and {@link SpaceEncoding}
 * moves into this module (issue 17), so that refactor can show it changed nothing. This test lives here, not in
 * {@code api}, so it survives the move with only its imports changed.
 * <ul>
 *   <li>for the search space of every {@code examples/*.json} spec (the compression-only one included) and an MLP
 *       space ({@link #MLP_SPEC}): the cardinality, every gene's name and arity, the first 20 {@code sample}
 *       vectors from {@code new SplittableRandom(7)} and then 20 {@code mutate} steps from the last sample with the
 *       same generator, each with its {@code key} and the {@code canonicalHash} of its decoded candidate;</li>
 *   <li>for every registered strategy, on {@code examples/fashion-mnist.json}'s space with seed 7 (two objectives,
 *       60 trials, ASHA, as in {@link StrategyContractTest}): the canonical hashes (and vectors) of the first 40
 *       candidates it asks for, asked in rounds of 3 and each told a deterministic synthetic result.</li>
 * </ul>
 *
 * <p>The golden values live in {@code search-strategies/src/test/resources/golden/space-encoding/}, one
 * human-readable text file per case, read from the source tree (the module directory is surefire's working
 * directory). To regenerate them after an intended change, run with {@code -Dgolden.update=true}: every case then
 * rewrites its file and <em>fails</em> with a message saying so, so an update can never pass silently; review the
 * diff and run again without the property to see them pass.
 */
class SpaceEncodingGoldenTest {
    static final boolean UPDATE = Boolean.getBoolean("golden.update");
    static final Path GOLDEN = Path.of("src", "test", "resources", "golden", "space-encoding");
    static final Path EXAMPLES = Path.of("..", "examples");
    static final long SEED = 7;
    static final int DRAWS = 20;
    static final int ASKED = 40;

    /** An MLP experiment with compression (distillation searched) and a generic parameter. */
    static final String MLP_SPEC = """
            {
              "schemaVersion": 1,
              "name": "Fashion-MNIST MLP search (golden)",
              "dataset": { "name": "fashion-mnist", "trainLimit": 8000, "testLimit": 2000 },
              "searchSpace": {
                "architecture": {
                  "family": "mlp",
                  "hiddenLayers": { "min": 1, "max": 3 },
                  "hiddenUnits": [32, 64, 128, 256],
                  "denseUnits": [0, 32],
                  "dropout": [0.0, 0.2]
                },
                "compression": {
                  "pruningMethods": ["none", "magnitude"],
                  "pruningRatios": [0.5, 0.75],
                  "quantization": ["fp32", "int8-per-tensor"],
                  "distillation": [false, true],
                  "temperatures": [2.0, 4.0],
                  "alphas": [0.5],
                  "teacherArchitecture": { "family": "mlp", "hiddenUnits": [512, 256], "head": { "denseUnits": 0, "dropout": 0.1 } }
                },
                "parameters": {
                  "optimizer": { "type": "categorical", "choices": ["adam", "sgd"] }
                }
              },
              "strategy": { "name": "random", "seed": 7 },
              "budget": { "maxTrials": 10, "parallelism": 1, "maxAttempts": 1 },
              "training": { "epochs": 2, "batchSize": 64, "learningRate": 0.002, "optimizer": "adam" }
            }
            """;

    static Stream<Arguments> spaces() throws IOException {
        List<Arguments> cases = new ArrayList<>();
        try (Stream<Path> files = Files.list(EXAMPLES)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".json")).sorted().toList()) {
                String n = f.getFileName().toString();
                cases.add(Arguments.of(n.substring(0, n.length() - ".json".length()), Files.readAllBytes(f)));
            }
        }
        cases.add(Arguments.of("java-mlp", MLP_SPEC.getBytes(UTF_8)));
        return cases.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("spaces")
    void genesSamplesAndMutations(String name, byte[] json) throws IOException {
        SearchSpace space = JsonCodec.readSpec(json).searchSpace();
        SpaceEncoding e = new SpaceEncoding(space);
        StringBuilder out = new StringBuilder();
        out.append("cardinality: ").append(e.cardinality()).append('\n');
        out.append("genes: ").append(e.genes()).append(" (index name arity)\n");
        for (int g = 0; g < e.genes(); g++) {
            out.append(String.format("%3d %s %d\n", g, e.name(g), e.arity(g)));
        }
        SplittableRandom rnd = new SplittableRandom(SEED);
        out.append("sample: the first ").append(DRAWS).append(" from new SplittableRandom(").append(SEED)
                .append(") (vector key canonicalHash)\n");
        int[] x = null;
        for (int i = 0; i < DRAWS; i++) {
            x = e.sample(rnd);
            out.append(line(e, x));
        }
        out.append("mutate: ").append(DRAWS).append(" steps from the last sample, the same generator on (vector key canonicalHash)\n");
        for (int i = 0; i < DRAWS; i++) {
            x = e.mutate(x, rnd);
            out.append(line(e, x));
        }
        assertGolden("space-" + name + ".txt", out.toString());
    }

    private static String line(SpaceEncoding e, int[] x) {
        return Arrays.toString(x) + " " + String.format("%016x", e.key(x)) + " " + e.decode(x).canonicalHash() + "\n";
    }

    static final ObjectivesSpec TWO_OBJECTIVES = new ObjectivesSpec(List.of(
            new Objective(Objective.Metric.ACCURACY, null), new Objective(Objective.Metric.LATENCY_MS, null)), null, null);
    /** ASHA with its defaults: every strategy works under it, and {@code bohb} needs a scheduler that promotes. */
    static final SchedulerSpec ASHA = new SchedulerSpec(SchedulerSpec.Type.ASHA, null, null, null, null, null);
    static final StrategyRegistry REGISTRY = StrategyRegistry.load();

    static List<String> strategies() {
        return REGISTRY.names();
    }

    /** The same deterministic stand-in for training as {@link StrategyContractTest}: every 7th trial fails. */
    static TrialResult evaluate(int trial, Candidate c) {
        String id = "t" + trial;
        if (trial % 7 == 0) {
            return new TrialResult.Failed(1, "e", id, 1, "w", "synthetic failure", trial % 14 == 0);
        }
        long h = Long.parseUnsignedLong(c.canonicalHash().substring(0, 12), 16);
        double accuracy = (h % 1000) / 1000.0;
        double latency = 1 + ((h >>> 10) % 1000) / 100.0;
        return new TrialResult.Completed(1, "e", id, 1, "w", TrialMetrics.synthetic(accuracy, latency, 4000), null);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("strategies")
    void firstProposalsOnTheFashionMnistSpace(String name) throws IOException {
        ExperimentSpec spec = JsonCodec.readSpec(Files.readAllBytes(EXAMPLES.resolve("fashion-mnist.json")));
        StrategyContext context = new StrategyContext(new StrategySpec(name, SEED, null), spec.searchSpace(),
                TWO_OBJECTIVES, 60, ASHA);
        assertThat(REGISTRY.validate(context)).isEmpty();
        SearchStrategy s = REGISTRY.create(context);
        SpaceEncoding e = new SpaceEncoding(spec.searchSpace());
        StringBuilder out = new StringBuilder("the first " + ASKED + " candidates " + name + " asks for (seed " + SEED
                + ", asked 3 at a time, each told a synthetic result) (canonicalHash vector)\n");
        int trial = 0;
        while (trial < ASKED) {
            List<Candidate> batch = s.ask(Math.min(3, ASKED - trial));
            assertThat(batch).isNotEmpty();
            for (Candidate c : batch) {
                out.append(c.canonicalHash()).append(' ').append(Arrays.toString(e.encode(c))).append('\n');
                s.tell(c, evaluate(++trial, c));
            }
        }
        assertGolden("strategy-" + name + ".txt", out.toString());
    }

    /** Compares {@code actual} to the golden file {@code name}, or rewrites it and fails under {@code golden.update}. */
    static void assertGolden(String name, String actual) throws IOException {
        Path file = GOLDEN.resolve(name);
        if (UPDATE) {
            Files.createDirectories(file.getParent());
            Files.writeString(file, actual, UTF_8);
            fail("golden file " + file + " rewritten (golden.update=true); review the diff and run again without "
                    + "-Dgolden.update to check");
        }
        assertThat(file).as("golden file %s is missing: run once with -Dgolden.update=true to create it", file).exists();
        assertThat(actual).as("golden file %s", file).isEqualTo(Files.readString(file, UTF_8));
    }
}
