package org.naspipeline.api;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/** JSON terms for error messages: type names ("an integer"), short descriptions of values, literals. */
final class SchemaWords {
    private SchemaWords() {}

    /** Whether {@code value} has one of the JSON Schema types named by {@code type} (a name or a list of names). */
    static boolean hasType(JsonNode type, JsonNode value) {
        for (JsonNode t : type.isArray() ? type : List.of(type)) {
            boolean match = switch (t.asText()) {
                case "null" -> value.isNull();
                case "boolean" -> value.isBoolean();
                case "object" -> value.isObject();
                case "array" -> value.isArray();
                case "string" -> value.isTextual();
                case "number" -> value.isNumber();
                case "integer" -> isInteger(value);
                default -> false;
            };
            if (match) {
                return true;
            }
        }
        return false;
    }

    /** JSON Schema's integer: a number without a fractional part (so 1.0 and 1e2 are integers, 1.5 is not). */
    static boolean isInteger(JsonNode value) {
        if (value.isIntegralNumber()) {
            return true;
        }
        return value.isNumber() && Double.isFinite(value.doubleValue())
                && value.decimalValue().stripTrailingZeros().scale() <= 0;
    }

    /** "an integer", "a string or a number", … */
    static String typeNames(JsonNode type) {
        List<String> names = new ArrayList<>();
        for (JsonNode t : type.isArray() ? type : List.of(type)) {
            names.add(article(t.asText()));
        }
        if (names.size() == 1) {
            return names.get(0);
        }
        return String.join(", ", names.subList(0, names.size() - 1)) + " or " + names.get(names.size() - 1);
    }

    static String article(String type) {
        return switch (type) {
            case "null" -> "null";
            case "integer", "object", "array" -> "an " + type;
            default -> "a " + type;
        };
    }

    /** A short description of a value: scalars as written (abbreviated), containers by kind. */
    static String describe(JsonNode value) {
        if (value.isTextual()) {
            return "\"" + RecordChecks.abbreviate(escape(value.textValue())) + "\"";
        }
        if (value.isObject()) {
            return "an object";
        }
        if (value.isArray()) {
            return "an array";
        }
        return RecordChecks.abbreviate(value.asText());
    }

    /** The text with JSON string escapes (quotes, control characters), so a message stays on one line. */
    static String escape(String text) {
        return new String(com.fasterxml.jackson.core.io.JsonStringEncoder.getInstance().quoteAsString(text));
    }

    /** A schema literal as JSON would show it. */
    static String literal(JsonNode value) {
        return value.isTextual() ? "\"" + value.textValue() + "\"" : value.toString();
    }

    /** Literals joined by commas. */
    static String literals(JsonNode values) {
        List<String> out = new ArrayList<>();
        values.forEach(v -> out.add(literal(v)));
        return String.join(", ", out);
    }

    /** JSON equality, with numbers compared by value (1 equals 1.0). */
    static boolean same(JsonNode a, JsonNode b) {
        if (a.isNumber() && b.isNumber()) {
            return Double.isFinite(b.doubleValue()) && a.decimalValue().compareTo(b.decimalValue()) == 0;
        }
        return a.equals(b);
    }
}
