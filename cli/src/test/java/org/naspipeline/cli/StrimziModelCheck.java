package org.naspipeline.cli;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Reads every {@code kafka.strimzi.io} object of a rendered manifest into Strimzi's own model classes
 * ({@code io.strimzi:api}) and reports each field they do not know. Those classes keep unknown fields in
 * {@code additionalProperties} instead of failing, so the check walks the parsed objects for them.
 *
 * <p>Strimzi 1.x's classes need Java 21, and this build targets 17: the check runs in a child JVM of a newer JDK
 * ({@code NAS_STRIMZI_CHECK_JAVA}, or the newest JDK ≥ 21 under {@code /usr/lib/jvm}) and uses the classes by name.
 */
public final class StrimziModelCheck {
    private static final Map<String, String> MODEL = Map.of(
            "Kafka", "io.strimzi.api.kafka.model.kafka.Kafka",
            "KafkaNodePool", "io.strimzi.api.kafka.model.nodepool.KafkaNodePool",
            "KafkaTopic", "io.strimzi.api.kafka.model.topic.KafkaTopic",
            "KafkaUser", "io.strimzi.api.kafka.model.user.KafkaUser");

    private StrimziModelCheck() {}

    /** Checks the manifest in {@code args[0]}; exit 0 when every Strimzi object is known field by field. */
    public static void main(String[] args) throws Exception {
        ObjectMapper json = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
        List<String> problems = new ArrayList<>();
        int count = 0;
        for (JsonNode o : ManifestContractIT.objects(Files.readString(Path.of(args[0])))) {
            if (!o.path("apiVersion").asText().startsWith("kafka.strimzi.io/")) {
                continue;
            }
            count++;
            String kind = o.path("kind").asText();
            String where = kind + "/" + o.path("metadata").path("name").asText();
            String model = MODEL.get(kind);
            if (model == null) {
                problems.add(where + ": no Strimzi model class known for kind " + kind);
                continue;
            }
            if (!o.path("apiVersion").asText().equals("kafka.strimzi.io/v1")) {
                problems.add(where + ": apiVersion " + o.path("apiVersion").asText() + " (Strimzi 1.x serves kafka.strimzi.io/v1)");
            }
            try {
                Object parsed = json.treeToValue(o, Class.forName(model));
                unknownFields(parsed, where, problems, Collections.newSetFromMap(new IdentityHashMap<>()));
            } catch (IOException e) {
                problems.add(where + ": " + e.getMessage().lines().findFirst().orElse(""));
            }
        }
        problems.forEach(System.out::println);
        System.out.println(count + " Strimzi objects, " + problems.size() + " problems");
        System.exit(problems.isEmpty() ? 0 : 1);
    }

    private static void unknownFields(Object o, String path, List<String> problems, Set<Object> seen) throws IllegalAccessException {
        if (o == null || !seen.add(o)) {
            return;
        }
        if (o instanceof Map<?, ?> map) {
            for (Map.Entry<?, ?> e : map.entrySet()) {
                unknownFields(e.getValue(), path + "." + e.getKey(), problems, seen);
            }
            return;
        }
        if (o instanceof Iterable<?> items) {
            int i = 0;
            for (Object item : items) {
                unknownFields(item, path + "[" + i++ + "]", problems, seen);
            }
            return;
        }
        if (!o.getClass().getName().startsWith("io.strimzi.")) {
            return;
        }
        for (Method m : o.getClass().getMethods()) {
            if (m.getParameterCount() != 0 || !m.getName().startsWith("get") || m.getDeclaringClass() == Object.class) {
                continue;
            }
            Object value;
            try {
                value = m.invoke(o);
            } catch (InvocationTargetException e) {
                continue; // a derived getter that needs more than the manifest holds; nothing was parsed into it
            }
            if (m.getName().equals("getAdditionalProperties")) {
                if (value instanceof Map<?, ?> extra && !extra.isEmpty()) {
                    problems.add(path + ": unknown field(s) " + extra.keySet());
                }
            } else {
                String name = m.getName().substring(3);
                unknownFields(value, path + "." + Character.toLowerCase(name.charAt(0)) + name.substring(1), problems, seen);
            }
        }
    }

    /** Runs the check on {@code manifest} in a child JVM of a JDK that can load Strimzi's classes. */
    static Tools.Result runOn(Path manifest) throws Exception {
        return Tools.run(ComposeFile.REPO, List.of(java21().toString(), "-cp", System.getProperty("java.class.path"),
                StrimziModelCheck.class.getName(), manifest.toString()));
    }

    private static Path java21() throws IOException {
        String configured = System.getenv("NAS_STRIMZI_CHECK_JAVA");
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured);
        }
        Path jvms = Path.of("/usr/lib/jvm");
        if (Files.isDirectory(jvms)) {
            try (Stream<Path> dirs = Files.list(jvms)) {
                List<Path> candidates = dirs.filter(d -> featureVersion(d) >= 21)
                        .sorted((a, b) -> Integer.compare(featureVersion(b), featureVersion(a))).toList();
                if (!candidates.isEmpty()) {
                    return candidates.get(0).resolve("bin").resolve("java");
                }
            }
        }
        throw new AssertionError("Strimzi 1.x's model classes need a JDK ≥ 21 and none was found under /usr/lib/jvm; "
                + "set NAS_STRIMZI_CHECK_JAVA to its bin/java");
    }

    private static int featureVersion(Path jdk) {
        try {
            for (String line : Files.readAllLines(jdk.resolve("release"))) {
                if (line.startsWith("JAVA_VERSION=")) {
                    String v = line.substring("JAVA_VERSION=".length()).replace("\"", "");
                    return Integer.parseInt(v.split("[.+-]")[0]);
                }
            }
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
        return 0;
    }
}
