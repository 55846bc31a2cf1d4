package org.naspipeline.api;

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
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

/**
 * Generators of arbitrary JSON for property tests of every reader of outside input: trees that reach deep into
 * the readers (known field names and values mixed with others), record-like objects, and mutations of the
 * example spec. Shared with other modules' tests through this module's test jar.
 */
public final class JsonArbitraries {
    private JsonArbitraries() {}

    /** Field names and values of the spec and the records, so generated trees reach deep into the readers. */
    public static final List<String> NAMES = List.of("type", "schemaVersion", "id", "name", "dataset", "searchSpace",
            "budget", "maxTrials", "architecture", "family", "parameters", "min", "max", "choices", "steps", "objectives",
            "constraints", "metric", "command", "reason", "cancel", "experimentId", "trialId", "attempt", "started",
            "progress", "completed", "failed", "metrics", "accuracy", "action", "stop", "workerId", "candidate", "epoch",
            "epochs", "mlp", "cnn", "fashion-mnist", "log-float", "categorical", "int", "learningRate", "compression");

    /** The example spec {@code examples/fashion-mnist.json}. */
    public static final JsonNode EXAMPLE = example();

    private static JsonNode example() {
        try {
            return new ObjectMapper().readTree(Files.readAllBytes(Path.of("..", "examples", "fashion-mnist.json")));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Objects with a record {@code type} (known or not) and arbitrary fields. */
    public static Arbitrary<JsonNode> records() {
        Arbitrary<String> types = Arbitraries.of("started", "progress", "completed", "failed", "other");
        return Combinators.combine(types, object(2)).as((t, o) -> {
            ObjectNode out = o.deepCopy();
            out.put("type", t);
            return out;
        });
    }

    /** The example spec with one location replaced, removed or added. */
    public static Arbitrary<JsonNode> mutatedSpecs() {
        return Combinators.combine(Arbitraries.integers().between(0, 10_000), Arbitraries.integers().between(0, 3), value(2),
                Arbitraries.of(NAMES)).as(JsonArbitraries::mutate);
    }

    /** Replaces, removes, or adds (a known or unknown name) at one of the example's locations. */
    public static JsonNode mutate(int where, int how, JsonNode replacement, String name) {
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

    public static Arbitrary<JsonNode> value(int depth) {
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

    public static Arbitrary<ObjectNode> object(int depth) {
        Arbitrary<String> keys = Arbitraries.oneOf(Arbitraries.of(NAMES), strings());
        return Combinators.combine(keys.list().ofMaxSize(5), value(depth).list().ofSize(5)).as((k, v) -> {
            ObjectNode o = JsonNodeFactory.instance.objectNode();
            for (int i = 0; i < k.size(); i++) {
                o.set(k.get(i), v.get(i));
            }
            return o;
        });
    }

    /** Strings that cannot spell a Java name by chance (no dots, back-quotes or dollars), including non-ASCII, quotes and line breaks. */
    public static Arbitrary<String> strings() {
        return Arbitraries.strings().withChars("abcxyzABZ019 _-\u00e9\u4e2d\n\"").ofMaxLength(12);
    }
}
