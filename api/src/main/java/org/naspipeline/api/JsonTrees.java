package org.naspipeline.api;

import com.fasterxml.jackson.databind.JsonNode;

/** Walks over parsed JSON input before a schema check: null fields, non-finite numbers. */
final class JsonTrees {
    private JsonTrees() {}

    /**
     * The tree with every object field whose value is null removed, at any depth: an explicit null means the same
     * as leaving the field out (nulls inside arrays stay, and are checked as values).
     */
    static JsonNode withoutNullFields(JsonNode value) {
        if (value.isObject()) {
            com.fasterxml.jackson.databind.node.ObjectNode out = ((com.fasterxml.jackson.databind.node.ObjectNode) value).objectNode();
            value.fields().forEachRemaining(e -> {
                if (!e.getValue().isNull()) {
                    out.set(e.getKey(), withoutNullFields(e.getValue()));
                }
            });
            return out;
        }
        if (value.isArray()) {
            com.fasterxml.jackson.databind.node.ArrayNode out = ((com.fasterxml.jackson.databind.node.ArrayNode) value).arrayNode();
            value.forEach(v -> out.add(withoutNullFields(v)));
            return out;
        }
        return value;
    }

    /** Reports every NaN or infinite number in {@code value} at its path. */
    static void nonFinite(JsonNode value, String path, ErrorSink sink) {
        if (value.isNumber() && !finite(value)) {
            sink.add(path, "must be a finite number (got " + value.asText() + ")");
        } else if (value.isObject()) {
            value.fields().forEachRemaining(e -> nonFinite(e.getValue(), JsonPaths.field(path, e.getKey()), sink));
        } else if (value.isArray()) {
            for (int i = 0; i < value.size(); i++) {
                nonFinite(value.get(i), path + "[" + i + "]", sink);
            }
        }
    }

    /** False for NaN and infinite numbers (a parsed {@code 1e999} is infinite). */
    static boolean finite(JsonNode n) {
        return !(n.isDouble() || n.isFloat()) || Double.isFinite(n.doubleValue());
    }
}
