package org.naspipeline.api;

import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.databind.JsonMappingException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/** Dotted JSON paths as errors show them: {@code $} for the whole input, {@code a.b[2].c} below it. */
final class JsonPaths {
    private JsonPaths() {}

    /**
     * The path of field {@code name} under {@code parent}; a huge name is abbreviated, and a name that is blank,
     * padded, or contains {@code . [ ] "} or a control character is quoted (with JSON escapes).
     */
    static String field(String parent, String name) {
        String n = RecordChecks.abbreviate(name);
        if (n.isBlank() || !n.equals(n.strip()) || n.chars().anyMatch(c -> c == '.' || c == '[' || c == ']' || c == '"'
                || Character.isISOControl(c))) {
            n = "\"" + SchemaWords.escape(n) + "\""; // quoted where the bare name would be unclear
        }
        return "$".equals(parent) ? n : parent + "." + n;
    }

    /** The path of an element under {@code parent}. */
    static String index(String parent, int i) {
        return parent + "[" + i + "]";
    }

    /** The path where a streaming parser stands. */
    static String of(JsonStreamContext context) {
        Deque<JsonStreamContext> chain = new ArrayDeque<>();
        for (JsonStreamContext c = context; c != null && !c.inRoot(); c = c.getParent()) {
            chain.push(c);
        }
        String path = "$";
        for (JsonStreamContext c : chain) {
            if (c.inArray()) {
                path = index(path, Math.max(0, c.getCurrentIndex()));
            } else if (c.inObject() && c.getCurrentName() != null) {
                path = field(path, c.getCurrentName());
            }
        }
        return path;
    }

    /** Renders a data-binding reference chain. */
    static String of(List<JsonMappingException.Reference> refs) {
        String path = "$";
        for (JsonMappingException.Reference ref : refs) {
            if (ref.getFieldName() != null) {
                path = field(path, ref.getFieldName());
            } else if (ref.getIndex() >= 0) {
                path = index(path, ref.getIndex());
            }
        }
        return path;
    }
}
