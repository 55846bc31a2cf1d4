package org.naspipeline.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.naspipeline.api.JsonCodec;
import org.naspipeline.controller.http.ApiTokens;
import org.naspipeline.devbroker.EmbeddedKafka;

/**
 * {@code POST /api/v1/experiments} from a plain HTTP client with arbitrary bytes, arbitrary JSON and the demo spec
 * with one arbitrary change: the answer is always a 4xx (201 only for a spec the codec accepts), never a 5xx, and
 * never names a Java class. Runs against a real in-process broker and controller.
 */
class SubmissionPropertyIT {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    /** Field names of the spec, so arbitrary objects often look almost right. */
    private static final List<String> NAMES = List.of("schemaVersion", "id", "name", "dataset", "searchSpace", "architecture",
            "family", "stages", "min", "max", "filters", "kernelSizes", "strategy", "seed", "budget", "maxTrials", "parallelism",
            "maxAttempts", "training", "epochs", "batchSize", "learningRate", "optimizer", "objectives", "constraints",
            "parameters", "metric", "direction", "settings", "compression", "trainLimit", "testLimit", "validationFraction");
    private static Path tmp;
    private static EmbeddedKafka broker;
    private static ControllerRig.Running controller;
    private static JsonNode example;

    @BeforeContainer
    static void start() throws Exception {
        tmp = Files.createTempDirectory("nas-submission-property");
        broker = EmbeddedKafka.start(tmp.resolve("broker"), 0);
        TopicSetup.ensure(broker.bootstrapServers(), 4);
        controller = ControllerRig.start(ControllerRig.config(broker.bootstrapServers(), "fuzz", tmp.resolve("state"),
                ControllerRig.freePort(), ApiTokens.NONE));
        ControllerRig.awaitReady(controller.base());
        example = JsonCodec.readTree(Files.readAllBytes(Path.of("..", "examples", "multi-objective.json")));
    }

