package org.naspipeline.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code nas} launcher run as a user runs it, from their own directory: their relative paths resolve there,
 * what the commands write goes to {@code $XDG_STATE_HOME/nas}, the demo leaves no broker log or controller state
 * behind (after success and after Ctrl-C), and the checkout's {@code git status} is the same afterwards.
 */
class RunFromElsewhereIT {
    @TempDir
    Path home;

    record Run(int code, String output) {}

    Process start(Path log, String... args) throws IOException {
        return start(log, List.of(), args);
    }

    /** Starts the launcher through {@code prefix} (a command that execs the rest, e.g. env), in the user's directory. */
    Process start(Path log, List<String> prefix, String... args) throws IOException {
        List<String> command = new ArrayList<>(prefix);
        command.add(ComposeFile.REPO.resolve("nas").toString());
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(home.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("NAS_"));
        pb.environment().put("XDG_STATE_HOME", home.resolve("state").toString());
        return pb.start();
    }

    Run nas(String... args) throws Exception {
        Path log = Files.createTempFile(home, "nas", ".log");
        Process p = start(log, args);
        assertThat(p.waitFor(300, TimeUnit.SECONDS)).as(String.join(" ", args)).isTrue();
        return new Run(p.exitValue(), Files.readString(log));
    }

    static String gitStatus() throws Exception {
        Process git = new ProcessBuilder("git", "status", "--porcelain", "--untracked-files=all").directory(ComposeFile.REPO.toFile())
                .redirectErrorStream(true).start();
        String out = new String(git.getInputStream().readAllBytes());
        assertThat(git.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return out;
    }

    static List<Path> runDirs(Path demo) throws IOException {
        try (Stream<Path> s = Files.list(demo)) {
            return s.filter(p -> p.getFileName().toString().startsWith("run-")).toList();
        }
    }

    @Test
    void pathsResolveWhereTheUserIsAndNothingIsWrittenIntoTheCheckout() throws Exception {
        String before = gitStatus();
        Files.copy(ComposeFile.REPO.resolve("examples/candidates/cnn-small.json"), home.resolve("my.json"));
        Files.copy(ComposeFile.REPO.resolve("examples/fashion-mnist.json"), home.resolve("spec.json"));

        Run evaluate = nas("evaluate", "./my.json", "--epochs", "1", "--train-limit", "300", "--test-limit", "100");
        assertThat(evaluate.code()).as(evaluate.output()).isZero();
        assertThat(evaluate.output()).contains("saved size", home.resolve("state/nas/evaluate").toString());

        Run submit = nas("submit", "spec.json", "--url", "http://127.0.0.1:" + ControllerApiIT.freePort());
        assertThat(submit.code()).as("the file was found and read: only the controller is missing").isEqualTo(1);
        assertThat(submit.output()).contains("no controller at").doesNotContain("no such file");

        Run demo = nas("demo", "--trials", "2", "--workers", "1");
        assertThat(demo.code()).as(demo.output()).isZero();
        Path demoDir = home.resolve("state/nas/demo");
        assertThat(demo.output()).contains("summary written to " + demoDir.resolve("summary.json"), "trained models in ");
        assertThat(runDirs(demoDir)).singleElement().satisfies(run -> {
            assertThat(run.resolve("kafka")).as("the broker's log is removed").doesNotExist();
            assertThat(run.resolve("state")).as("the controller's state is removed").doesNotExist();
            assertThat(run.resolve("artifacts")).as("the trained models stay").isDirectory();
        });

        // Ctrl-C mid-run: the shutdown hook removes the broker's log and the controller's state too. A terminal's
        // Ctrl-C finds SIGINT at its default; a process started in the background by a non-interactive shell (a CI
        // script run with &) inherits it ignored, and a JVM then ignores it too, so the launcher is started with it reset
        Path log = home.resolve("interrupted.log");
        Process interrupted = start(log, List.of("env", "--default-signal=INT"), "demo", "--trials", "50", "--workers", "1",
                "--out", home.resolve("interrupted").toString());
        await().atMost(Duration.ofSeconds(180)).until(() -> Files.readString(log).contains("submitted demo-"));
        assertThat(runDirs(home.resolve("interrupted"))).singleElement().satisfies(run -> assertThat(run.resolve("kafka")).isDirectory());
        assertThat(new ProcessBuilder("kill", "-INT", String.valueOf(interrupted.pid())).start().waitFor()).isZero();
        assertThat(interrupted.waitFor(120, TimeUnit.SECONDS)).as(Files.readString(log)).isTrue();
        assertThat(runDirs(home.resolve("interrupted"))).singleElement()
                .satisfies(run -> {
                    assertThat(run.resolve("kafka")).as(Files.readString(log)).doesNotExist();
                    assertThat(run.resolve("state")).as(Files.readString(log)).doesNotExist();
                });

        assertThat(gitStatus()).as("the checkout is as it was").isEqualTo(before);
    }
}
