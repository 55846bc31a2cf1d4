package org.naspipeline.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;

/**
 * The service images (as jib assembled them in {@code package}) against the jars they come from and against
 * {@code docker-compose.yml}: a renamed variable, port, path or tag on either side fails here.
 */
class ComposeContractIT {
    static final Map<String, Integer> HTTP_PORT = Map.of("controller", 8080, "worker", 8081);
    static final Map<String, String> PORT_VARIABLE = Map.of("controller", "NAS_CONTROLLER_HTTP_PORT", "worker", "NAS_WORKER_HTTP_PORT");

    @Test
    void eachImageRunsItsServicesOwnLauncherAsANonRootUserWithOnlyKnownSettings() throws IOException {
        for (String service : List.of("controller", "worker")) {
            ImageConfig image = ImageConfig.of(service);
            try (JarFile jar = new JarFile(Path.of("..", service, "target", "nas-" + service + ".jar").toFile())) {
                assertThat(image.mainClass()).as(service + " entrypoint")
                        .isEqualTo(jar.getManifest().getMainAttributes().getValue("Main-Class"));
            }
            assertThat(image.tag()).isEqualTo("nas-pipeline/nas-" + service + ":0.1.0-SNAPSHOT");
            assertThat(image.entrypoint()).startsWith("java").contains("-XX:+ExitOnOutOfMemoryError", "-Dai.djl.offline=true")
                    .contains(service.equals("worker") ? "-XX:MaxRAMPercentage=50" : "-XX:MaxRAMPercentage=75");
            assertThat(image.uid()).as(service + " user").isEqualTo(10001L);
            assertThat(image.exposedPorts()).containsExactly(HTTP_PORT.get(service));
            assertThat(image.environment().get(PORT_VARIABLE.get(service))).isEqualTo(String.valueOf(HTTP_PORT.get(service)));
            assertThat(image.environment().keySet()).allSatisfy(name ->
                    assertThat(KnownSettings.reads(service, name)).as(service + " image sets " + name).isTrue());
        }
        assertThat(ImageConfig.of("controller").volumes()).containsExactly("/var/lib/nas/state");
        assertThat(ImageConfig.of("controller").environment()).containsEntry("NAS_STATE_DIR", "/var/lib/nas/state");
        // The bundled subset sits under NAS_HOME in the worker image, where the dataset resolver looks.
        assertThat(ImageConfig.of("worker").environment()).containsEntry("NAS_HOME", "/opt/nas");
    }

    @Test
    void composeRunsOurImagesWithTheirTagsPortsAndOnlyVariablesTheServicesRead() throws IOException {
        ComposeFile compose = ComposeFile.load();
        for (String service : List.of("controller", "worker")) {
            ImageConfig image = ImageConfig.of(service);
            List<ComposeFile.Service> uses = compose.running("nas-" + service);
            assertThat(uses).as("compose services running nas-" + service).isNotEmpty();
            for (ComposeFile.Service s : uses) {
                assertThat(s.image()).isEqualTo(image.tag());
                assertThat(s.environment().keySet()).allSatisfy(name ->
                        assertThat(KnownSettings.reads(service, name)).as("compose service " + s.name() + " sets " + name).isTrue());
                String port = s.environment().get(PORT_VARIABLE.get(service));
                if (port != null) {
                    assertThat(Integer.parseInt(port)).as(s.name() + " " + PORT_VARIABLE.get(service)).isIn(image.exposedPorts());
                }
                assertThat(s.containerPorts()).as(s.name() + " published ports").isSubsetOf(image.exposedPorts());
            }
        }
        ComposeFile.Service controller = compose.service("controller");
        String stateDir = controller.environment().getOrDefault("NAS_STATE_DIR", ImageConfig.of("controller").environment().get("NAS_STATE_DIR"));
        assertThat(controller.volumes()).as("the controller's state is on a volume")
                .anySatisfy(v -> assertThat(v.split(":")[1]).isEqualTo(stateDir));
        assertThat(compose.running("nas-controller")).filteredOn(s -> !s.name().equals("controller"))
                .allSatisfy(s -> assertThat(s.command()).containsExactly("topics"));
        ComposeFile.Service worker = compose.service("worker");
        assertThat(worker.replicas()).isGreaterThanOrEqualTo(2);
        assertThat(worker.environment().get("NAS_ARTIFACT_URI")).startsWith("s3://");
        int grace = Integer.parseInt(worker.environment().getOrDefault("NAS_SHUTDOWN_GRACE_SECONDS", "60"));
        assertThat(seconds(worker.stopGracePeriod())).as("stop_grace_period covers NAS_SHUTDOWN_GRACE_SECONDS")
                .isGreaterThan(grace);
        // the replicas share one registry and measurement lock: a named volume at NAS_WORKER_LOCAL_DIR
        String local = worker.environment().get("NAS_WORKER_LOCAL_DIR");
        assertThat(worker.volumes()).as("NAS_WORKER_LOCAL_DIR is on a volume every replica mounts")
                .anySatisfy(v -> assertThat(v.split(":")).satisfies(parts -> {
                    assertThat(parts[0]).doesNotStartWith(".").doesNotStartWith("/");
                    assertThat(parts[1]).isEqualTo(local);
                }));
        assertThat(compose.service("kafka").image()).isEqualTo("apache/kafka:4.2.1");
    }

    @Test
    void composeMountsTheScrapeConfigAndGrafanaProvisioningFromTheRepository() throws IOException {
        ComposeFile compose = ComposeFile.load();
        for (String service : List.of("prometheus", "grafana")) {
            for (String volume : compose.service(service).volumes()) {
                String host = volume.split(":")[0];
                if (host.startsWith("./")) {
                    assertThat(ComposeFile.REPO.resolve(host)).as(service + " mounts " + host).exists();
                }
            }
        }
        String datasource = Files.readString(ComposeFile.REPO.resolve("dashboards/provisioning/datasources/prometheus.yml"));
        assertThat(datasource).contains("url: http://prometheus:" + compose.service("prometheus").containerPorts().get(0));
    }

    @Test
    void dockerComposeAcceptsTheFile() throws Exception {
        Tools.Result r = Tools.run(ComposeFile.REPO, List.of("docker-compose", "-f", "docker-compose.yml", "config", "-q"));
        assertThat(r.exitCode()).as(r.output()).isZero();
    }

    private static long seconds(String duration) {
        assertThat(duration).as("stop_grace_period").matches("\\d+s");
        return Long.parseLong(duration.substring(0, duration.length() - 1));
    }
}
