package org.naspipeline.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Specs and commands from outside are read strictly (unknown fields, wrong types, non-finite numbers, nulls,
 * over-long values are errors at their path); internal records tolerate unknown fields but are not coerced either.
 * No message names a Java type, class or package.
 */
class StrictReadingTest {
    /** Java type, class and package names, and stack-trace shapes, that no message or path may contain. */
    static final Pattern JAVA_NAMES = Pattern.compile("java\\.|javax\\.|com\\.fasterxml|org\\.naspipeline|jackson|Jackson"
            + "|Exception|\\.java:\\d|\\tat |\\$[A-Z]|\\b(Integer|Double|Long|Boolean|String|Object|Map|List|Set|Float|Short"
            + "|BigInteger|BigDecimal|ExperimentSpec|ExperimentCommand|SearchSpace|ParameterSpec|BudgetSpec|TrainingSpec"
            + "|DatasetSpec|ObjectivesSpec|Objective|Metric|Constraint|Scalarization|ArchitectureSpace|CompressionSpace"
            + "|ArchitectureSpec|StageSpec|HeadSpec|StrategySpec|TrialEvent|TrialRequest|TrialControl|TrialResult"
            + "|TrialMetrics|Candidate|Started|Progress|Completed|Failed|Action|Type|IntRange|EarlyStoppingSpec"
            + "|StreamReadConstraints|CoercionAction|MismatchedInput)\\b");

    static final String SPEC = """
            {"dataset": {"name": "fashion-mnist"}, "budget": {"maxTrials": 3},
             "searchSpace": {"architecture": {"family": "mlp", "hiddenLayers": {"min": 1, "max": 1}, "hiddenUnits": [8]},
               "parameters": {"learningRate": {"type": "log-float", "min": 0.0001, "max": 0.01, "steps": 5}}},
             "objectives": {"constraints": [{"metric": "sizeBytes", "max": 1000000}]}}
            """;

    static List<ValidationError> specErrors(String json) {
        return errors(json, b -> JsonCodec.readSpec(b));
    }

    static List<ValidationError> errors(String json, Function<byte[], ?> reader) {
        InvalidInputException e = catchThrowableOfType(InvalidInputException.class,
                () -> reader.apply(json.getBytes(StandardCharsets.UTF_8)));
        if (e == null) {
            return List.of();
        }
        assertThat(e.errors()).isNotEmpty();
        assertNoJavaNames(e.errors());
        return e.errors();
    }

    /** Package-qualified names and stack-trace shapes, which no path may contain either. */
    static final Pattern QUALIFIED = Pattern.compile("java\\.|javax\\.|com\\.fasterxml|org\\.naspipeline|Exception|\\tat ");

    /**
     * Checks paths and messages; what a message quotes from the input ('…' or "…") is left out of the check, since
     * an input may spell anything.
     */
    static void assertNoJavaNames(List<ValidationError> errors) {
        for (ValidationError err : errors) {
            assertThat(err.path()).doesNotContainPattern(QUALIFIED).isNotBlank();
            assertThat(err.message()).isNotBlank().doesNotContain("\n");
            String ownWords = err.message().replaceAll("'[^']*'", "''").replaceAll("\"(?:[^\"\\\\]|\\\\.)*\"", "\"\"");
            assertThat(ownWords).as(err.message()).doesNotContainPattern(JAVA_NAMES);
        }
    }

    static ValidationError err(String path, String message) {
        return new ValidationError(path, message);
    }

    @Test
    void theBaseSpecIsValid() {
        assertThat(specErrors(SPEC)).isEmpty();
    }

