package org.naspipeline.api;

import com.fasterxml.jackson.annotation.JacksonInject;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.deser.DeserializationProblemHandler;
import com.fasterxml.jackson.databind.introspect.AnnotatedMember;
import com.fasterxml.jackson.databind.introspect.AnnotatedParameter;
import com.fasterxml.jackson.databind.introspect.JacksonAnnotationIntrospector;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.type.LogicalType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one JSON codec of the pipeline. Input from outside (specs, commands) is checked against the published JSON
 * Schemas at run time: unknown fields are errors with a did-you-mean, types are never coerced, non-finite numbers
 * and over-long values are refused at their path; then the spec's semantic checks run. Internal records between
 * the services are read without coercion too, but tolerate unknown fields (newer producers stay readable). Every
 * failure becomes an {@link InvalidInputException} with JSON paths and messages in JSON terms.
 */
public final class JsonCodec {
    private static final Logger LOG = LoggerFactory.getLogger(JsonCodec.class);
    private static final int MAX_INPUT_BYTES = 1 << 20;

    /** The published experiment-spec schema, enforced by {@link #readSpec}. */
    static final SchemaCheck SPEC_SCHEMA = SchemaCheck.load("/schemas/experiment-spec.schema.json");
    /** The published command schema, enforced by {@link #readCommand}. */
    static final SchemaCheck COMMAND_SCHEMA = SchemaCheck.load("/schemas/experiment-command.schema.json");

