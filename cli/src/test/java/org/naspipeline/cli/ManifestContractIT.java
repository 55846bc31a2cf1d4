package org.naspipeline.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The Kubernetes manifests: every kustomization renders; every object passes the schema validators (the
 * {@code kubernetes-models} validators with the KEDA and prometheus-operator models in
 * {@code k8s/schema-check}, and Strimzi's own model classes for its kinds), unknown fields included; and our
 * workloads match the images (ports, probes, user, state volume, variables the services read, grace period).
 */
class ManifestContractIT {
    static final List<String> TREES = List.of("k8s/base", "k8s/overlays/dev", "k8s/overlays/strimzi", "k8s/overlays/gpu");
    static final Pattern REFERENCE = Pattern.compile("\\$\\(([A-Za-z_][A-Za-z0-9_]*)\\)");
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    @Test
    void everyKustomizationPassesTheSchemaValidatorsAndTheValidatorRefusesBrokenObjects() throws Exception {
        Path check = ComposeFile.REPO.resolve("k8s/schema-check");
        if (!Files.isDirectory(check.resolve("node_modules"))) {
            Tools.Result install = Tools.run(check, List.of("npm", "ci", "--no-audit", "--no-fund"));
            assertThat(install.exitCode()).as(install.output()).isZero();
        }
        Tools.Result selfTest = Tools.run(check, List.of("node", "validate.mjs", "--self-test"));
        assertThat(selfTest.exitCode()).as(selfTest.output()).isZero();
        assertThat(selfTest.output()).containsPattern("\\d+ passed, 0 failed");
        Tools.Result all = Tools.run(ComposeFile.REPO, List.of("node", "k8s/schema-check/validate.mjs"));
        assertThat(all.exitCode()).as(all.output()).isZero();
        assertThat(all.output()).contains(TREES.size() + " of " + TREES.size() + " kustomizations valid");
    }

    @Test
    void strimziObjectsAreReadStrictlyByStrimzisOwnModelClasses() throws Exception {
        String rendered = render("k8s/overlays/strimzi");
        List<JsonNode> strimzi = objects(rendered).stream()
                .filter(o -> o.path("apiVersion").asText().startsWith("kafka.strimzi.io/")).toList();
        assertThat(strimzi).extracting(o -> o.path("kind").asText()).contains("Kafka", "KafkaNodePool", "KafkaTopic");
        Path file = Files.createTempFile("strimzi-", ".yaml");
        try {
            Files.writeString(file, rendered);
            Tools.Result r = StrimziModelCheck.runOn(file);
            assertThat(r.exitCode()).as(r.output()).isZero();
            assertThat(r.output()).contains(strimzi.size() + " Strimzi objects, 0 problems");
            // The check is not a no-op: a misspelled field is refused.
            Files.writeString(file, rendered.replaceFirst("partitions:", "partitons:"));
            Tools.Result broken = StrimziModelCheck.runOn(file);
            assertThat(broken.exitCode()).as(broken.output()).isEqualTo(1);
            assertThat(broken.output()).contains("partitons");
        } finally {
            Files.deleteIfExists(file);
        }
    }

    @Test
    void ourWorkloadsMatchTheImagesInEveryOverlay() throws Exception {
        for (String tree : TREES) {
            List<JsonNode> objects = objects(render(tree));
            Map<String, Set<String>> dataKeys = new java.util.HashMap<>();
            for (JsonNode o : objects) {
                if (Set.of("ConfigMap", "Secret").contains(o.path("kind").asText())) {
                    Set<String> keys = new HashSet<>();
                    o.path("data").fieldNames().forEachRemaining(keys::add);
                    o.path("stringData").fieldNames().forEachRemaining(keys::add);
                    dataKeys.put(o.path("kind").asText() + "/" + o.path("metadata").path("name").asText(), keys);
                }
            }
            int checked = 0;
            for (JsonNode o : objects) {
                JsonNode pod = o.path("spec").path("template").path("spec");
                for (JsonNode c : pod.path("containers")) {
                    String image = c.path("image").asText();
                    String service = image.contains("/nas-controller") ? "controller" : image.contains("/nas-worker") ? "worker" : null;
                    if (service != null) {
                        checkContainer(tree + " " + o.path("kind").asText() + "/" + o.path("metadata").path("name").asText(),
                                service, o, pod, c, dataKeys);
                        checked++;
                    }
                }
            }
            assertThat(checked).as(tree + ": controller and worker containers").isGreaterThanOrEqualTo(2);
        }
    }

    private static void checkContainer(String where, String service, JsonNode workload, JsonNode pod, JsonNode c,
                                       Map<String, Set<String>> dataKeys) throws Exception {
        ImageConfig image = ImageConfig.of(service);
        assertThat(c.path("ports")).as(where + " ports").anySatisfy(p -> {
            assertThat(p.path("name").asText()).isEqualTo("http");
            assertThat(p.path("containerPort").asInt()).isIn(image.exposedPorts());
        });
        assertThat(c.path("livenessProbe").path("httpGet").path("path").asText()).as(where).isEqualTo("/health/live");
        assertThat(c.path("readinessProbe").path("httpGet").path("path").asText()).as(where).isEqualTo("/health/ready");
        assertThat(c.path("readinessProbe").path("httpGet").path("port").asText()).as(where).isEqualTo("http");
        JsonNode security = pod.path("securityContext");
        JsonNode own = c.path("securityContext");
        assertThat(own.path("runAsNonRoot").asBoolean(security.path("runAsNonRoot").asBoolean())).as(where + " runAsNonRoot").isTrue();
        JsonNode user = own.has("runAsUser") ? own.path("runAsUser") : security.path("runAsUser");
        assertThat(user.isMissingNode()).as(where + " sets runAsUser").isFalse();
        assertThat(user.asLong()).as(where + " runAsUser").isEqualTo(image.uid());
        assertThat(find(c.path("volumeMounts"), m -> m.path("mountPath").asText().equals("/tmp")))
                .as(where + " writable /tmp (DJL natives, scratch files, RocksDB's JNI library) under a read-only root").isNotNull();
        assertThat(c.path("resources").path("limits").path("memory").isMissingNode()).as(where + " memory limit").isFalse();

        Map<String, String> env = new java.util.LinkedHashMap<>();
        Set<String> referenced = new HashSet<>();
        for (JsonNode e : c.path("env")) {
            env.put(e.path("name").asText(), e.path("value").asText(null));
            Matcher m = REFERENCE.matcher(e.path("value").asText(""));
            while (m.find()) {
                referenced.add(m.group(1));
            }
        }
        List<String> names = new ArrayList<>(env.keySet());
        for (JsonNode from : c.path("envFrom")) {
            String ref = from.has("configMapRef") ? "ConfigMap/" + from.path("configMapRef").path("name").asText()
                    : "Secret/" + from.path("secretRef").path("name").asText();
            assertThat(dataKeys).as(where + " envFrom " + ref).containsKey(ref);
            names.addAll(dataKeys.get(ref));
        }
        // A variable is either read by the service or only there to be composed into another one, $(LIKE_THIS).
        assertThat(names).as(where + " environment").allSatisfy(name ->
                assertThat(KnownSettings.reads(service, name) || referenced.contains(name)).as(where + " sets " + name).isTrue());

        if (service.equals("controller")) {
            String stateDir = env.getOrDefault("NAS_STATE_DIR", image.environment().get("NAS_STATE_DIR"));
            JsonNode mount = find(c.path("volumeMounts"), m -> m.path("mountPath").asText().equals(stateDir));
            assertThat(mount).as(where + " mounts NAS_STATE_DIR " + stateDir).isNotNull();
            assertThat(find(workload.path("spec").path("volumeClaimTemplates"),
                    t -> t.path("metadata").path("name").asText().equals(mount.path("name").asText())))
                    .as(where + " state on a PVC").isNotNull();
        } else {
            int grace = Integer.parseInt(env.getOrDefault("NAS_SHUTDOWN_GRACE_SECONDS", "60"));
            assertThat(pod.path("terminationGracePeriodSeconds").asInt()).as(where + " grace period").isGreaterThan(grace);
        }
    }

    private static JsonNode find(JsonNode array, java.util.function.Predicate<JsonNode> p) {
        for (JsonNode n : array) {
            if (p.test(n)) {
                return n;
            }
        }
        return null;
    }

    static String render(String tree) throws Exception {
        Tools.Result r = Tools.run(ComposeFile.REPO, List.of("kubectl", "kustomize", tree));
        assertThat(r.exitCode()).as("kubectl kustomize " + tree + ": " + r.output()).isZero();
        return r.output();
    }

    static List<JsonNode> objects(String yaml) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(yaml)) {
            while (it.hasNext()) {
                JsonNode n = it.next();
                if (n != null && !n.isNull() && !n.isMissingNode()) {
                    out.add(n);
                }
            }
        }
        return out;
    }
}