    @Test
    void unknownFieldsAreErrorsAtTheirPathWithASuggestion() {
        assertThat(specErrors(SPEC.replace("\"objectives\"", "\"objectivs\"")))
                .containsExactly(err("objectivs", "unknown field; did you mean \"objectives\"?"));
        assertThat(specErrors(SPEC.replace("\"steps\": 5", "\"steps\": 5, \"learnigRate\": 1")))
                .containsExactly(err("searchSpace.parameters.learningRate.learnigRate",
                        "unknown field (known: type, choices, min, max, steps)"));
        assertThat(specErrors(SPEC.replace("\"maxTrials\"", "\"maxtrials\"")))
                .contains(err("budget.maxtrials", "unknown field; did you mean \"maxTrials\"?"),
                        err("budget.maxTrials", "is required"));
        assertThat(specErrors(SPEC.replace("\"fashion-mnist\"}", "\"fashion-mnist\", \"trainLimt\": 5}")))
                .containsExactly(err("dataset.trainLimt", "unknown field; did you mean \"trainLimit\"?"));
        assertThat(specErrors(SPEC.replace("\"metric\": \"sizeBytes\"", "\"metric\": \"sizeByte\"")))
                .containsExactly(err("objectives.constraints[0].metric", "must be one of \"accuracy\", \"latencyMs\", "
                        + "\"sizeBytes\", \"params\", \"macs\" (got \"sizeByte\"); did you mean \"sizeBytes\"?"));
    }

    @Test
    void typesAreNeverCoerced() {
        assertThat(specErrors(SPEC.replace("\"maxTrials\": 3", "\"maxTrials\": \"3\"")))
                .containsExactly(err("budget.maxTrials", "must be an integer (got \"3\")"));
        assertThat(specErrors(SPEC.replace("\"maxTrials\": 3", "\"maxTrials\": 1.7")))
                .containsExactly(err("budget.maxTrials", "must be an integer (got 1.7)"));
        assertThat(specErrors(SPEC.replace("\"maxTrials\": 3", "\"maxTrials\": true")))
                .containsExactly(err("budget.maxTrials", "must be an integer (got true)"));
        assertThat(specErrors(SPEC.replace("\"maxTrials\": 3", "\"maxTrials\": [3]")))
                .containsExactly(err("budget.maxTrials", "must be an integer (got an array)"));
        assertThat(specErrors(SPEC.replace("\"hiddenUnits\": [8]", "\"hiddenUnits\": 8")))
                .containsExactly(err("searchSpace.architecture.hiddenUnits", "must be an array (got 8)"));
        assertThat(specErrors(SPEC.replace("\"hiddenUnits\": [8]", "\"hiddenUnits\": [8], \"denseUnits\": [true]")))
                .containsExactly(err("searchSpace.architecture.denseUnits[0]", "must be an integer (got true)"));
        // a CNN choice in an MLP space is another family's field: refused at its path, before its type is looked at
        assertThat(specErrors(SPEC.replace("\"hiddenUnits\": [8]", "\"hiddenUnits\": [8], \"skip\": [1]")))
                .containsExactly(err("searchSpace.architecture.skip", "unknown field (known: family, hiddenLayers, hiddenUnits, "
                        + "denseUnits, dropout)"));
        assertThat(specErrors(SPEC.replace("{\"maxTrials\": 3}", "{\"maxTrials\": 3}, \"name\": 42")))
                .containsExactly(err("name", "must be a string (got 42)"));
        assertThat(specErrors(SPEC.replace("\"min\": 0.0001", "\"min\": \"0.0001\"")))
                .containsExactly(err("searchSpace.parameters.learningRate.min", "must be a number (got \"0.0001\")"));
        assertThat(specErrors(SPEC.replace("{\"maxTrials\": 3}", "{\"maxTrials\": 3}, \"training\": \"fast\"")))
                .containsExactly(err("training", "must be an object (got \"fast\")"));
        // JSON has one number type: an integer may be written with a zero fraction or an exponent (JSON Schema's rule).
        assertThat(JsonCodec.readSpec(SPEC.replace("\"maxTrials\": 3", "\"maxTrials\": 3.0").getBytes(StandardCharsets.UTF_8))
                .budget().maxTrials()).isEqualTo(3);
        assertThat(JsonCodec.readSpec(SPEC.replace("\"maxTrials\": 3", "\"maxTrials\": 3e1").getBytes(StandardCharsets.UTF_8))
                .budget().maxTrials()).isEqualTo(30);
    }

