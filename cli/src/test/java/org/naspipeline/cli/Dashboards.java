package org.naspipeline.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** The Grafana dashboards in {@code dashboards/} as the tests read them: panels, their queries, variables. */
final class Dashboards {
    static final Path DIR = ComposeFile.REPO.resolve("dashboards");
    /** What the tests put in place of each template variable a query may use. */
    static final Map<String, String> VARIABLES = Map.of("namespace", ".*", "instance", ".*", "experiment", ".*",
            "__rate_interval", "1m", "__interval", "30s", "__range", "5m");

    private Dashboards() {}

    /** One panel: where it is, and its queries with the variables substituted. */
    record Panel(String dashboard, int id, String title, String description, List<String> exprs) {
        String name() {
            return dashboard + " #" + id + " " + title;
        }
    }

    /** Every dashboard file, by file name. */
    static Map<String, JsonNode> all() throws IOException {
        Map<String, JsonNode> out = new LinkedHashMap<>();
        try (Stream<Path> files = Files.list(DIR)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".json")).sorted().toList()) {
                out.put(f.getFileName().toString(), PrometheusServer.JSON.readTree(f.toFile()));
            }
        }
        return out;
    }

    /** The panels of a dashboard, those inside collapsed rows included; rows themselves are not panels. */
    static List<JsonNode> panelNodes(JsonNode dashboard) {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode p : dashboard.path("panels")) {
            if (p.path("type").asText().equals("row")) {
                p.path("panels").forEach(out::add);
            } else {
                out.add(p);
            }
        }
        return out;
    }

    /** Every panel of every dashboard with its substituted queries. */
    static List<Panel> panels() throws IOException {
        List<Panel> out = new ArrayList<>();
        for (Map.Entry<String, JsonNode> d : all().entrySet()) {
            for (JsonNode p : panelNodes(d.getValue())) {
                List<String> exprs = new ArrayList<>();
                for (JsonNode t : p.path("targets")) {
                    if (t.hasNonNull("expr")) {
                        exprs.add(substitute(t.path("expr").asText()));
                    }
                }
                out.add(new Panel(d.getKey(), p.path("id").asInt(), p.path("title").asText(), p.path("description").asText(""), exprs));
            }
        }
        return out;
    }

    /** {@code expr} with {@code $name} and {@code ${name}} replaced; a variable the tests do not know fails. */
    static String substitute(String expr) {
        String out = expr;
        for (Map.Entry<String, String> v : VARIABLES.entrySet()) {
            out = out.replace("${" + v.getKey() + "}", v.getValue());
        }
        // Longest names first, so $__range is not read as a prefix of another variable.
        List<String> names = new ArrayList<>(VARIABLES.keySet());
        names.sort((a, b) -> b.length() - a.length());
        for (String name : names) {
            out = out.replace("$" + name, VARIABLES.get(name));
        }
        if (out.contains("$")) {
            throw new AssertionError("query uses a variable the dashboards do not define for tests: " + expr);
        }
        return out;
    }
}
