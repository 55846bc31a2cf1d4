package org.naspipeline.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The runtime classpaths the build ships (each launcher's {@code target/lib}, which is also what jib layers into
 * the images): no test library anywhere, no training engine in the controller, no stream processor in the worker.
 */
class RuntimeClasspathIT {
    static final List<String> TEST_LIBRARIES = List.of("junit", "testcontainers", "docker-java", "assertj", "awaitility",
            "archunit", "nas-testkit", "s3proxy", "jqwik");

    @Test
    void noRuntimeLibDirectoryCarriesTestLibraries() throws IOException {
        for (String module : List.of("controller", "worker", "cli")) {
            assertThat(jars(module)).as(module + "/target/lib").isNotEmpty()
                    .allSatisfy(jar -> assertThat(TEST_LIBRARIES).noneMatch(jar::contains));
        }
    }

    @Test
    void theControllerCarriesNoTrainingEngineAndTheWorkerNoStreamProcessor() throws IOException {
        assertThat(jars("controller")).anyMatch(j -> j.startsWith("kafka-streams-"))
                .noneMatch(j -> j.startsWith("api-0") || j.startsWith("pytorch-") || j.startsWith("basicdataset-"));
        assertThat(jars("worker")).anyMatch(j -> j.startsWith("pytorch-native-cpu-"))
                .noneMatch(j -> j.startsWith("kafka-streams-") || j.startsWith("rocksdbjni-") || j.startsWith("kafka_2.13-"));
    }

    private static List<String> jars(String module) throws IOException {
        Path lib = Path.of("..", module, "target", "lib");
        assertThat(lib).as("built by `./mvnw package`").isDirectory();
        try (Stream<Path> files = Files.list(lib)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