    @AfterContainer
    static void stop() throws Exception {
        if (controller != null) {
            controller.close();
        }
        if (broker != null) {
            broker.close();
        }
        try (Stream<Path> files = Files.walk(tmp)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Property(tries = 150)
    void arbitraryBytesAreRefusedWithA4xx(@ForAll @Size(max = 4096) byte[] body) throws Exception {
        assertClientError(body);
    }

    @Property(tries = 200)
    void arbitraryJsonIsAnsweredWithA4xxOrAcceptedOnlyWhenValid(@ForAll("json") String body) throws Exception {
        assertClientError(body.getBytes(StandardCharsets.UTF_8));
    }

    @Property(tries = 400)
    void theDemoSpecWithOneArbitraryChangeIsNeverA5xx(@ForAll("mutatedSpecs") String body) throws Exception {
        assertClientError(body.getBytes(StandardCharsets.UTF_8));
    }

    @Example
    void pathologicalDocumentsAreRefusedWithA4xx() throws Exception {
        for (String body : List.of("[".repeat(5_000) + "]".repeat(5_000), "{\"a\":".repeat(3_000) + "1" + "}".repeat(3_000),
                "1e999999999", "-", "\"" + "x".repeat(200_000) + "\"", "{\"budget\":{\"maxTrials\":1e400}}", "\u0000", "null", "",
                "{\"searchSpace\":null}", "{\"searchSpace\":{\"architecture\":null}}", "{\"strategy\":{}}", "{\"objectives\":[null]}",
                "{\"budget\":{\"maxTrials\":99999999999999999999}}")) {
            assertClientError(body.getBytes(StandardCharsets.UTF_8));
        }
    }

    @Example
    void aSearchedParameterWithoutItsBoundsIsA400NotA500() throws Exception {
        // issue 19: this spec answered 500 with a Java NullPointerException message
        for (String bound : List.of("min", "max", "type")) {
            ObjectNode spec = example.deepCopy();
            ((ObjectNode) spec.get("searchSpace").get("parameters").get("learningRate")).putNull(bound);
            spec.put("id", "nobound-" + bound + "-" + UUID.randomUUID().toString().substring(0, 6));
            HttpResponse<String> r = ControllerRig.post(controller.base(), "/api/v1/experiments", write(spec).getBytes(StandardCharsets.UTF_8), null);
            assertThat(r.statusCode()).as(bound + ": " + r.body()).isEqualTo(400);
            assertThat(r.body()).as(bound).doesNotContain("NullPointer", "Cannot invoke");
        }
    }

    static void assertClientError(byte[] body) throws Exception {
        HttpResponse<String> r = ControllerRig.post(controller.base(), "/api/v1/experiments", body, null);
        String shown = new String(body, 0, Math.min(body.length, 300), StandardCharsets.UTF_8);
        assertThat(r.statusCode() == 201 || r.statusCode() / 100 == 4).as(r.statusCode() + ": " + shown + " → " + r.body()).isTrue();
        // no stack trace; the wording of the codec's own messages (class names) is the api module's to check
        assertThat(r.body()).as(shown).doesNotContain("\tat ", "\n\tat");
        if (r.statusCode() == 201) {
            assertThatCode(() -> JsonCodec.readSpec(body)).as("accepted, so the codec reads it: " + shown).doesNotThrowAnyException();
        } else if (r.statusCode() != 413) {
            assertThat(ControllerRig.json(r).path("errors")).as(shown).isNotEmpty();
        }
    }

    @Provide
    Arbitrary<String> json() {
        return value(3).map(SubmissionPropertyIT::write);
    }

    @Provide
    Arbitrary<String> mutatedSpecs() {
        return Combinators.combine(Arbitraries.integers().between(0, 1_000), value(2), Arbitraries.integers().between(0, 2))
                .as((where, replacement, how) -> {
                    JsonNode spec = example.deepCopy();
                    List<JsonNode> parents = new ArrayList<>();
                    collect(spec, parents);
                    JsonNode parent = parents.get(where % parents.size());
                    JsonNode value = MAPPER.valueToTree(replacement);
                    if (parent instanceof ObjectNode o) {
                        List<String> fields = new ArrayList<>();
                        o.fieldNames().forEachRemaining(fields::add);
                        String field = fields.isEmpty() || how == 2 ? NAMES.get(where % NAMES.size()) : fields.get(where % fields.size());
                        if (how == 1) {
                            o.remove(field);
                        } else {
                            o.set(field, value);
                        }
                    } else if (parent instanceof ArrayNode a && !a.isEmpty()) {
                        if (how == 1) {
                            a.remove(where % a.size());
                        } else {
                            a.set(where % a.size(), value);
                        }
                    }
                    ((ObjectNode) spec).put("id", "fuzz-" + UUID.randomUUID().toString().substring(0, 12));
                    return write(spec);
                });
    }

    private static void collect(JsonNode node, List<JsonNode> out) {
        if (node.isContainerNode()) {
            out.add(node);
            node.elements().forEachRemaining(child -> collect(child, out));
        }
    }

    private static Arbitrary<Object> value(int depth) {
        Arbitrary<Object> scalar = Arbitraries.oneOf(
                Arbitraries.strings().ofMaxLength(12).map(s -> (Object) s),
                Arbitraries.of(NAMES).map(s -> (Object) s),
                Arbitraries.integers().map(i -> (Object) i),
                Arbitraries.integers().between(-3, 70).map(i -> (Object) i),
                Arbitraries.longs().map(l -> (Object) l),
                Arbitraries.doubles().map(d -> (Object) d),
                Arbitraries.bigDecimals().map(d -> (Object) d),
                Arbitraries.of(true, false).map(b -> (Object) b),
                Arbitraries.just((Object) "1e309"),
                Arbitraries.just(null));
        if (depth == 0) {
            return scalar;
        }
        Arbitrary<Object> list = value(depth - 1).list().ofMaxSize(4).map(l -> (Object) l);
        Arbitrary<Object> map = Arbitraries.maps(Arbitraries.oneOf(Arbitraries.of(NAMES), Arbitraries.strings().ofMaxLength(8)),
                value(depth - 1)).ofMaxSize(6).map(m -> (Object) m);
        return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(3, scalar), net.jqwik.api.Tuple.of(2, list), net.jqwik.api.Tuple.of(4, map));
    }

    private static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
