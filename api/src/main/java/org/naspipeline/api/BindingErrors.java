package org.naspipeline.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.InputCoercionException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.InvalidTypeIdException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Turns Jackson's parse and binding failures into path-precise errors in JSON terms: never a Java type, class or
 * package name, nor a stack trace.
 */
final class BindingErrors {
    private BindingErrors() {}

    /** The error for a failure while parsing or binding. */
    static ValidationError of(JsonProcessingException e) {
        return of(e, e.getProcessor() instanceof JsonParser p ? p : null);
    }

    /** The error for a failure while {@code parser} (null if unknown) was reading. */
    static ValidationError of(JsonProcessingException e, JsonParser parser) {
        if (e instanceof InvalidTypeIdException t) {
            return typeId(t);
        }
        if (e instanceof JsonMappingException m) {
            return new ValidationError(JsonPaths.of(m.getPath()), mapping(m));
        }
        JsonParser p = e.getProcessor() instanceof JsonParser own ? own : parser;
        String path = p == null ? "$" : JsonPaths.of(p.getParsingContext());
        if (e instanceof InputCoercionException c) {
            return new ValidationError(path, "must be " + range(c.getTargetType()));
        }
        // The input as a whole is unreadable ("$"); where the parser stopped is part of the message.
        var loc = e.getLocation();
        String where = loc == null || loc.getLineNr() < 0 ? "" : " (line " + loc.getLineNr() + ", column " + loc.getColumnNr() + ")";
        return new ValidationError("$", "not valid JSON" + ("$".equals(path) ? "" : " at " + path) + ": "
                + sanitize(e.getOriginalMessage()) + where);
    }

    private static String mapping(JsonMappingException e) {
        String msg = e.getOriginalMessage() == null ? "" : e.getOriginalMessage();
        if (e.getCause() instanceof InputCoercionException c) {
            return "must be " + range(c.getTargetType());
        }
        if (e instanceof UnrecognizedPropertyException) {
            return "unknown field";
        }
        if (e instanceof ValueInstantiationException v) {
            Throwable cause = v.getCause();
            return cause instanceof NullPointerException ? "must not contain null"
                    : cause instanceof IllegalArgumentException && cause.getMessage() != null ? sanitize(cause.getMessage())
                    : "is not a valid value";
        }
        if (msg.startsWith("Missing") && msg.contains("creator property")) {
            return "is required";
        }
        if (e instanceof MismatchedInputException mi && mi.getTargetType() != null) {
            Class<?> target = mi.getTargetType();
            if (target.isEnum()) {
                return "must be one of " + enumNames(target);
            }
            String expected = jsonType(target);
            return msg.contains("`null`") || msg.contains("null value") ? "must be " + expected + " (got null)" : "must be " + expected;
        }
        return "is not valid here";
    }

    private static ValidationError typeId(InvalidTypeIdException e) {
        Class<?> base = e.getBaseType() == null ? null : e.getBaseType().getRawClass();
        JsonTypeInfo info = base == null ? null : base.getAnnotation(JsonTypeInfo.class);
        String property = info == null || info.property().isEmpty() ? "type" : info.property();
        String path = JsonPaths.field(JsonPaths.of(e.getPath()), property);
        List<String> names = new ArrayList<>();
        JsonSubTypes subTypes = base == null ? null : base.getAnnotation(JsonSubTypes.class);
        if (subTypes != null) {
            for (JsonSubTypes.Type t : subTypes.value()) {
                names.add("\"" + t.name() + "\"");
            }
        }
        String known = names.isEmpty() ? "" : " (one of " + String.join(", ", names) + ")";
        return e.getTypeId() == null ? new ValidationError(path, "is required" + known)
                : new ValidationError(path, "unknown value \"" + RecordChecks.abbreviate(SchemaWords.escape(e.getTypeId())) + "\"" + known);
    }

    /** "an integer", "a number", … for a bound Java type. */
    static String jsonType(Class<?> t) {
        if (t == int.class || t == Integer.class || t == long.class || t == Long.class || t == short.class
                || t == Short.class || t == byte.class || t == Byte.class || t == BigInteger.class) {
            return "an integer";
        }
        if (t == double.class || t == Double.class || t == float.class || t == Float.class || t == BigDecimal.class
                || Number.class.isAssignableFrom(t)) {
            return "a number";
        }
        if (t == boolean.class || t == Boolean.class) {
            return "a boolean";
        }
        if (CharSequence.class.isAssignableFrom(t) || t == char.class || t == Character.class) {
            return "a string";
        }
        if (t.isArray() || Collection.class.isAssignableFrom(t)) {
            return "an array";
        }
        if (t == Object.class) {
            return "a JSON value";
        }
        return Map.class.isAssignableFrom(t) || !t.isPrimitive() ? "an object" : "a JSON value";
    }

    private static String range(Class<?> t) {
        if (t == int.class || t == Integer.class) {
            return "an integer from " + Integer.MIN_VALUE + " to " + Integer.MAX_VALUE;
        }
        if (t == long.class || t == Long.class) {
            return "an integer from " + Long.MIN_VALUE + " to " + Long.MAX_VALUE;
        }
        return t == null ? "a smaller number" : jsonType(t) + " in range";
    }

    /** The JSON names of an enum's constants, as its {@link JsonProperty} annotations give them. */
    static String enumNames(Class<?> type) {
        List<String> names = new ArrayList<>();
        for (Object c : type.getEnumConstants()) {
            String name = ((Enum<?>) c).name();
            try {
                JsonProperty p = type.getField(name).getAnnotation(JsonProperty.class);
                names.add("\"" + (p == null ? name : p.value()) + "\"");
            } catch (NoSuchFieldException e) {
                names.add("\"" + name + "\"");
            }
        }
        return String.join(", ", names);
    }

    /**
     * Jackson's own parse messages are in JSON terms, except where they name the setting behind a limit
     * ({@code from `StreamReadConstraints…`}) or a Java type in back-quotes; those parts are cut.
     */
    static String sanitize(String message) {
        if (message == null) {
            return "unreadable input";
        }
        String first = message.split("\n", 2)[0];
        first = first.replaceAll("\\[Source: .*?; line: (\\d+), column: (\\d+)\\]", "line $1, column $2")
                .replaceAll(",? ?from `[^`]*`", "").replaceAll(":? ?enable `[^`]*` to allow", "").replaceAll("`[^`]*`", "value")
                .replaceAll("\\b(?:[a-z][a-z0-9_]*\\.){2,}[A-Za-z0-9_.$]*", "value");
        // JSON's own type words, in lower case as the other messages write them
        first = java.util.regex.Pattern.compile("\\b(String|Number|Array|Object|Boolean|Integer)\\b").matcher(first)
                .replaceAll(m -> m.group(1).toLowerCase(java.util.Locale.ROOT)).strip();
        return first.length() <= 200 ? first : first.substring(0, 197) + "…";
    }
}
