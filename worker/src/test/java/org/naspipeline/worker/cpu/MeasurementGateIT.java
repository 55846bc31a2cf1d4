package org.naspipeline.worker.cpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The host-wide parts of the CPU budget, across real processes: latency measurements never overlap each other nor
 * any unit of training work (checked by the timestamps both processes write), and workers registered by other
 * processes are counted until they die, even by SIGKILL.
 */
class MeasurementGateIT {
    private final List<Process> processes = new ArrayList<>();

    @AfterEach
    void killChildren() throws InterruptedException {
        for (Process p : processes) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private record Interval(int process, char kind, long start, long end, boolean hostWide) {
        boolean overlaps(Interval o) {
            return start < o.end && o.start < end;
        }
    }

    private Process child(Path log, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx64m", "-cp", classpath(), GateChild.class.getName()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        processes.add(p);
        return p;
    }

    private static String classpath() {
        return java.util.Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .map(p -> Path.of(p).toAbsolutePath().toString()).collect(Collectors.joining(File.pathSeparator));
    }

    @Test
    void measurementsInTwoProcessesNeverOverlapEachOtherOrTraining(@TempDir Path dir) throws Exception {
        Path lockDir = dir.resolve("host");
        Files.createDirectories(lockDir);
        Process a = child(dir.resolve("a.log"), "gate", lockDir.toString(), dir.resolve("a.out").toString(), "3000");
        Process b = child(dir.resolve("b.log"), "gate", lockDir.toString(), dir.resolve("b.out").toString(), "3000");
        Files.createFile(lockDir.resolve("go"));
        assertThat(a.waitFor(60, TimeUnit.SECONDS)).as("process a ended").isTrue();
        assertThat(b.waitFor(60, TimeUnit.SECONDS)).as("process b ended").isTrue();
        assertThat(a.exitValue()).as(Files.readString(dir.resolve("a.log"))).isZero();
        assertThat(b.exitValue()).as(Files.readString(dir.resolve("b.log"))).isZero();

        List<Interval> all = new ArrayList<>();
        all.addAll(read(1, dir.resolve("a.out")));
        all.addAll(read(2, dir.resolve("b.out")));
        List<Interval> measurements = all.stream().filter(i -> i.kind() == 'M').toList();
        List<Interval> work = all.stream().filter(i -> i.kind() == 'W').toList();
        // both processes measured and worked, interleaved, so the checks below are not vacuous
        for (int p : new int[] {1, 2}) {
            int process = p;
            assertThat(measurements.stream().filter(m -> m.process() == process).count()).isGreaterThanOrEqualTo(10);
            assertThat(work.stream().filter(w -> w.process() == process).count()).isGreaterThanOrEqualTo(100);
        }
        assertThat(measurements).allMatch(Interval::hostWide);
        for (int i = 0; i < measurements.size(); i++) {
            Interval m = measurements.get(i);
            for (int j = i + 1; j < measurements.size(); j++) {
                assertThat(m.overlaps(measurements.get(j))).as("%s overlaps %s", m, measurements.get(j)).isFalse();
            }
            for (Interval w : work) {
                assertThat(m.overlaps(w)).as("measurement %s overlaps work %s", m, w).isFalse();
            }
        }
    }

    private static List<Interval> read(int process, Path file) throws Exception {
        List<Interval> out = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            String[] f = line.split(" ");
            out.add(new Interval(process, f[0].charAt(0), Long.parseLong(f[1]), Long.parseLong(f[2]),
                    f.length > 3 && Boolean.parseBoolean(f[3])));
        }
        return out;
    }

    @Test
    void workersOfOtherProcessesCountUntilTheyDieEvenByKill9(@TempDir Path dir) throws Exception {
        Path lockDir = dir.resolve("host");
        try (LocalWorkers.Registration own = LocalWorkers.register(lockDir, 1)) {
            assertThat(LocalWorkers.slots(lockDir)).isEqualTo(1);
            Process other = child(dir.resolve("other.log"), "register", lockDir.toString(), "2");
            try (BufferedReader out = new BufferedReader(new InputStreamReader(
                    Files.newInputStream(dir.resolve("other.log")), StandardCharsets.UTF_8))) {
                await().atMost(Duration.ofSeconds(30)).until(() -> Files.readString(dir.resolve("other.log")).contains("registered"));
            }
            assertThat(LocalWorkers.slots(lockDir)).isEqualTo(3);
            ThreadBudget shared = ThreadBudget.of(CpuSettings.defaults().withLocalDir(lockDir), 6, 1, LocalWorkers.slots(lockDir));
            assertThat(shared.perSlot()).isEqualTo(2);

            other.destroyForcibly(); // SIGKILL: no clean-up runs, the kernel drops its lock
            assertThat(other.waitFor(10, TimeUnit.SECONDS)).isTrue();
            await().atMost(Duration.ofSeconds(10)).until(() -> LocalWorkers.slots(lockDir) == 1);
            try (var files = Files.list(lockDir)) {
                assertThat(files.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(".slots")))
                        .as("the dead worker's file is removed").containsExactly(own.file().getFileName().toString());
            }
        }
        assertThat(LocalWorkers.slots(lockDir)).isZero();
    }

    @Test
    void aDirectoryThatCannotBeWrittenIsNamedAtStart(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("not-a-dir"), "x");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> LocalWorkers.register(file.resolve("sub"), 1))
                .hasMessageStartingWith("NAS_WORKER_LOCAL_DIR: cannot register this worker in " + file.resolve("sub"));
    }
}
