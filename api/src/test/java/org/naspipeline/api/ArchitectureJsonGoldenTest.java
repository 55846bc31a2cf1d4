package org.naspipeline.api;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Golden tests of the architecture JSON, pinned before {@link ArchitectureSpec} and {@link ArchitectureSpace}
 * become sealed types per model family (issue 17), so that refactor can show it changed nothing:
 * <ul>
 *   <li>for every {@code examples/candidates/*.json} and two candidates built here without a head (an MLP and a
 *       CNN): {@link JsonCodec#canonicalJson}, {@link Candidate#canonicalHash()} and the bytes of
 *       {@link JsonCodec#write};</li>
 *   <li>for every {@code examples/*.json} spec and an MLP spec ({@link #MLP_SPEC}): the bytes
 *       {@link JsonCodec#write} gives for what {@link JsonCodec#readSpec} read;</li>
 *   <li>what each reader the services use ({@link JsonCodec#readCandidate}, {@link JsonCodec#read} and
 *       {@link JsonCodec#readStoredState}) makes of the example candidate files;</li>
 *   <li>old-shape candidates (a CNN that carries {@code "hiddenUnits":[]}, an MLP that carries
 *       {@code "stages":[]}) read through those readers equal the value built in Java (no golden file: the
 *       expected value is the Java one).</li>
 * </ul>
 *
 * <p>The golden values live in {@code api/src/test/resources/golden/architecture-json/}, one human-readable text
 * file per case, read from the source tree (the module directory is surefire's working directory). To
 * regenerate them after an intended change, run with {@code -Dgolden.update=true}: every case then rewrites its
 * file and <em>fails</em> with a message saying so, so an update can never pass silently; review the diff and run
 * again without the property to see them pass.
 */
class ArchitectureJsonGoldenTest {
    static final boolean UPDATE = Boolean.getBoolean("golden.update");
    static final Path GOLDEN = Path.of("src", "test", "resources", "golden", "architecture-json");
    static final Path EXAMPLES = Path.of("..", "examples");

    /** An MLP experiment with compression, a distillation teacher architecture and a generic parameter. */
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

    /** An MLP candidate without a head, with compression and generic parameters. */
    static final Candidate MLP_NO_HEAD = new Candidate(new MlpArchitecture(List.of(256, 64), null),
            new CompressionSpec(new PruningSpec(PruningMethod.MAGNITUDE, 0.75, "global", "agp"), Quantization.INT8_PER_TENSOR,
                    new DistillationSpec(true, 4.0, 0.5, "softened", "file:///var/nas/artifacts/teacher/attempt-1/"), 0.5, 2, 0.001,
                    null, "dense"),
            new TreeMap<>(Map.of("optimizer", "sgd", "learningRate", 0.003, "batchSize", 128)));
    /** A CNN candidate without a head and without compression. */
    static final Candidate CNN_NO_HEAD = new Candidate(new CnnArchitecture(List.of(
            new StageSpec(1, 16, 3, ConvType.PLAIN, false, true, Pooling.MAX),
            new StageSpec(2, 32, 5, ConvType.DEPTHWISE_SEPARABLE, true, false, Pooling.AVG),
            new StageSpec(1, 64, 3, ConvType.PLAIN, true, true, Pooling.NONE)), null), null);

    static Stream<Arguments> candidates() throws IOException {
        List<Arguments> cases = new ArrayList<>();
        for (Path f : exampleCandidateFiles()) {
            cases.add(Arguments.of("candidate-" + baseName(f), JsonCodec.readCandidate(Files.readAllBytes(f))));
        }
        cases.add(Arguments.of("candidate-java-mlp-no-head", MLP_NO_HEAD));
        cases.add(Arguments.of("candidate-java-cnn-no-head", CNN_NO_HEAD));
        return cases.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("candidates")
    void candidateCanonicalJsonHashAndWrittenBytes(String name, Candidate candidate) throws IOException {
        String actual = "canonicalJson:\n" + JsonCodec.canonicalJson(candidate) + "\n"
                + "canonicalHash:\n" + candidate.canonicalHash() + "\n"
                + "write:\n" + new String(JsonCodec.write(candidate), UTF_8) + "\n";
        assertGolden(name + ".txt", actual);
    }

    static Stream<Arguments> specs() throws IOException {
        List<Arguments> cases = new ArrayList<>();
        try (Stream<Path> files = Files.list(EXAMPLES)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".json")).sorted().toList()) {
                cases.add(Arguments.of("spec-" + baseName(f), Files.readAllBytes(f)));
            }
        }
        cases.add(Arguments.of("spec-java-mlp", MLP_SPEC.getBytes(UTF_8)));
        return cases.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("specs")
    void specWrittenBytes(String name, byte[] json) throws IOException {
        ExperimentSpec spec = JsonCodec.readSpec(json);
        String written = "write:\n" + new String(JsonCodec.write(spec), UTF_8) + "\n";
        if (UPDATE) {
            assertGolden(name + ".txt", written);
        }
        // a map's entries (strategy.settings) are written in no fixed order from one JVM to the next: compared as
        // JSON trees, whose objects are equal whatever their order (the records' fields and every value still count)
        String golden = Files.readString(GOLDEN.resolve(name + ".txt"), UTF_8);
        assertThat(JsonCodec.readTree(written.substring("write:\n".length()).getBytes(UTF_8)))
                .as("golden file %s", name + ".txt")
                .isEqualTo(JsonCodec.readTree(golden.substring("write:\n".length()).getBytes(UTF_8)));
    }

    static Stream<Arguments> exampleCandidates() throws IOException {
        return exampleCandidateFiles().stream().map(f -> Arguments.of(baseName(f), f));
    }

    /** Each reader's outcome on a user's candidate file: its canonical hash, or the errors it refuses it with. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("exampleCandidates")
    void whatEachReaderMakesOfAnExampleCandidate(String name, Path file) throws IOException {
        byte[] json = Files.readAllBytes(file);
        String actual = "readCandidate: " + outcome(() -> JsonCodec.readCandidate(json)) + "\n"
                + "read: " + outcome(() -> JsonCodec.read(json, Candidate.class)) + "\n"
                + "readStoredState: " + outcome(() -> JsonCodec.readStoredState(json, Candidate.class)) + "\n";
        assertGolden("readers-" + name + ".txt", actual);
    }

    private static String outcome(java.util.function.Supplier<Candidate> reader) {
        try {
            return "ok " + reader.get().canonicalHash();
        } catch (InvalidInputException e) {
            return "refused " + e.errors().stream().map(v -> v.path() + ": " + v.message()).collect(Collectors.joining("; "));
        }
    }

    static final StageSpec S16 = new StageSpec(1, 16, 3, ConvType.PLAIN, false, true, Pooling.MAX);
    static final StageSpec S32 = new StageSpec(2, 32, 5, ConvType.DEPTHWISE_SEPARABLE, true, false, Pooling.AVG);
    static final Candidate OLD_CNN = new Candidate(new CnnArchitecture(List.of(S16, S32),
            new HeadSpec(64, 0.2)), null);
    static final Candidate OLD_MLP = new Candidate(new MlpArchitecture(List.of(128, 64),
            new HeadSpec(0, 0.0)), new CompressionSpec(new PruningSpec(PruningMethod.L1_FILTER, 0.5),
            Quantization.INT8_PER_CHANNEL, DistillationSpec.OFF, 0.5), new TreeMap<>(Map.of("optimizer", "adam")));
    static final Candidate OLD_CNN_NO_HEAD = new Candidate(new CnnArchitecture(List.of(S16),
            null), null);
    static final Candidate OLD_MLP_NO_HEAD = new Candidate(new MlpArchitecture(List.of(32),
            null), null);

    static final String STAGES = """
            [{"blocks":1,"filters":16,"kernelSize":3,"convType":"plain","skip":false,"batchNorm":true,"pooling":"max"},\
            {"blocks":2,"filters":32,"kernelSize":5,"convType":"depthwise-separable","skip":true,"batchNorm":false,"pooling":"avg"}]""";
    static final String NO_COMPRESSION = """
            {"pruning":{"method":"none","ratio":0.0,"scope":"layer","schedule":"one-shot"},"quantization":"fp32",\
            "distillation":{"enabled":false,"temperature":1.0,"alpha":1.0,"loss":"hinton","teacher":null},\
            "lowRankRatio":1.0,"fineTuneEpochs":1,"fineTuneLearningRate":null,"baseModel":null,"lowRankLayers":"all"}""";
    static final String L1_COMPRESSION = """
            {"pruning":{"method":"l1-filter","ratio":0.5,"scope":"layer","schedule":"one-shot"},"quantization":"int8-per-channel",\
            "distillation":{"enabled":false,"temperature":1.0,"alpha":1.0,"loss":"hinton","teacher":null},\
            "lowRankRatio":0.5,"fineTuneEpochs":1,"fineTuneLearningRate":null,"baseModel":null,"lowRankLayers":"all"}""";

    static Stream<Arguments> oldShapes() {
        return Stream.of(
                // the full shape the services write and store today: every reader takes it
                Arguments.of("cnn with hiddenUnits [] (full)", "{\"architecture\":{\"family\":\"cnn\",\"stages\":" + STAGES
                        + ",\"hiddenUnits\":[],\"head\":{\"denseUnits\":64,\"dropout\":0.2}},\"compression\":" + NO_COMPRESSION
                        + ",\"parameters\":{}}", OLD_CNN, true),
                Arguments.of("mlp with stages [] (full)", "{\"architecture\":{\"family\":\"mlp\",\"stages\":[],"
                        + "\"hiddenUnits\":[128,64],\"head\":{\"denseUnits\":0,\"dropout\":0.0}},\"compression\":" + L1_COMPRESSION
                        + ",\"parameters\":{\"optimizer\":\"adam\"}}", OLD_MLP, true),
                Arguments.of("cnn with hiddenUnits [] and head null (full)", "{\"architecture\":{\"family\":\"cnn\",\"stages\":["
                        + STAGES.substring(1, STAGES.indexOf('}') + 1) + "],\"hiddenUnits\":[],\"head\":null},\"compression\":"
                        + NO_COMPRESSION + ",\"parameters\":{}}", OLD_CNN_NO_HEAD, true),
                Arguments.of("mlp with stages [] and head null (full)", "{\"architecture\":{\"family\":\"mlp\",\"stages\":[],"
                        + "\"hiddenUnits\":[32],\"head\":null},\"compression\":" + NO_COMPRESSION + ",\"parameters\":{}}",
                        OLD_MLP_NO_HEAD, true),
                // a user's file: only the architecture, readCandidate only
                Arguments.of("cnn with hiddenUnits [] (user file)", "{\"architecture\":{\"family\":\"cnn\",\"stages\":" + STAGES
                        + ",\"hiddenUnits\":[],\"head\":{\"denseUnits\":64,\"dropout\":0.2}}}", OLD_CNN, false),
                Arguments.of("mlp with stages [] (user file)", "{\"architecture\":{\"family\":\"mlp\",\"stages\":[],"
                        + "\"hiddenUnits\":[128,64],\"head\":{\"denseUnits\":0,\"dropout\":0.0}},\"compression\":"
                        + "{\"pruning\":{\"method\":\"l1-filter\",\"ratio\":0.5},\"quantization\":\"int8-per-channel\","
                        + "\"lowRankRatio\":0.5},\"parameters\":{\"optimizer\":\"adam\"}}", OLD_MLP, false));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("oldShapes")
    void oldShapeCandidatesReadAsTheJavaBuiltValue(String name, String json, Candidate expected, boolean full) {
        byte[] bytes = json.getBytes(UTF_8);
        List<Candidate> read = new ArrayList<>(List.of(JsonCodec.readCandidate(bytes)));
        if (full) {
            read.add(JsonCodec.read(bytes, Candidate.class));
            read.add(JsonCodec.readStoredState(bytes, Candidate.class));
            // the full shape is exactly what the writer emits today
            assertThat(new String(JsonCodec.write(expected), UTF_8)).isEqualTo(json);
        }
        for (Candidate c : read) {
            assertThat(c).isEqualTo(expected);
            assertThat(c.canonicalHash()).isEqualTo(expected.canonicalHash());
            assertThat(JsonCodec.canonicalJson(c)).isEqualTo(JsonCodec.canonicalJson(expected));
        }
    }

    private static List<Path> exampleCandidateFiles() throws IOException {
        try (Stream<Path> files = Files.list(EXAMPLES.resolve("candidates"))) {
            return files.filter(p -> p.toString().endsWith(".json")).sorted().toList();
        }
    }

    private static String baseName(Path f) {
        String n = f.getFileName().toString();
        return n.substring(0, n.length() - ".json".length());
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
