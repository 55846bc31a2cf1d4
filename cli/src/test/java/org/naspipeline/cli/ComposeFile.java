package org.naspipeline.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The repository's {@code docker-compose.yml} as the tests read it: each service's image, command, environment
 * (with {@code ${VAR:-default}} resolved to its default, as on a host that sets none), ports, volumes and replicas.
 */
record ComposeFile(Path file, Map<String, Service> services) {
    static final Path REPO = Path.of("..").toAbsolutePath().normalize();
    private static final Pattern INTERPOLATION = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?}");

    /** One service. */
    record Service(String name, String image, List<String> entrypoint, List<String> command, Map<String, String> environment,
                   List<String> ports, List<String> volumes, int replicas, String stopGracePeriod, Map<String, String> dependsOn) {
        /** Whether the service runs one of our images ({@code nas-pipeline/nas-<name>}). */
        boolean runs(String ourImage) {
            return image != null && image.startsWith("nas-pipeline/" + ourImage + ":");
        }

        /** The container side of each published port ("8080:8080" → 8080). */
        List<Integer> containerPorts() {
            return ports.stream().map(p -> Integer.parseInt(p.substring(p.lastIndexOf(':') + 1).replace("/tcp", ""))).toList();
        }
    }

    /** Reads the compose file at the repository root. */
    static ComposeFile load() throws IOException {
        Path file = REPO.resolve("docker-compose.yml");
        JsonNode root = new ObjectMapper(new YAMLFactory()).readTree(file.toFile());
        Map<String, Service> services = new LinkedHashMap<>();
        root.path("services").fields().forEachRemaining(e -> services.put(e.getKey(), service(e.getKey(), e.getValue())));
        return new ComposeFile(file, services);
    }

    /** The service called {@code name}; fails when the compose file has none. */
    Service service(String name) {
        Service s = services.get(name);
        if (s == null) {
            throw new AssertionError("docker-compose.yml has no service '" + name + "' (has " + services.keySet() + ")");
        }
        return s;
    }

    /** Whether another service waits for {@code name} to complete successfully: a one-shot init step. */
    boolean isOneShot(String name) {
        return services.values().stream().anyMatch(s -> "service_completed_successfully".equals(s.dependsOn().get(name)));
    }

    /** The services that run {@code ourImage}. */
    List<Service> running(String ourImage) {
        return services.values().stream().filter(s -> s.runs(ourImage)).toList();
    }

    private static Service service(String name, JsonNode n) {
        Map<String, String> env = new LinkedHashMap<>();
        JsonNode e = n.path("environment");
        if (e.isObject()) {
            e.fields().forEachRemaining(f -> env.put(f.getKey(), interpolate(f.getValue().asText())));
        } else if (e.isArray()) {
            e.forEach(item -> {
                String[] kv = item.asText().split("=", 2);
                env.put(kv[0], kv.length > 1 ? interpolate(kv[1]) : "");
            });
        }
        int replicas = n.path("deploy").path("replicas").asInt(1);
        Map<String, String> dependsOn = new LinkedHashMap<>();
        JsonNode d = n.path("depends_on");
        if (d.isArray()) {
            d.forEach(v -> dependsOn.put(v.asText(), "service_started"));
        } else {
            d.fields().forEachRemaining(f -> dependsOn.put(f.getKey(), f.getValue().path("condition").asText("service_started")));
        }
        return new Service(name, n.path("image").asText(null), strings(n.path("entrypoint")), strings(n.path("command")), env,
                strings(n.path("ports")), strings(n.path("volumes")), replicas, n.path("stop_grace_period").asText(null),
                dependsOn);
    }

    private static List<String> strings(JsonNode n) {
        List<String> out = new ArrayList<>();
        if (n.isArray()) {
            n.forEach(v -> out.add(interpolate(v.asText())));
        } else if (n.isTextual()) {
            out.add(interpolate(n.asText()));
        }
        return out;
    }

    /** Compose's {@code ${VAR:-default}} with no variable set on the host: the default, or empty. */
    static String interpolate(String value) {
        Matcher m = INTERPOLATION.matcher(value);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(sb, Matcher.quoteReplacement(m.group(2) == null ? "" : m.group(2)));
        }
        m.appendTail(sb);
        return sb.toString().replace("$$", "$");
    }
}
