package org.naspipeline.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Supplier;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
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

    /**
     * Bytes the parser's encoding detection takes for UTF-32 in a byte order it does not support, or UTF-32 with an
     * invalid character, are malformed input like any other (found by the property below: they used to escape as an
     * UncheckedIOException).
     */
    @net.jqwik.api.Example
    void bytesInAnUnreadableEncodingArePathPreciseErrors() {
        for (byte[] bytes : List.of(new byte[] {0, 0, 0x41, 0}, new byte[] {0, 0x41, 0, 0}, new byte[] {0, 0, (byte) 0xFF, (byte) 0xFE},
                new byte[] {(byte) 0xFE, (byte) 0xFF, 0, 0}, new byte[] {0, 0, 0, 0x7B, 0x7F, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF})) {
            throughEveryReader(bytes);
            assertThatThrownBy(() -> JsonCodec.readTree(bytes)).isInstanceOf(InvalidInputException.class);
            assertThatThrownBy(() -> JsonCodec.readSpec(bytes)).isInstanceOfSatisfying(InvalidInputException.class,
                    e -> assertThat(e.errors()).extracting(Object::toString).singleElement().asString().startsWith("$: not valid JSON"));
        }
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
        return JsonArbitraries.value(3);
    }

    @Provide
    Arbitrary<JsonNode> records() {
        return JsonArbitraries.records();
    }

    @Provide
    Arbitrary<JsonNode> mutatedSpecs() {
        return JsonArbitraries.mutatedSpecs();
    }

    /** Text made of JSON's own characters (lower case only, so it cannot spell a Java name when echoed). */
    @Provide
    Arbitrary<String> jsonish() {
        return Arbitraries.strings().withChars("{}[]\":,0123456789.eE+-truefalsnNaIiy\\").ofMaxLength(60);
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