    @Test
    void nonFiniteNumbersAreRefusedAtTheirPath() {
        for (String bad : List.of("NaN", "Infinity", "-Infinity", "+Infinity", "1e999", "-1e999")) {
            assertThat(specErrors(SPEC.replace("\"max\": 1000000", "\"max\": " + bad))).as(bad).singleElement()
                    .satisfies(e -> assertThat(e.path()).isEqualTo("objectives.constraints[0].max"))
                    .satisfies(e -> assertThat(e.message()).startsWith("must be a finite number"));
            assertThat(specErrors(SPEC.replace("\"min\": 0.0001", "\"min\": " + bad))).as(bad).singleElement()
                    .satisfies(e -> assertThat(e.path()).isEqualTo("searchSpace.parameters.learningRate.min"));
            assertThat(specErrors(SPEC.replace("\"hiddenUnits\": [8]", "\"hiddenUnits\": [8], \"dropout\": [0, " + bad + "]")))
                    .as(bad).singleElement().satisfies(e -> assertThat(e.path()).isEqualTo("searchSpace.architecture.dropout[1]"));
        }
    }

    @Test
    void nullsCountAsAbsentSoARequiredOneIsReportedAtItsField() {
        assertThat(specErrors(SPEC.replace("\"min\": 0.0001", "\"min\": null")))
                .containsExactly(err("searchSpace.parameters.learningRate.min", "is required"));
        assertThat(specErrors(SPEC.replace("{\"name\": \"fashion-mnist\"}", "null")))
                .containsExactly(err("dataset", "is required"));
        assertThat(specErrors(SPEC.replace("\"max\": 1000000", "\"max\": null")))
                .containsExactly(err("objectives.constraints[0]", "needs at least one of max, min"));
        assertThat(specErrors(SPEC.replace("[8]", "[8, null]")))
                .containsExactly(err("searchSpace.architecture.hiddenUnits[1]", "must be an integer (got null)"));
        ExperimentSpec spec = JsonCodec.readSpec(SPEC.replace("{\"maxTrials\": 3}", "{\"maxTrials\": 3, \"parallelism\": null}, "
                + "\"training\": null, \"id\": null").getBytes(StandardCharsets.UTF_8));
        assertThat(spec.budget().parallelism()).isEqualTo(1);
        assertThat(spec.training()).isEqualTo(TrainingSpec.defaults());
    }

    @Test
    void javaBuiltSpecsWithNullsOrNonFiniteBoundsAreReportedNotThrown() {
        ExperimentSpec spec = JsonCodec.readSpec(SPEC.getBytes(StandardCharsets.UTF_8));
        var params = new java.util.TreeMap<String, ParameterSpec>();
        params.put("learningRate", new ParameterSpec(ParameterSpec.Type.LOG_FLOAT, null, null, 0.1, null));
        params.put("optimizer", new ParameterSpec(ParameterSpec.Type.CATEGORICAL, java.util.Arrays.asList("adam", null), null, null, null));
        params.put("epochs", new ParameterSpec(ParameterSpec.Type.INT, null, Double.NaN, 3.0, null));
        SearchSpace space = new SearchSpace(spec.searchSpace().architecture(), null, params);
        ObjectivesSpec objectives = new ObjectivesSpec(null, null, List.of(
                new ObjectivesSpec.Constraint(Objective.Metric.SIZE_BYTES, Double.NaN, null),
                new ObjectivesSpec.Constraint(Objective.Metric.LATENCY_MS, null, Double.NEGATIVE_INFINITY)));
        ExperimentSpec bad = new ExperimentSpec(1, null, null, spec.dataset(), space, null, spec.budget(), null, objectives);
        assertThat(bad.validate()).extracting(ValidationError::path).containsExactlyInAnyOrder(
                "searchSpace.parameters.learningRate.min", "searchSpace.parameters.optimizer.choices",
                "searchSpace.parameters.epochs.min", "objectives.constraints[0].max", "objectives.constraints[1].min");
    }

