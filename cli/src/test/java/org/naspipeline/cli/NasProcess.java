package org.naspipeline.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Starts a service as a separate process from its own launcher jar ({@code controller/target/nas-controller.jar},
 * {@code worker/target/nas-worker.jar}: each with only its own runtime classpath, as in its image), for the kill,
 * shutdown and deployment tests.
 */
final class NasProcess {
    private NasProcess() {}

    /**
     * The {@code nas} command as a separate JVM on this test's class path (made absolute, so it works from any
     * directory): {@code java -Dai.djl.offline=true -cp … org.naspipeline.cli.Nas}, arguments to be added.
     */
    static List<String> nasCommand() {
        String classpath = java.util.Arrays.stream(System.getProperty("java.class.path").split(java.io.File.pathSeparator))
                .map(p -> Path.of(p).toAbsolutePath().toString()).collect(java.util.stream.Collectors.joining(java.io.File.pathSeparator));
        return new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Dai.djl.offline=true",
                "-cp", classpath, Nas.class.getName()));
    }

    /** What a {@code nas} run printed and its exit code. */
    record Run(int code, String out, String err) {}

    /**
     * Runs {@code nas ARGS} as a separate JVM ({@link #nasCommand}), its output in files under {@code dir}, after
     * {@code setup} (working directory, environment) has adjusted the process; fails the test after 120 s.
     */
    static Run run(Path dir, java.util.function.Consumer<ProcessBuilder> setup, String... args)
            throws IOException, InterruptedException {
        return run(dir, java.time.Duration.ofSeconds(120), setup, args);
    }

    /** As {@link #run(Path, java.util.function.Consumer, String...)}, failing the test after {@code limit}. */
    static Run run(Path dir, java.time.Duration limit, java.util.function.Consumer<ProcessBuilder> setup, String... args)
            throws IOException, InterruptedException {
        List<String> command = nasCommand();
        command.addAll(List.of(args));
        Path out = Files.createTempFile(dir, "out", ".txt");
        Path err = Files.createTempFile(dir, "err", ".txt");
        ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
        setup.accept(pb);
        Process p = pb.start();
        boolean ended = p.waitFor(limit.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        if (!ended) {
            p.destroy(); // SIGTERM: its shutdown hooks stop any worker processes it started
            if (!p.waitFor(15, java.util.concurrent.TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
        org.assertj.core.api.Assertions.assertThat(ended).as(String.join(" ", args)).isTrue();
        return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    /** The one message (at most 3 lines on stderr) and exit status of a failed run, never a stack trace. */
    static void assertOneMessage(Run r, int code, String message) {
        String all = r.out() + r.err();
        org.assertj.core.api.Assertions.assertThat(r.code()).as(all).isEqualTo(code);
        org.assertj.core.api.Assertions.assertThat(r.err()).as(all).contains(message);
        org.assertj.core.api.Assertions.assertThat(all).doesNotContain("Exception").doesNotContain("\tat ")
                .doesNotContain("at org.").doesNotContain("at java.");
        org.assertj.core.api.Assertions.assertThat(r.err().lines().filter(l -> !l.isBlank()).count()).as(r.err())
                .isLessThanOrEqualTo(3);
    }

    /** The launcher jar of {@code service} ({@code controller} or {@code worker}), built by the reactor. */
    static Path jar(String service) {
        Path jar = Path.of("..", service, "target", "nas-" + service + ".jar").toAbsolutePath().normalize();
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: build it with ./mvnw -B -ntp package -pl " + service + " -am");
        }
        return jar;
    }

    /** Starts the service with {@code env} added to this JVM's environment, stdout and stderr into {@code log}. */
    static Process start(String service, String maxHeap, Map<String, String> env, Path log) throws IOException {
        return start(service, List.of(), maxHeap, env, log);
    }

    /** As {@link #start(String, String, Map, Path)}, with arguments for the service's main class. */
    static Process start(String service, List<String> args, String maxHeap, Map<String, String> env, Path log) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx" + maxHeap, "-Dai.djl.offline=true", "-jar", jar(service).toString()));
        command.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().putAll(env);
        pb.redirectErrorStream(true).redirectOutput(log.toFile());
        return pb.start();
    }
}
