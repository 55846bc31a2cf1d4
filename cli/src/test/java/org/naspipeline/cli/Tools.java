package org.naspipeline.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the command-line tools the deployment checks need (docker-compose, kubectl, node, prometheus). */
final class Tools {
    private Tools() {}

    /** A finished command. */
    record Result(int exitCode, String output) {}

    /**
     * Runs {@code command} in {@code dir} with a 5-minute limit. A missing tool fails with what installs it
     * ({@code .ci/run} does), never a skip: these checks are the only proof the deployment files work.
     */
    static Result run(Path dir, List<String> command) throws IOException, InterruptedException {
        Path log = java.nio.file.Files.createTempFile("tool-", ".log");
        Process p;
        try {
            p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        } catch (IOException e) {
            throw new AssertionError("cannot run " + command.get(0) + " (" + e.getMessage() + "); `bash .ci/run` installs it: "
                    + "apt-get install docker-compose prometheus nodejs npm, kubectl", e);
        }
        try {
            if (!p.waitFor(5, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new AssertionError(command + " did not finish within 5 minutes");
            }
            return new Result(p.exitValue(), java.nio.file.Files.readString(log, StandardCharsets.UTF_8));
        } finally {
            java.nio.file.Files.deleteIfExists(log);
        }
    }
}
