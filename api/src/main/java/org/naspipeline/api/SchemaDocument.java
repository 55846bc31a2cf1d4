package org.naspipeline.api;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A loaded JSON Schema document: its keywords are verified against those {@link SchemaCheck} enforces (any other
 * keyword, type name or reference fails the load), and its patterns compiled once.
 */
final class SchemaDocument {
    private static final Set<String> KEYWORDS = Set.of("$schema", "$id", "$comment", "title", "description", "default",
            "examples", "$defs", "$ref", "type", "properties", "required", "additionalProperties", "propertyNames",
            "maxProperties", "enum", "const", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "minLength",
            "maxLength", "pattern", "minItems", "maxItems", "items", "allOf", "anyOf", "oneOf", "not", "if", "then", "else");
    private static final Set<String> TYPES = Set.of("null", "boolean", "object", "array", "number", "integer", "string");
    private static final Set<String> SUBSCHEMA_MAPS = Set.of("$defs", "properties");
    private static final Set<String> SUBSCHEMAS = Set.of("additionalProperties", "propertyNames", "items", "not", "if",
            "then", "else");
    private static final Set<String> SUBSCHEMA_LISTS = Set.of("allOf", "anyOf", "oneOf");

    private final JsonNode root;
    private final Map<String, Pattern> patterns = new HashMap<>();

    SchemaDocument(JsonNode root) {
        this.root = root;
        compile(root, "#");
    }

    /** The whole document. */
    JsonNode root() {
        return root;
    }

    /** The compiled form of a pattern of this document. */
    Pattern pattern(String regex) {
        return patterns.get(regex);
    }

    private void compile(JsonNode schema, String at) {
        if (schema.isBoolean()) {
            return;
        }
        if (!schema.isObject()) {
            throw new IllegalStateException("schema at " + at + " must be an object or a boolean");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = schema.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String key = e.getKey();
            if (!KEYWORDS.contains(key)) {
                throw new IllegalStateException("schema keyword '" + key + "' at " + at + " is not enforced by the run-time check");
            }
            if (SUBSCHEMA_MAPS.contains(key)) {
                e.getValue().fields().forEachRemaining(p -> compile(p.getValue(), at + "/" + key + "/" + p.getKey()));
            } else if (SUBSCHEMAS.contains(key)) {
                compile(e.getValue(), at + "/" + key);
            } else if (SUBSCHEMA_LISTS.contains(key)) {
                for (int i = 0; i < e.getValue().size(); i++) {
                    compile(e.getValue().get(i), at + "/" + key + "/" + i);
                }
            } else if (key.equals("pattern")) {
                patterns.put(e.getValue().asText(), Pattern.compile(e.getValue().asText()));
            } else if (key.equals("$ref")) {
                resolve(e.getValue().asText());
            } else if (key.equals("type")) {
                for (JsonNode t : e.getValue().isArray() ? e.getValue() : List.of(e.getValue())) {
                    if (!TYPES.contains(t.asText())) {
                        throw new IllegalStateException("unknown type '" + t.asText() + "' at " + at);
                    }
                }
            }
        }
    }

    /** The schema a local reference ({@code #/$defs/…}) points at. */
    JsonNode resolve(String ref) {
        if (!ref.startsWith("#/")) {
            throw new IllegalStateException("only local references are supported (got " + ref + ")");
        }
        JsonNode target = root.at(ref.substring(1));
        if (target.isMissingNode()) {
            throw new IllegalStateException("unresolved reference " + ref);
        }
        return target;
    }
}