    @Test
    void lengthAndSizeLimitsHold() {
        String longName = "n".repeat(100_000);
        assertThat(specErrors(SPEC.replace("{\"maxTrials\": 3}", "{\"maxTrials\": 3}, \"name\": \"" + longName + "\"")))
                .containsExactly(err("name", "must be at most 256 characters (got 100000)"));
        assertThat(specErrors(SPEC.replace("{\"maxTrials\": 3}", "{\"maxTrials\": 3}, \"name\": \"" + "n".repeat(1 << 20) + "\"")))
                .singleElement().satisfies(e -> assertThat(e.message()).startsWith("input of").contains("exceeds the limit"));
        assertThat(specErrors(SPEC.replace("{\"maxTrials\": 3}", "{\"maxTrials\": 3}, \"id\": \"" + "a".repeat(65) + "\"")))
                .singleElement().satisfies(e -> assertThat(e.path()).isEqualTo("id"));
        StringBuilder choices = new StringBuilder("[0");
        for (int i = 1; i <= 1000; i++) {
            choices.append(',').append(i);
        }
        assertThat(specErrors(SPEC.replace("\"steps\": 5}", "\"steps\": 5}, \"width\": {\"type\": \"categorical\", \"choices\": "
                + choices + "]}"))).containsExactly(err("searchSpace.parameters.width.choices", "must have at most 1000 items (got 1001)"));
        assertThat(specErrors(SPEC.replace("\"steps\": 5}", "\"steps\": 5}, \"act\": {\"type\": \"categorical\", \"choices\": [\""
                + "x".repeat(300) + "\"]}"))).containsExactly(err("searchSpace.parameters.act.choices[0]", "must be at most 256 characters (got 300)"));
        StringBuilder many = new StringBuilder();
        for (int i = 0; i < 65; i++) {
            many.append(", \"p").append(i).append("\": {\"type\": \"int\", \"min\": 1, \"max\": 2}");
        }
        assertThat(specErrors(SPEC.replace("\"steps\": 5}", "\"steps\": 5}" + many)))
                .containsExactly(err("searchSpace.parameters", "must have at most 64 entries (got 66)"));
        assertThat(specErrors(SPEC.replace("\"steps\": 5}", "\"steps\": 5}, \"bad name\": {\"type\": \"int\", \"min\": 1, \"max\": 2}")))
                .singleElement().satisfies(e -> assertThat(e.path()).isEqualTo("searchSpace.parameters.bad name"))
                .satisfies(e -> assertThat(e.message()).startsWith("the name must match"));
        // a huge unknown key is abbreviated in the path, and many errors are summarized
        assertThat(specErrors(SPEC.replace("{\"maxTrials\": 3}", "{\"maxTrials\": 3}, \"" + "k".repeat(5000) + "\": 1")))
                .singleElement().satisfies(e -> assertThat(e.path()).hasSizeLessThanOrEqualTo(80));
        StringBuilder unknown = new StringBuilder();
        for (int i = 0; i < 500; i++) {
            unknown.append(", \"u").append(i).append("\": 1");
        }
        assertThat(specErrors(SPEC.replace("{\"maxTrials\": 3}", "{\"maxTrials\": 3}" + unknown)))
                .hasSize(SchemaCheck.MAX_ERRORS + 1).last().isEqualTo(err("$", "more errors not shown; fix these first"));
    }

