package org.naspipeline.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dashboards and alert rules without a running system: every dashboard parses and is well-formed, every
 * query is valid PromQL to {@code promtool}, the alerts pass {@code promtool check rules} and their unit tests, each
 * alert has a runbook entry, and the Kubernetes PrometheusRule is generated from them.
 */
class DashboardsStaticIT {
    static final Path ALERTS = Dashboards.DIR.resolve("alerts.yaml");

    @TempDir
    Path work;

    @Test
    void everyDashboardIsWellFormedWithAUidTagsTheDatasourceVariableAndUniquePanelIds() throws Exception {
        Map<String, JsonNode> dashboards = Dashboards.all();
        assertThat(dashboards.keySet()).contains("nas-overview.json", "nas-workers.json", "nas-control-plane.json");
        Set<String> uids = new HashSet<>();
        for (Map.Entry<String, JsonNode> e : dashboards.entrySet()) {
            JsonNode d = e.getValue();
            String name = e.getKey();
            assertThat(uids.add(d.path("uid").asText())).as(name + " uid unique").isTrue();
            assertThat(d.path("uid").asText()).as(name).isNotBlank();
            assertThat(d.path("tags")).as(name + " tags").isNotEmpty();
            List<String> variables = new ArrayList<>();
            d.path("templating").path("list").forEach(v -> variables.add(v.path("name").asText()));
            assertThat(variables).as(name + " variables").contains("DS_PROMETHEUS", "namespace", "instance");
            JsonNode ds = find(d.path("templating").path("list"), "DS_PROMETHEUS");
            assertThat(ds.path("type").asText()).isEqualTo("datasource");
            assertThat(ds.path("query").asText()).isEqualTo("prometheus");
            Set<Integer> ids = new HashSet<>();
            for (JsonNode p : Dashboards.panelNodes(d)) {
                String panel = name + " panel " + p.path("title").asText();
                assertThat(ids.add(p.path("id").asInt(-1))).as(panel + " id unique").isTrue();
                assertThat(p.path("datasource").path("uid").asText()).as(panel + " datasource").isEqualTo("${DS_PROMETHEUS}");
                assertThat(p.path("description").asText()).as(panel + " description").isNotBlank();
                assertThat(p.path("targets")).as(panel + " queries").isNotEmpty()
                        .allSatisfy(t -> assertThat(t.path("expr").asText()).isNotBlank());
            }
        }
    }

    @Test
    void everyPanelQueryIsValidPromqlAsARecordingRule() throws Exception {
        StringBuilder rules = new StringBuilder("groups:\n  - name: dashboard-queries\n    rules:\n");
        int n = 0;
        for (Dashboards.Panel p : Dashboards.panels()) {
            for (String expr : p.exprs()) {
                rules.append("      - record: nas:dashboard_query:").append(n++).append("\n        expr: ")
                        .append(PrometheusServer.JSON.writeValueAsString(expr)).append('\n');
            }
        }
        assertThat(n).isGreaterThan(20);
        Path file = work.resolve("queries.yaml");
        Files.writeString(file, rules);
        Tools.Result r = Tools.run(work, List.of("promtool", "check", "rules", file.toString()));
        assertThat(r.exitCode()).as(r.output()).isZero();
        assertThat(r.output()).contains("SUCCESS: " + n + " rules found");
    }

    @Test
    void theAlertRulesAreValidAndTheirUnitTestsPass() throws Exception {
        Tools.Result check = Tools.run(Dashboards.DIR, List.of("promtool", "check", "rules", "alerts.yaml"));
        assertThat(check.exitCode()).as(check.output()).isZero();
        Tools.Result test = Tools.run(Dashboards.DIR, List.of("promtool", "test", "rules", "alerts.test.yaml"));
        assertThat(test.exitCode()).as(test.output()).isZero();
        assertThat(test.output()).contains("SUCCESS");
    }

    @Test
    void everyAlertHasASeverityASummaryAndARunbookSectionThatExists() throws Exception {
        JsonNode alerts = ManifestContractIT.YAML.readTree(ALERTS.toFile());
        String docs = Files.readString(ComposeFile.REPO.resolve("docs/observability.md"));
        Set<String> anchors = new HashSet<>();
        docs.lines().filter(l -> l.startsWith("#")).forEach(l -> anchors.add(slug(l.replaceFirst("^#+\\s*", ""))));
        int count = 0;
        for (JsonNode group : alerts.path("groups")) {
            for (JsonNode rule : group.path("rules")) {
                if (!rule.has("alert")) {
                    continue;
                }
                count++;
                String alert = rule.path("alert").asText();
                assertThat(rule.path("labels").path("severity").asText()).as(alert + " severity").isIn("critical", "warning", "info");
                assertThat(rule.path("annotations").path("summary").asText()).as(alert + " summary").isNotBlank();
                String runbook = rule.path("annotations").path("runbook_url").asText();
                assertThat(runbook).as(alert + " runbook_url").contains("docs/observability.md#");
                assertThat(anchors).as(alert + " runbook anchor in docs/observability.md")
                        .contains(runbook.substring(runbook.indexOf('#') + 1));
            }
        }
        assertThat(count).as("alerts").isGreaterThanOrEqualTo(6);
    }

    @Test
    void theKubernetesPrometheusRuleIsGeneratedFromTheAlertRules() throws Exception {
        Tools.Result r = Tools.run(ComposeFile.REPO, List.of("node", "k8s/schema-check/prometheus-rule.mjs", "--check"));
        assertThat(r.exitCode()).as(r.output()).isZero();
        JsonNode rendered = ManifestContractIT.objects(ManifestContractIT.render("k8s/base")).stream()
                .filter(o -> o.path("kind").asText().equals("PrometheusRule")).findFirst().orElseThrow();
        assertThat(rendered.path("spec").path("groups")).isEqualTo(ManifestContractIT.YAML.readTree(ALERTS.toFile()).path("groups"));
    }

    private static JsonNode find(JsonNode list, String name) {
        for (JsonNode v : list) {
            if (v.path("name").asText().equals(name)) {
                return v;
            }
        }
        throw new AssertionError("no variable " + name);
    }

    /** GitHub's heading anchor: lower case, punctuation dropped, spaces to dashes. */
    static String slug(String heading) {
        return heading.trim().toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9 _-]", "").replace(' ', '-');
    }
}
