package org.naspipeline.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.DecimalNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * Arbitrary JSON and arbitrary bytes through every reader of outside and topic input: the answer is a value or an
 * {@link InvalidInputException} with errors in JSON terms, never another exception. Mutated versions of the example
 * spec are judged alike by the run-time schema check and by an independent JSON Schema implementation (Vert.x).
 */
class CodecPropertiesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNode EXAMPLE = example();
    /** Field names and values of the spec and the records, so generated trees reach deep into the readers. */
    private static final List<String> NAMES = List.of("type", "schemaVersion", "id", "name", "dataset", "searchSpace",
            "budget", "maxTrials", "architecture", "family", "parameters", "min", "max", "choices", "steps", "objectives",
            "constraints", "metric", "command", "reason", "cancel", "experimentId", "trialId", "attempt", "started",
            "progress", "completed", "failed", "metrics", "accuracy", "action", "stop", "workerId", "candidate", "epoch",
            "epochs", "mlp", "cnn", "fashion-mnist", "log-float", "categorical", "int", "learningRate", "compression");

    private static JsonNode example() {
        try {
            return JSON.readTree(Files.readAllBytes(Path.of("..", "examples", "fashion-mnist.json")));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Runs a reader: a value, or an InvalidInputException with clean errors; any other exception fails. */
    static void valueOrInvalidInput(Supplier<?> reader) {
        try {
            assertThat(reader.get()).isNotNull();
        } catch (InvalidInputException e) {
            assertThat(e.errors()).isNotEmpty();
            StrictReadingTest.assertNoJavaNames(e.errors());
        }
    }

    static void throughEveryReader(byte[] bytes) {
        valueOrInvalidInput(() -> JsonCodec.readSpec(bytes));
        valueOrInvalidInput(() -> JsonCodec.readCommand(bytes));
        valueOrInvalidInput(() -> JsonCodec.read(bytes, TrialEvent.class));
        valueOrInvalidInput(() -> JsonCodec.read(bytes, ExperimentEvent.class));
        valueOrInvalidInput(() -> RecordChecks.trialEvent("e", bytes));
        valueOrInvalidInput(() -> RecordChecks.trialRequest("t", bytes));
        valueOrInvalidInput(() -> RecordChecks.trialControl("t", bytes));
    }

    @Property(tries = 500)
    void arbitraryJsonGivesAValueOrPathPreciseErrors(@ForAll("json") JsonNode tree) throws Exception {
        throughEveryReader(JSON.writeValueAsBytes(tree));
    }

    @Property(tries = 500)
    void arbitraryBytesGiveAValueOrPathPreciseErrors(@ForAll @Size(max = 300) byte[] bytes) {
        throughEveryReader(bytes);
    }

    @Property(tries = 300)
    void arbitraryRecordsWithKnownTypesGiveAValueOrErrors(@ForAll("records") JsonNode tree) throws Exception {
        throughEveryReader(JSON.writeValueAsBytes(tree));
    }

    @Property(tries = 1000)
    void mutatedExampleSpecsGiveAValueOrErrors(@ForAll("mutatedSpecs") JsonNode spec) throws Exception {
        valueOrInvalidInput(() -> {
            try {
                return JsonCodec.readSpec(JSON.writeValueAsBytes(spec));
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new AssertionError(e);
            }
        });
    }

    /** The run-time check and Vert.x's JSON Schema validator agree on which mutated specs are valid. */
    @Property(tries = 1000)
    void theRunTimeCheckAgreesWithAnIndependentValidator(@ForAll("mutatedSpecs") JsonNode spec) throws Exception {
        JsonNode withoutNulls = JsonTrees.withoutNullFields(spec);
        boolean ours = JsonCodec.SPEC_SCHEMA.check(withoutNulls).isEmpty();
        boolean theirs = Boolean.TRUE.equals(ExperimentSpecSchemaTest.VALIDATOR
                .validate(new JsonObject(JSON.writeValueAsString(withoutNulls))).getValid());
        assertThat(ours).as("run-time check accepts %s", withoutNulls).isEqualTo(theirs);
    }

    @Provide
    Arbitrary<JsonNode> json() {
        return value(3);
    }

    @Provide
    Arbitrary<JsonNode> records() {
        Arbitrary<String> types = Arbitraries.of("started", "progress", "completed", "failed", "other");
        return Combinators.combine(types, object(2)).as((t, o) -> {
            ObjectNode out = o.deepCopy();
            out.put("type", t);
            return out;
        });
    }

    @Provide
    Arbitrary<JsonNode> mutatedSpecs() {
        return Combinators.combine(Arbitraries.integers().between(0, 10_000), Arbitraries.integers().between(0, 3), value(2),
                Arbitraries.of(NAMES)).as(CodecPropertiesTest::mutate);
    }

    /** Replaces, removes, or adds (a known or unknown name) at one of the example's locations. */
    static JsonNode mutate(int where, int how, JsonNode replacement, String name) {
        JsonNode copy = EXAMPLE.deepCopy();
        List<JsonNode> containers = new ArrayList<>();
        collect(copy, containers);
        JsonNode target = containers.get(where % containers.size());
        if (target instanceof ObjectNode o) {
            List<String> fields = new ArrayList<>();
            o.fieldNames().forEachRemaining(fields::add);
            String field = fields.isEmpty() || how == 3 ? name : fields.get(where % fields.size());
            if (how == 2 && !fields.isEmpty()) {
                o.remove(field);
            } else {
                o.set(field, replacement);
            }
        } else if (target instanceof ArrayNode a && a.size() > 0) {
            if (how == 2) {
                a.remove(where % a.size());
            } else {
                a.set(where % a.size(), replacement);
            }
        }
        return copy;
    }

    private static void collect(JsonNode node, List<JsonNode> out) {
        if (node.isContainerNode()) {
            out.add(node);
            node.forEach(child -> collect(child, out));
        }
    }

    Arbitrary<JsonNode> value(int depth) {
        Arbitrary<JsonNode> scalars = Arbitraries.oneOf(
                Arbitraries.just(NullNode.getInstance()),
                Arbitraries.of(true, false).map(BooleanNode::valueOf),
                Arbitraries.integers().map(IntNode::valueOf),
                Arbitraries.integers().between(-3, 20).map(IntNode::valueOf),
                Arbitraries.longs().map(LongNode::valueOf),
                Arbitraries.doubles().map(DoubleNode::valueOf),
                Arbitraries.doubles().between(-2, 2).ofScale(3).map(DoubleNode::valueOf),
                Arbitraries.bigDecimals().ofScale(2).map(DecimalNode::valueOf),
                strings().map(TextNode::valueOf),
                Arbitraries.of(NAMES).map(TextNode::valueOf));
        if (depth == 0) {
            return scalars;
        }
        Arbitrary<JsonNode> arrays = value(depth - 1).list().ofMaxSize(4).map(items -> {
            ArrayNode a = JsonNodeFactory.instance.arrayNode();
            a.addAll(items);
            return a;
        });
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(4, scalars),
                net.jqwik.api.Tuple.of(1, arrays),
                net.jqwik.api.Tuple.of(2, object(depth - 1).map(o -> (JsonNode) o)));
    }

    Arbitrary<ObjectNode> object(int depth) {
        Arbitrary<String> keys = Arbitraries.oneOf(Arbitraries.of(NAMES), strings());
        return Combinators.combine(keys.list().ofMaxSize(5), value(depth).list().ofSize(5)).as((k, v) -> {
            ObjectNode o = JsonNodeFactory.instance.objectNode();
            for (int i = 0; i < k.size(); i++) {
                o.set(k.get(i), v.get(i));
            }
            return o;
        });
    }

    /** Text made of JSON's own characters (lower case only, so it cannot spell a Java name when echoed). */
    @Provide
    Arbitrary<String> jsonish() {
        return Arbitraries.strings().withChars("{}[]\":,0123456789.eE+-truefalsnNaIiy\\").ofMaxLength(60);
    }

    /** Strings that cannot spell a Java name by chance (no dots, back-quotes or dollars), including non-ASCII, quotes and line breaks. */
    static Arbitrary<String> strings() {
        return Arbitraries.strings().withChars("abcxyzABZ019 _-\u00e9\u4e2d\n\"").ofMaxLength(12);
    }

    @Property(tries = 200)
    void arbitraryTextIsNeverAnUnexpectedException(@ForAll("jsonish") String text, @ForAll @IntRange(max = 3) int wrap) {
        String json = switch (wrap) {
            case 0 -> text;
            case 1 -> "{\"name\": " + text + "}";
            case 2 -> "{\"command\": \"cancel\", \"reason\": " + text + "}";
            default -> "{\"budget\": {\"maxTrials\": " + text + "}}";
        };
        throughEveryReader(json.getBytes(StandardCharsets.UTF_8));
    }
}