    /** Parses outside input to a tree: NaN tokens are kept so they are refused at their path, duplicate keys fail. */
    private static final ObjectMapper TREE = JsonMapper.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();
    /** Binds a schema-checked tree (whose integers may be written 1.0, as JSON Schema allows). */
    private static final ObjectMapper SPEC = noCoercion(base(), true)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();
    /** Internal records: every creator property present, unknown fields logged and skipped, no coercion. */
    private static final ObjectMapper INTERNAL = noCoercion(base(), false)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .addHandler(new UnknownFieldLogger())
            .enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES)
            .addModule(new SimpleModule("non-finite-doubles")
                    .addDeserializer(double.class, new NonFiniteDoubles(true))
                    .addDeserializer(Double.class, new NonFiniteDoubles(false)))
            .build();
    /** The services' own stored state and files, read as before this codec was strict. */
    private static final ObjectMapper STORED = base()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .addHandler(new UnknownFieldLogger())
            .enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES)
            .build();
    /** Candidate files: omitted parts have defaults, unknown fields are logged; a fraction is never read as an integer. */
    private static final ObjectMapper LENIENT = base()
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .addHandler(new UnknownFieldLogger())
            .build();
    private static final ObjectMapper WRITER = base().build();
    private static final ObjectMapper CANONICAL = base()
            .enable(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY)
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
            .build();
    private static final ObjectMapper PRETTY = base().enable(SerializationFeature.INDENT_OUTPUT).build();

    private JsonCodec() {}

    private static JsonMapper.Builder base() {
        return JsonMapper.builder()
                .annotationIntrospector(new AddedFieldIds())
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .enable(DeserializationFeature.FAIL_ON_NUMBERS_FOR_ENUMS)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    }

    /**
     * Strings stay strings, numbers numbers, booleans booleans; a scalar is never read as an array or object. With
     * {@code wholeFloats}, a float token may bind to an integer field (only after a schema check has made sure it
     * has no fraction, as JSON Schema's integer allows: 3.0, 3e1).
     */
    private static JsonMapper.Builder noCoercion(JsonMapper.Builder b, boolean wholeFloats) {
        b.disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
                .disable(DeserializationFeature.ACCEPT_SINGLE_VALUE_AS_ARRAY)
                .disable(DeserializationFeature.ACCEPT_EMPTY_STRING_AS_NULL_OBJECT)
                .disable(DeserializationFeature.ACCEPT_EMPTY_ARRAY_AS_NULL_OBJECT)
                .withCoercionConfigDefaults(c -> c.setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail)
                        .setCoercion(CoercionInputShape.String, CoercionAction.Fail)
                        .setCoercion(CoercionInputShape.EmptyArray, CoercionAction.Fail)
                        .setCoercion(CoercionInputShape.EmptyObject, CoercionAction.Fail)
                        .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                        .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                        .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail));
        for (LogicalType t : LogicalType.values()) {
            b.withCoercionConfig(t, c -> c.setCoercion(CoercionInputShape.String, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Integer, t == LogicalType.Float ? CoercionAction.TryConvert : CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Float, t == LogicalType.Integer && wholeFloats ? CoercionAction.TryConvert : CoercionAction.Fail));
        }
        return b;
    }

    /** Serializes any pipeline record to UTF-8 JSON. */
    public static byte[] write(Object value) {
        try {
            return WRITER.writeValueAsBytes(value);
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

    /**
     * Reads an experiment spec from outside: checked against {@code schemas/experiment-spec.schema.json}, then by
     * {@link ExperimentSpec#validate()}; throws with every path-precise error found.
     */
    public static ExperimentSpec readSpec(byte[] json) {
        return readSpec(readInputTree(json));
    }

    /** {@link #readSpec(byte[])} of a tree parsed by {@link #readInputTree}: the same checks, without parsing again. */
    public static ExperimentSpec readSpec(JsonNode tree) {
        ExperimentSpec spec = readChecked(tree, SPEC_SCHEMA, ExperimentSpec.class);
        List<ValidationError> errors = spec.validate();
        if (!errors.isEmpty()) {
            throw new InvalidInputException(errors);
        }
        return spec;
    }

    /** Reads an experiment command from outside, checked against {@code schemas/experiment-command.schema.json}. */
    public static ExperimentCommand readCommand(byte[] json) {
        return readCommand(readInputTree(json));
    }

    /** {@link #readCommand(byte[])} of a tree parsed by {@link #readInputTree}: the same checks, without parsing again. */
    public static ExperimentCommand readCommand(JsonNode tree) {
        return readChecked(tree, COMMAND_SCHEMA, ExperimentCommand.class);
    }

    /**
     * Parses outside input to a tree exactly as {@link #readSpec(byte[])} and {@link #readCommand(byte[])} do (at
     * most 1 MiB, one value and nothing after it, NaN tokens kept, duplicate keys refused), for a reader that decides
     * from the content which of the two to bind it with, so a record is parsed once.
     */
    public static JsonNode readInputTree(byte[] json) {
        return parse(json);
    }

    /**
     * Reads a candidate file (a user's, or one a worker wrote), leniently: omitted compression, or an omitted part
     * of it, means none. Settings that cannot run ({@link CompressionSpec#check}: a pruning method without its ratio or
     * count, an unknown setting, bad distillation settings) are errors at their paths.
     */
    public static Candidate readCandidate(byte[] json) {
        Candidate c = read(LENIENT, json, Candidate.class, MAX_INPUT_BYTES);
        if (c.compression() != null) {
            Errors errors = new Errors();
            c.compression().check(errors, "compression");
            errors.throwIfAny();
        }
        return c;
    }

    /**
     * Reads an internal record from another service: every field of the record must be present and of its JSON
     * type (no coercion; a non-finite double may be written as the string "NaN", "Infinity" or "-Infinity", as
     * this codec writes them); unknown fields are skipped, so newer producers stay readable.
     */
    public static <T> T read(byte[] json, Class<T> type) {
        return read(INTERNAL, json, type, MAX_INPUT_BYTES);
    }

    /**
     * Reads a service's own stored state (never outside input), strictly and without the input size limit:
     * state grows with an experiment's history.
     */
    public static <T> T readStoredState(byte[] json, Class<T> type) {
        return read(STORED, json, type, Integer.MAX_VALUE);
    }

    /**
     * Reads a tree for generic inspection (e.g. to recover an id from a record that failed to parse), as
     * {@link #readSpec} parses: NaN tokens are kept (for the spec check to refuse at their path), duplicate keys fail.
     */
    public static JsonNode readTree(byte[] json) {
        try {
            return TREE.readTree(json);
        } catch (JsonProcessingException e) {
            throw new InvalidInputException(List.of(BindingErrors.of(e)));
        } catch (java.io.CharConversionException e) {
            throw unreadableEncoding(e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Parses, checks against a schema, and binds the checked tree. A field set to null counts as absent (so an
     * optional one takes its default and a required one is reported missing), as the schemas' descriptions say.
     */
    private static <T> T readChecked(JsonNode parsed, SchemaCheck schema, Class<T> type) {
        JsonNode tree = JsonTrees.withoutNullFields(parsed);
        List<ValidationError> errors = schema.check(tree);
        if (!errors.isEmpty()) {
            throw new InvalidInputException(errors);
        }
        try {
            return SPEC.treeToValue(tree, type);
        } catch (JsonProcessingException e) {
            throw new InvalidInputException(List.of(BindingErrors.of(e)));
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException(List.of(new ValidationError("$", "is not valid")));
        }
    }

    private static JsonNode parse(byte[] json) {
        JsonNode tree = read(TREE, json, MAX_INPUT_BYTES, parser -> {
            JsonNode t = TREE.readTree(parser); // null: no value at all (only white space)
            return t == null ? com.fasterxml.jackson.databind.node.MissingNode.getInstance() : t;
        });
        if (tree.isMissingNode()) {
            throw new InvalidInputException(List.of(new ValidationError("$", "empty input")));
        }
        return tree;
    }

    private static void checkSize(byte[] json, int maxBytes) {
        if (json == null || json.length == 0) {
            throw new InvalidInputException(List.of(new ValidationError("$", "empty input")));
        }
        if (json.length > maxBytes) {
            throw new InvalidInputException(List.of(new ValidationError(
                    "$", "input of " + json.length + " bytes exceeds the limit of " + maxBytes)));
        }
    }

    private static <T> T read(ObjectMapper mapper, byte[] json, Class<T> type, int maxBytes) {
        return read(mapper, json, maxBytes, parser -> mapper.readValue(parser, type));
    }

    /** How one value is bound from a parser. */
    private interface Binding<T> {
        T bind(JsonParser parser) throws IOException;
    }

    /**
     * Reads exactly one JSON value from {@code json} (at most {@code maxBytes}) with {@code binding}: null, no value
     * or more content after it are errors, and every parse or binding failure becomes path-precise errors.
     */
    private static <T> T read(ObjectMapper mapper, byte[] json, int maxBytes, Binding<T> binding) {
        checkSize(json, maxBytes);
        try (JsonParser parser = mapper.createParser(json)) {
            try {
                T value = binding.bind(parser);
                if (value == null) {
                    throw new InvalidInputException(List.of(new ValidationError("$", "must be an object (got null)")));
                }
                if (parser.nextToken() != null) {
                    throw new InvalidInputException(List.of(new ValidationError("$", "not valid JSON: more content after the value")));
                }
                return value;
            } catch (JsonProcessingException e) {
                throw new InvalidInputException(List.of(BindingErrors.of(e, parser)));
            }
        } catch (JsonProcessingException e) {
            throw new InvalidInputException(List.of(BindingErrors.of(e)));
        } catch (java.io.CharConversionException e) {
            throw unreadableEncoding(e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Bytes whose encoding the parser cannot read (its detection took them for UTF-32 in an unsupported byte order, or
     * found an invalid UTF-32 character): the input's fault, like any malformed JSON, not an I/O failure.
     */
    private static InvalidInputException unreadableEncoding(java.io.CharConversionException e) {
        return new InvalidInputException(List.of(new ValidationError("$", "not valid JSON: unreadable encoding ("
                + e.getMessage() + "); send UTF-8")));
    }

    /** Renders Jackson's reference chain as {@code a.b[2].c}. */
    static String path(List<com.fasterxml.jackson.databind.JsonMappingException.Reference> refs) {
        return JsonPaths.of(refs);
    }

    /** Logs unknown fields once per occurrence and skips them, so newer producers stay readable. */
    /**
     * Gives each {@link AddedField} its own injection id. Jackson names an injectable by its type when the annotation
     * names none, and refuses a class with two of the same type (two added {@code Long} fields); an added field is
     * never injected, so the id only has to be unique: the member's class and name (a creator parameter's index).
     */
    private static final class AddedFieldIds extends JacksonAnnotationIntrospector {
        @Override
        public JacksonInject.Value findInjectableValue(AnnotatedMember m) {
            JacksonInject.Value v = super.findInjectableValue(m);
            if (v == null || !m.hasAnnotation(AddedField.class)) {
                return v;
            }
            String name = m instanceof AnnotatedParameter p ? "#" + p.getIndex() : m.getName();
            return v.withId(m.getDeclaringClass().getName() + "." + name);
        }
    }

    private static final class UnknownFieldLogger extends DeserializationProblemHandler {
        @Override
        public boolean handleUnknownProperty(
                DeserializationContext ctxt, JsonParser p, JsonDeserializer<?> deserializer, Object beanOrClass,
                String propertyName) throws IOException {
            String at = p.getParsingContext().pathAsPointer().toString();
            LOG.warn("ignoring unknown field '{}' at {}", RecordChecks.abbreviate(propertyName), at.isEmpty() ? "/" : at);
            p.skipChildren();
            return true;
        }
    }
}
