package org.naspipeline.api;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.deser.DeserializationProblemHandler;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one JSON codec of the pipeline. Specs from outside are read leniently (unknown fields are logged and
 * ignored, optional fields default) and then validated; internal events are read strictly (every creator
 * property must be present). Every failure becomes an {@link InvalidInputException} with JSON paths.
 */
public final class JsonCodec {
    private static final Logger LOG = LoggerFactory.getLogger(JsonCodec.class);
    private static final int MAX_INPUT_BYTES = 1 << 20;

    private static final ObjectMapper LENIENT = base()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .addHandler(new UnknownFieldLogger())
            .build();
    private static final ObjectMapper STRICT = base()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .addHandler(new UnknownFieldLogger())
            .enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES)
            .build();
    private static final ObjectMapper CANONICAL = base()
            .enable(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY)
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
            .build();
    private static final ObjectMapper PRETTY = base().enable(SerializationFeature.INDENT_OUTPUT).build();

    private JsonCodec() {}

    private static JsonMapper.Builder base() {
        return JsonMapper.builder()
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .enable(DeserializationFeature.FAIL_ON_NUMBERS_FOR_ENUMS)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    }

    /** Serializes any pipeline record to UTF-8 JSON. */
    public static byte[] write(Object value) {
        try {
            return LENIENT.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot serialize " + value.getClass().getSimpleName(), e);
        }
    }

    /** Serializes with indentation, for files people read. */
    public static String writePretty(Object value) {
        try {
            return PRETTY.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot serialize " + value.getClass().getSimpleName(), e);
        }
    }

    /** Deterministic JSON (sorted keys) used for hashing and equality of candidates. */
    public static String canonicalJson(Object value) {
        try {
            return CANONICAL.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot serialize " + value.getClass().getSimpleName(), e);
        }
    }

    /** Reads and validates an experiment spec from outside; throws with every path-precise error found. */
    public static ExperimentSpec readSpec(byte[] json) {
        ExperimentSpec spec = read(LENIENT, json, ExperimentSpec.class);
        List<ValidationError> errors = spec.validate();
        if (!errors.isEmpty()) {
            throw new InvalidInputException(errors);
        }
        return spec;
    }

    /** Reads an experiment command from outside (lenient; {@code command} is required). */
    public static ExperimentCommand readCommand(byte[] json) {
        ExperimentCommand command = read(LENIENT, json, ExperimentCommand.class);
        Errors errors = new Errors();
        errors.required("command", command.command());
        errors.throwIfAny();
        return command;
    }

    /** Reads a candidate (lenient: omitted compression means none). */
    public static Candidate readCandidate(byte[] json) {
        return read(LENIENT, json, Candidate.class);
    }

    /** Reads an internal record strictly: every field of the record must be present. */
    public static <T> T read(byte[] json, Class<T> type) {
        return read(STRICT, json, type, MAX_INPUT_BYTES);
    }

    /**
     * Reads a service's own stored state (never outside input), strictly and without the input size limit:
     * state grows with an experiment's history.
     */
    public static <T> T readStoredState(byte[] json, Class<T> type) {
        return read(STRICT, json, type, Integer.MAX_VALUE);
    }

    /** Reads a tree for generic inspection (e.g. to recover an id from a record that failed to parse). */
    public static com.fasterxml.jackson.databind.JsonNode readTree(byte[] json) {
        try {
            return LENIENT.readTree(json);
        } catch (JsonProcessingException e) {
            throw new InvalidInputException(List.of(new ValidationError("$", "not valid JSON: " + e.getOriginalMessage())));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static <T> T read(ObjectMapper mapper, byte[] json, Class<T> type) {
        return read(mapper, json, type, MAX_INPUT_BYTES);
    }

    private static <T> T read(ObjectMapper mapper, byte[] json, Class<T> type, int maxBytes) {
        if (json == null || json.length == 0) {
            throw new InvalidInputException(List.of(new ValidationError("$", "empty input")));
        }
        if (json.length > maxBytes) {
            throw new InvalidInputException(List.of(new ValidationError(
                    "$", "input of " + json.length + " bytes exceeds the limit of " + maxBytes)));
        }
        try {
            T value = mapper.readValue(json, type);
            if (value == null) {
                throw new InvalidInputException(List.of(new ValidationError("$", "must be a JSON object, got null")));
            }
            return value;
        } catch (JsonMappingException e) {
            throw new InvalidInputException(List.of(new ValidationError(path(e.getPath()), describe(e))));
        } catch (JsonProcessingException e) {
            throw new InvalidInputException(List.of(new ValidationError("$", "not valid JSON: " + e.getOriginalMessage())));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String describe(JsonMappingException e) {
        String msg = e.getOriginalMessage();
        if (msg.startsWith("Missing") && msg.contains("creator property")) {
            return "is required";
        }
        if (msg.startsWith("Cannot deserialize value of type")) {
            int cut = msg.indexOf(" from ");
            String target = msg.substring("Cannot deserialize value of type ".length(), cut < 0 ? msg.length() : cut);
            int detail = msg.indexOf(": ");
            return "has the wrong type (expected " + target.replace("`", "") + ")"
                    + (detail > 0 ? " — " + msg.substring(detail + 2).split("\n")[0] : "");
        }
        if (msg.startsWith("Cannot map `null` into type")) {
            return "must not be null";
        }
        return msg.split("\n")[0];
    }

    /** Renders Jackson's reference chain as {@code a.b[2].c}. */
    static String path(List<JsonMappingException.Reference> refs) {
        StringBuilder sb = new StringBuilder();
        for (JsonMappingException.Reference ref : refs) {
            if (ref.getFieldName() != null) {
                if (!sb.isEmpty()) {
                    sb.append('.');
                }
                sb.append(ref.getFieldName());
            } else if (ref.getIndex() >= 0) {
                sb.append('[').append(ref.getIndex()).append(']');
            }
        }
        return sb.isEmpty() ? "$" : sb.toString();
    }

    /** Logs unknown fields once per occurrence and skips them, so newer producers stay readable. */
    private static final class UnknownFieldLogger extends DeserializationProblemHandler {
        @Override
        public boolean handleUnknownProperty(
                DeserializationContext ctxt, JsonParser p, JsonDeserializer<?> deserializer, Object beanOrClass,
                String propertyName) throws IOException {
            String at = p.getParsingContext().pathAsPointer().toString();
            LOG.warn("ignoring unknown field '{}' at {}", propertyName, at.isEmpty() ? "/" : at);
            p.skipChildren();
            return true;
        }
    }
}