    @Test
    void malformedJsonIsReportedAtTheTopSayingWhereItBreaks() {
        assertThat(specErrors(SPEC.replace("\"maxTrials\": 3", "\"maxTrials\": 3, \"maxTrials\": 4")))
                .singleElement().satisfies(e -> assertThat(e.path()).isEqualTo("$"))
                .satisfies(e -> assertThat(e.message()).startsWith("not valid JSON at budget.maxTrials: Duplicate field 'maxTrials'"));
        assertThat(specErrors("{\"budget\": {\"maxTrials\": 3,}}")).singleElement()
                .satisfies(e -> assertThat(e.message()).startsWith("not valid JSON at budget").endsWith("(line 1, column 28)"));
        assertThat(specErrors(SPEC + " {}")).singleElement().satisfies(e -> assertThat(e.path()).isEqualTo("$"));
        assertThat(specErrors("[".repeat(5000))).singleElement()
                .satisfies(e -> assertThat(e.message()).contains("Document nesting depth").doesNotContain("from"));
        assertThat(specErrors("{\"budget\": {\"maxTrials\": 1" + "0".repeat(2000) + "}}")).singleElement()
                .satisfies(e -> assertThat(e.message()).isEqualTo("not valid JSON at budget.maxTrials: number value length (2001) exceeds the maximum allowed (1000)"));
        for (String top : List.of("[]", "\"spec\"", "1", "null", "true")) {
            assertThat(specErrors(top)).as(top).singleElement().satisfies(e -> assertThat(e.path()).isEqualTo("$"))
                    .satisfies(e -> assertThat(e.message()).startsWith("must be an object"));
        }
    }

    @Test
    void commandsAreReadStrictly() {
        Function<byte[], ?> read = JsonCodec::readCommand;
        assertThat(JsonCodec.readCommand("{\"command\": \"cancel\", \"reason\": \"enough\"}".getBytes(StandardCharsets.UTF_8)))
                .isEqualTo(new ExperimentCommand(null, ExperimentCommand.Type.CANCEL, "enough"));
        assertThat(JsonCodec.readCommand("{\"schemaVersion\": 1, \"command\": \"pause\", \"reason\": null}"
                .getBytes(StandardCharsets.UTF_8)).command()).isEqualTo(ExperimentCommand.Type.PAUSE);
        assertThat(errors("{\"command\": \"cancel\", \"reasn\": \"x\"}", read))
                .containsExactly(err("reasn", "unknown field; did you mean \"reason\"?"));
        assertThat(errors("{\"command\": \"CANCEL\"}", read)).containsExactly(err("command",
                "must be one of \"cancel\", \"pause\", \"resume\" (got \"CANCEL\"); did you mean \"cancel\"?"));
        assertThat(errors("{\"command\": 1}", read)).singleElement().satisfies(e -> assertThat(e.path()).isEqualTo("command"));
        assertThat(errors("{\"command\": \"cancel\", \"reason\": 5}", read))
                .containsExactly(err("reason", "must be a string (got 5)"));
        assertThat(errors("{\"command\": \"cancel\", \"reason\": \"" + "r".repeat(1025) + "\"}", read))
                .containsExactly(err("reason", "must be at most 1024 characters (got 1025)"));
        assertThat(errors("{\"reason\": \"x\"}", read)).containsExactly(err("command", "is required"));
        assertThat(errors("{\"command\": \"cancel\", \"schemaVersion\": \"1\"}", read))
                .containsExactly(err("schemaVersion", "must be an integer (got \"1\")"));
    }

