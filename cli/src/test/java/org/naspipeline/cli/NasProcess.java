package org.naspipeline.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/** Starts {@code java -jar target/nas.jar COMMAND} as a separate process, for the kill and shutdown tests. */
final class NasProcess {
    private NasProcess() {}

    /** Starts the command with {@code env} added to this JVM's environment, stdout and stderr into {@code log}. */
    static Process start(String command, String maxHeap, Map<String, String> env, Path log) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx" + maxHeap, "-Dai.djl.offline=true", "-jar", Path.of("target", "nas.jar").toAbsolutePath().toString(), command);
        pb.environment().putAll(env);
        pb.redirectErrorStream(true).redirectOutput(log.toFile());
        return pb.start();
    }
}
