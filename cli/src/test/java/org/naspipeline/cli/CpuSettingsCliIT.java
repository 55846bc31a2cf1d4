package org.naspipeline.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The commands that train in this process ({@code nas demo}, {@code nas evaluate}, {@code nas bench trial}) read the
 * worker's CPU settings from the environment: a bad value stops them with one line naming the variable, exit 2, no
 * stack trace, before anything starts. Run as a separate process, as a user runs {@code nas}.
 */
class CpuSettingsCliIT {
    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0} with {1}={2}")
    @CsvSource(delimiter = '|', value = {
            "demo --trials 1                                   | NAS_WORKER_CPUS      | lots",
            "demo --trials 1                                   | NAS_LATENCY_THREADS  | 0",
            "evaluate examples/candidates/cnn-small.json       | NAS_WORKER_THREADS   | -3",
            "evaluate examples/candidates/cnn-small.json       | NAS_WORKER_CPUS      | 1e3",
            "bench trial --rounds 1                            | NAS_WORKER_THREADS   | ２",
            "evaluate examples/candidates/cnn-small.json       | NAS_WORKER_LOCAL_DIR | FILE/sub",
    })
    void aBadCpuSettingStopsTheCommandNamingTheVariable(String command, String variable, String value) throws Exception {
        Path file = Files.writeString(dir.resolve("a-file"), "x");
        List<String> args = NasProcess.nasCommand();
        args.addAll(List.of(command.trim().split("\\s+")));
        args.addAll(command.startsWith("evaluate") ? List.of("--out", dir.resolve("out").toString()) : List.of());
        // from the repository root, where the commands' default files are
        ProcessBuilder pb = new ProcessBuilder(args).directory(ComposeFile.REPO.toFile()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("out.log").toFile());
        Map<String, String> env = pb.environment();
        env.keySet().removeIf(k -> k.startsWith("NAS_"));
        env.put(variable, value.replace("FILE", file.toString()));
        Process p = pb.start();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        String out = Files.readString(dir.resolve("out.log"));
        assertThat(p.exitValue()).as(out).isEqualTo(2);
        assertThat(out).contains(variable + ": ").doesNotContain("\tat ").doesNotContain("Exception");
    }

}