    @Test
    void internalRecordsTolerateUnknownFieldsButAreNotCoerced() {
        Function<byte[], ?> read = b -> JsonCodec.read(b, TrialEvent.class);
        String started = "{\"type\": \"started\", \"schemaVersion\": 1, \"experimentId\": \"e\", \"trialId\": \"t\", "
                + "\"attempt\": 1, \"workerId\": \"w\", \"atMillis\": 5, \"newField\": {\"a\": [1]}}";
        assertThat(errors(started, read)).isEmpty();
        assertThat(errors(started.replace("\"attempt\": 1", "\"attempt\": \"1\""), read))
                .containsExactly(err("attempt", "must be an integer"));
        assertThat(errors(started.replace("\"attempt\": 1", "\"attempt\": 1.5"), read))
                .containsExactly(err("attempt", "must be an integer"));
        assertThat(errors(started.replace("\"attempt\": 1", "\"attempt\": 99999999999"), read))
                .containsExactly(err("attempt", "must be an integer from -2147483648 to 2147483647"));
        assertThat(errors(started.replace("\"workerId\": \"w\"", "\"workerId\": 7"), read))
                .containsExactly(err("workerId", "must be a string"));
        assertThat(errors(started.replace("\"attempt\": 1", "\"attempt\": null"), read))
                .containsExactly(err("attempt", "must be an integer (got null)"));
        assertThat(errors(started.replace("\"started\"", "\"begun\""), read)).containsExactly(err("type",
                "unknown value \"begun\" (one of \"started\", \"progress\", \"completed\", \"failed\")"));
        assertThat(errors(started.replace("\"type\": \"started\", ", ""), read)).singleElement()
                .satisfies(e -> assertThat(e).hasToString("type: is required (one of \"started\", \"progress\", \"completed\", \"failed\")"));
        String progress = "{\"type\": \"progress\", \"schemaVersion\": 1, \"experimentId\": \"e\", \"trialId\": \"t\", \"attempt\": 1, "
                + "\"epoch\": 1, \"epochs\": 2, \"loss\": \"NaN\", \"trainAccuracy\": 0.5, \"validationAccuracy\": 0.5, \"samplesPerSecond\": 9}";
        // The codec writes a non-finite double as "NaN"/"Infinity"; only those strings are read back as numbers.
        assertThat(((TrialEvent.Progress) JsonCodec.read(progress.getBytes(StandardCharsets.UTF_8), TrialEvent.class)).loss()).isNaN();
        TrialEvent.Progress nan = new TrialEvent.Progress(1, "e", "t", 1, 1, 2, Double.NaN, 0.5, 0.5, Double.POSITIVE_INFINITY);
        assertThat(JsonCodec.read(JsonCodec.write(nan), TrialEvent.class)).isEqualTo(nan);
        assertThat(errors(progress.replace("\"NaN\"", "\"0.5\""), read)).containsExactly(err("loss", "must be a number"));
        assertThat(errors(progress.replace("\"epoch\": 1", "\"epoch\": true"), read)).containsExactly(err("epoch", "must be an integer"));
        assertThat(errors("{\"schemaVersion\": 1, \"experimentId\": \"e\", \"trialId\": \"t\", \"attempt\": 1, \"action\": \"STOP\", "
                + "\"reason\": null}", b -> JsonCodec.read(b, TrialControl.class)))
                .containsExactly(err("action", "must be one of \"stop\", \"cancel\""));
        assertThat(errors("[1]", read)).hasSize(1);
        assertThat(errors("[1]", b -> JsonCodec.read(b, TrialControl.class))).containsExactly(err("$", "must be an object"));
        assertThat(errors("null", read)).containsExactly(err("$", "must be an object (got null)"));
        assertThat(errors(progress.replace("\"NaN\"", "NaN"), read))
                .containsExactly(err("$", "not valid JSON at loss: Non-standard token 'NaN' (line 1, column 129)"));
        // the tree a processor inspects first keeps NaN tokens, so the spec check can refuse them at their path
        assertThat(JsonCodec.readTree("{\"a\": NaN}".getBytes(StandardCharsets.UTF_8)).get("a").doubleValue()).isNaN();
    }

    @Test
    void everySpecShippedInTheRepositoryIsValidAndRoundTrips() throws Exception {
        List<Path> specs = new ArrayList<>();
        try (var files = Files.walk(Path.of(".."), 6)) {
            files.filter(f -> f.toString().endsWith(".json") && !f.toString().contains("node_modules")
                            && !f.toString().contains("/target/") && !f.toString().contains("/.git/"))
                    .filter(f -> {
                        try {
                            return Files.size(f) < (1 << 20) && Files.readString(f).contains("\"searchSpace\"");
                        } catch (java.io.IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    })
                    .filter(f -> !f.toString().endsWith(".schema.json"))
                    .forEach(specs::add);
        }
        assertThat(specs).extracting(p -> p.getFileName().toString())
                .contains("fashion-mnist.json", "multi-objective.json", "joint-compression.json", "compression-only.json");
        for (Path f : specs) {
            ExperimentSpec spec = JsonCodec.readSpec(Files.readAllBytes(f));
            assertThat(JsonCodec.readSpec(JsonCodec.write(spec))).as(f.toString()).isEqualTo(spec);
        }
    }
}
