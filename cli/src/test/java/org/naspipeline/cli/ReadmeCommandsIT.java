package org.naspipeline.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's five-minute tour, run as written: the bash block after the {@code <!-- tour: … -->} marker, from the
 * checkout, with bash, in a fresh home directory (so its state directory and {@code ~/trials.csv} are the test's),
 * and the real {@code ./nas} launcher: broker, controller and worker as background processes, a real search.
 */
class ReadmeCommandsIT {
    @TempDir
    Path home;

    /** The bash block that follows the tour marker in README.md. */
    static String tour() throws Exception {
        List<String> lines = Files.readAllLines(ComposeFile.REPO.resolve("README.md"));
        int marker = -1;
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith("<!-- tour:")) {
                marker = i;
            }
        }
        assertThat(marker).as("README.md has the tour marker").isNotNegative();
        assertThat(lines.get(marker + 1)).isEqualTo("```bash");
        int end = marker + 2;
        while (!lines.get(end).equals("```")) {
            end++;
        }
        return String.join("\n", lines.subList(marker + 2, end)) + "\n";
    }

    @Test
    void theFiveMinuteTourRunsAsWritten() throws Exception {
        String before = RunFromElsewhereIT.gitStatus();
        Path script = Files.writeString(home.resolve("tour.sh"), "set -euo pipefail\n" + tour());
        Path log = home.resolve("tour.log");
        ProcessBuilder pb = new ProcessBuilder("bash", script.toString()).directory(ComposeFile.REPO.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("NAS_") || k.equals("XDG_STATE_HOME"));
        pb.environment().put("HOME", home.toString());
        Process p = pb.start();
        boolean ended = p.waitFor(10, TimeUnit.MINUTES);
        if (!ended) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
        String out = Files.readString(log);
        assertThat(ended).as(out).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out).contains("Kafka broker ready at 127.0.0.1:9092", " completed: 4 completed, 0 failed, 0 in flight of 4",
                "4 of 4 trial(s); * on the Pareto front", "Pareto front of ", "wrote " + home.resolve("trials.csv") + " (4 trials)");
        assertThat(out.lines().filter(l -> l.contains(" running: "))).as("piped: a block when something moves, not every second")
                .hasSizeLessThan(40);
        assertThat(home.resolve(".local/state/nas/kafka")).isDirectory();
        assertThat(home.resolve(".local/state/nas/artifacts")).isDirectory();
        assertThat(RunFromElsewhereIT.gitStatus()).as("the checkout is as it was").isEqualTo(before);
    }
}
