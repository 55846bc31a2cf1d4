package org.naspipeline.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Checks a JSON tree against a published JSON Schema (draft 2020-12) at run time, so the schema clients see is the
 * one the services enforce. It implements the keywords the shipped schemas use and refuses to load a schema with any
 * other, so a keyword cannot be added to a schema without being enforced. Messages use JSON terms and point at the
 * offending field ({@code budget.maxTrials}); unknown fields get a did-you-mean suggestion.
 */
final class SchemaCheck {
    /** More errors than this are summarized in one last entry. */
    static final int MAX_ERRORS = ErrorSink.MAX_ERRORS;
    private final SchemaDocument document;

    private SchemaCheck(JsonNode root) {
        this.document = new SchemaDocument(root);
    }

    /** A check against {@code schema}; an unsupported keyword or a bad reference throws. */
    static SchemaCheck of(JsonNode schema) {
        return new SchemaCheck(schema);
    }

    /** Loads a schema from the class path; an unsupported keyword or a bad reference is a build error. */
    static SchemaCheck load(String resource) {
        try (InputStream in = SchemaCheck.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("schema " + resource + " is missing from the class path");
            }
            return new SchemaCheck(new com.fasterxml.jackson.databind.ObjectMapper().readTree(in));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The schema document. */
    JsonNode schema() {
        return document.root();
    }

    /** Every error in {@code instance}, non-finite numbers included, at most {@link #MAX_ERRORS} and a summary. */
    List<ValidationError> check(JsonNode instance) {
        ErrorSink sink = new ErrorSink();
        JsonTrees.nonFinite(instance, "$", sink);
        validate(document.root(), instance, "$", sink);
        return sink.result();
    }

    private void validate(JsonNode schema, JsonNode value, String path, ErrorSink sink) {
        if (schema.isBoolean()) {
            if (!schema.booleanValue()) {
                sink.add(path, "is not allowed here");
            }
            return;
        }
        if (value.isNumber() && !JsonTrees.finite(value)) {
            return; // reported once by JsonTrees.nonFinite
        }
        if (schema.has("$ref")) {
            validate(document.resolve(schema.get("$ref").asText()), value, path, sink);
        }
        if (schema.has("type") && !SchemaWords.hasType(schema.get("type"), value)) {
            sink.add(path, "must be " + SchemaWords.typeNames(schema.get("type")) + " (got " + SchemaWords.describe(value) + ")");
            return;
        }
        if (schema.has("const") && !SchemaWords.same(schema.get("const"), value)) {
            sink.add(path, "must be " + SchemaWords.literal(schema.get("const")) + " (got " + SchemaWords.describe(value) + ")");
        }
        if (schema.has("enum")) {
            checkEnum(schema.get("enum"), value, path, sink);
        }
        if (value.isNumber()) {
            checkRange(schema, value.decimalValue(), value, path, sink);
        } else if (value.isTextual()) {
            checkString(schema, value.textValue(), path, sink);
        } else if (value.isArray()) {
            checkArray(schema, value, path, sink);
        } else if (value.isObject()) {
            checkObject(schema, value, path, sink);
        }
        checkCombinators(schema, value, path, sink);
    }

    private static void checkEnum(JsonNode allowed, JsonNode value, String path, ErrorSink sink) {
        for (JsonNode a : allowed) {
            if (SchemaWords.same(a, value)) {
                return;
            }
        }
        List<String> names = new ArrayList<>();
        allowed.forEach(a -> names.add(a.asText()));
        String suggestion = value.isTextual() ? DidYouMean.closest(value.textValue(), names) : null;
        sink.add(path, "must be one of " + SchemaWords.literals(allowed) + " (got " + SchemaWords.describe(value) + ")"
                + (suggestion == null ? "" : "; did you mean \"" + suggestion + "\"?"));
    }

    private static void checkRange(JsonNode schema, BigDecimal v, JsonNode value, String path, ErrorSink sink) {
        JsonNode min = schema.get("minimum");
        JsonNode xmin = schema.get("exclusiveMinimum");
        JsonNode max = schema.get("maximum");
        JsonNode xmax = schema.get("exclusiveMaximum");
        boolean ok = (min == null || v.compareTo(min.decimalValue()) >= 0)
                && (xmin == null || v.compareTo(xmin.decimalValue()) > 0)
                && (max == null || v.compareTo(max.decimalValue()) <= 0)
                && (xmax == null || v.compareTo(xmax.decimalValue()) < 0);
        if (ok) {
            return;
        }
        JsonNode lo = min != null ? min : xmin;
        JsonNode hi = max != null ? max : xmax;
        String got = " (got " + SchemaWords.describe(value) + ")";
        if (lo != null && hi != null) {
            sink.add(path, "must be in " + (min != null ? "[" : "(") + lo.asText() + ", " + hi.asText()
                    + (max != null ? "]" : ")") + got);
        } else if (lo != null) {
            sink.add(path, "must be " + (min != null ? "≥ " : "> ") + lo.asText() + got);
        } else {
            sink.add(path, "must be " + (max != null ? "≤ " : "< ") + hi.asText() + got);
        }
    }

    private void checkString(JsonNode schema, String s, String path, ErrorSink sink) {
        int length = s.codePointCount(0, s.length());
        if (schema.has("maxLength") && length > schema.get("maxLength").intValue()) {
            sink.add(path, "must be at most " + schema.get("maxLength").intValue() + " characters (got " + length + ")");
            return; // a huge string is not matched against patterns nor echoed
        }
        if (schema.has("minLength") && length < schema.get("minLength").intValue()) {
            sink.add(path, "must be at least " + schema.get("minLength").intValue() + " characters (got " + length + ")");
        }
        if (schema.has("pattern") && !document.pattern(schema.get("pattern").asText()).matcher(s).find()) {
            sink.add(path, "must match " + schema.get("pattern").asText() + " (got " + SchemaWords.describe(TextNode.valueOf(s)) + ")");
        }
    }

    private void checkArray(JsonNode schema, JsonNode array, String path, ErrorSink sink) {
        if (schema.has("maxItems") && array.size() > schema.get("maxItems").intValue()) {
            sink.add(path, "must have at most " + schema.get("maxItems").intValue() + " items (got " + array.size() + ")");
            return;
        }
        if (schema.has("minItems") && array.size() < schema.get("minItems").intValue()) {
            int n = schema.get("minItems").intValue();
            sink.add(path, n == 1 ? "must list at least one choice" : "must have at least " + n + " items (got " + array.size() + ")");
        }
        if (schema.has("items")) {
            for (int i = 0; i < array.size() && !sink.full(); i++) {
                validate(schema.get("items"), array.get(i), path + "[" + i + "]", sink);
            }
        }
    }

    private void checkObject(JsonNode schema, JsonNode object, String path, ErrorSink sink) {
        if (schema.has("maxProperties") && object.size() > schema.get("maxProperties").intValue()) {
            sink.add(path, "must have at most " + schema.get("maxProperties").intValue() + " entries (got " + object.size() + ")");
            return;
        }
        JsonNode properties = schema.path("properties");
        JsonNode additional = schema.get("additionalProperties");
        for (Iterator<Map.Entry<String, JsonNode>> it = object.fields(); it.hasNext() && !sink.full(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String at = JsonPaths.field(path, e.getKey());
            if (schema.has("propertyNames")) {
                ErrorSink names = new ErrorSink();
                validate(schema.get("propertyNames"), TextNode.valueOf(e.getKey()), at, names);
                names.errors.forEach(err -> sink.add(at, "the name " + err.message()));
                if (!names.errors.isEmpty()) {
                    continue;
                }
            }
            if (properties.has(e.getKey())) {
                validate(properties.get(e.getKey()), e.getValue(), at, sink);
            } else if (additional != null && additional.isBoolean() && !additional.booleanValue()) {
                List<String> known = new ArrayList<>();
                properties.fieldNames().forEachRemaining(known::add);
                String suggestion = DidYouMean.closest(e.getKey(), known);
                sink.add(at, suggestion != null ? "unknown field; did you mean \"" + suggestion + "\"?"
                        : "unknown field (known: " + String.join(", ", known) + ")");
            } else if (additional != null) {
                validate(additional, e.getValue(), at, sink);
            }
        }
        for (JsonNode required : schema.path("required")) {
            if (!object.has(required.asText())) {
                sink.add(JsonPaths.field(path, required.asText()), "is required");
            }
        }
    }

    private void checkCombinators(JsonNode schema, JsonNode value, String path, ErrorSink sink) {
        for (JsonNode sub : schema.path("allOf")) {
            validate(sub, value, path, sink);
        }
        if (schema.has("anyOf")) {
            List<ErrorSink> tries = tryEach(schema.get("anyOf"), value, path);
            if (tries.stream().noneMatch(t -> t.errors.isEmpty())) {
                anyOfFailed(schema.get("anyOf"), tries, path, sink);
            }
        }
        if (schema.has("oneOf")) {
            List<ErrorSink> tries = tryEach(schema.get("oneOf"), value, path);
            long passed = tries.stream().filter(t -> t.errors.isEmpty()).count();
            if (passed == 0) {
                fewest(tries).errors.forEach(e -> sink.add(e.path(), e.message()));
            } else if (passed > 1) {
                sink.add(path, "matches more than one of the alternatives; it must match exactly one");
            }
        }
        if (schema.has("not")) {
            ErrorSink t = new ErrorSink();
            JsonNode not = schema.get("not");
            validate(not, value, path, t);
            if (t.errors.isEmpty()) {
                String at = not.path("required").size() > 0 ? JsonPaths.field(path, not.get("required").get(0).asText()) : path;
                sink.add(at, not.has("description") ? not.get("description").asText() : "is not allowed here");
            }
        }
        if (schema.has("if")) {
            ErrorSink t = new ErrorSink();
            validate(schema.get("if"), value, path, t);
            JsonNode branch = t.errors.isEmpty() ? schema.get("then") : schema.get("else");
            if (branch != null) {
                validate(branch, value, path, sink);
            }
        }
    }

    private List<ErrorSink> tryEach(JsonNode alternatives, JsonNode value, String path) {
        List<ErrorSink> out = new ArrayList<>();
        for (JsonNode alt : alternatives) {
            ErrorSink t = new ErrorSink();
            validate(alt, value, path, t);
            out.add(t);
        }
        return out;
    }

    private static void anyOfFailed(JsonNode alternatives, List<ErrorSink> tries, String path, ErrorSink sink) {
        List<String> names = new ArrayList<>();
        for (JsonNode alt : alternatives) {
            if (alt.size() != 1 || !alt.has("required")) {
                fewest(tries).errors.forEach(e -> sink.add(e.path(), e.message()));
                return;
            }
            alt.get("required").forEach(r -> names.add(r.asText()));
        }
        sink.add(path, "needs at least one of " + String.join(", ", names));
    }

    private static ErrorSink fewest(List<ErrorSink> tries) {
        ErrorSink best = tries.get(0);
        for (ErrorSink t : tries) {
            if (t.errors.size() < best.errors.size()) {
                best = t;
            }
        }
        return best;
    }
}
