package org.naspipeline.worker.cpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.naspipeline.api.config.Settings;

class ThreadBudgetTest {
    private static CpuSettings settings(String... pairs) {
        Map<String, String> env = new HashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            env.put(pairs[i], pairs[i + 1]);
        }
        return CpuSettings.from(new Settings(env));
    }

    @ParameterizedTest(name = "{0} CPUs, {1} own slot(s), {2} on the host -> {3} per slot")
    @CsvSource({
            "2, 1, 1, 2",    // one worker alone takes the cores
            "2, 1, 2, 1",    // two workers on a 2-core host: one thread each
            "2, 2, 2, 1",    // one worker with two slots
            "64, 4, 4, 16",  // a big node: each slot its quarter
            "64, 1, 3, 21",  // rounded down, never more than the share
            "2, 1, 0, 2",    // registry unreadable: at least this worker's own slots
            "6, 2, 6, 1",
    })
    void theCpusTheJvmSeesAreDividedAmongTheSlotsOnTheHost(int processors, int own, int local, int expected) {
        ThreadBudget b = ThreadBudget.of(CpuSettings.defaults(), processors, own, local);
        assertThat(b.perSlot()).isEqualTo(expected);
        assertThat(b.oversubscribed()).isFalse();
        assertThat(b.slotsSharing()).isEqualTo(Math.max(own, local));
        assertThat(b.describe()).contains(expected + " intra-op thread(s) per slot").contains(processors + " CPUs the JVM sees");
    }

    @Test
    void moreSlotsThanCpusGetOneThreadEachAndSayItIsOversubscribed() {
        ThreadBudget b = ThreadBudget.of(CpuSettings.defaults(), 2, 1, 3);
        assertThat(b.perSlot()).isEqualTo(1);
        assertThat(b.oversubscribed()).isTrue();
        assertThat(b.describe()).contains("MORE THREADS THAN CPUS").contains("NAS_WORKER_CPUS");
    }

    @ParameterizedTest(name = "NAS_WORKER_CPUS={0}, {1} slot(s) -> {2}")
    @CsvSource({"4, 2, 2", "1.5, 1, 1", "1500m, 1, 1", "2500m, 2, 1", "16, 3, 5", "0.5, 1, 1", "3, 3, 1"})
    void aGivenShareIsDividedAmongThisWorkersSlotsOnly(String cpus, int slots, int expected) {
        ThreadBudget b = ThreadBudget.of(settings("NAS_WORKER_CPUS", cpus), 64, slots, 10);
        assertThat(b.perSlot()).isEqualTo(expected);
        assertThat(b.slotsSharing()).isEqualTo(slots); // the other workers on the host are not counted
        assertThat(b.reason()).contains("NAS_WORKER_CPUS");
    }

    @Test
    void millicoresReadAsKubernetesWritesThem() {
        assertThat(settings("NAS_WORKER_CPUS", "1500m").cpus()).isEqualTo(1.5);
        assertThat(settings("NAS_WORKER_CPUS", " 250M ").cpus()).isEqualTo(0.25);
        assertThat(settings("NAS_WORKER_CPUS", "2").cpus()).isEqualTo(2.0);
    }

    @Test
    void threadsOverrideTheShare() {
        ThreadBudget b = ThreadBudget.of(settings("NAS_WORKER_THREADS", "3"), 2, 1, 2);
        assertThat(b.perSlot()).isEqualTo(3);
        assertThat(b.reason()).contains("NAS_WORKER_THREADS");
        assertThat(b.oversubscribed()).isTrue(); // 3 × 2 slots on the host > 2 CPUs
        ThreadBudget fits = ThreadBudget.of(settings("NAS_WORKER_THREADS", "2", "NAS_WORKER_CPUS", "4"), 64, 2, 9);
        assertThat(fits.perSlot()).isEqualTo(2);
        assertThat(fits.oversubscribed()).isFalse();
    }

    @Test
    void latencyRunsOnOneThreadUnlessSet() {
        assertThat(ThreadBudget.of(CpuSettings.defaults(), 8, 1, 1).latencyThreads()).isEqualTo(1);
        assertThat(ThreadBudget.of(settings("NAS_LATENCY_THREADS", "4"), 8, 1, 1).latencyThreads()).isEqualTo(4);
        assertThat(ThreadBudget.of(CpuSettings.defaults(), 8, 1, 1).describe()).contains("latency measured on 1 thread(s)");
    }

    @Test
    void theLocalDirectoryDefaultsToTheTemporaryDirectory() {
        assertThat(settings().localDir()).isEqualTo(Path.of(System.getProperty("java.io.tmpdir"), "nas-workers"));
        assertThat(settings("NAS_WORKER_LOCAL_DIR", "/run/nas ").localDir()).isEqualTo(Path.of("/run/nas"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "-1", "0m", "-500m", "m", "abc", "two", "1e3", "NaN", "Infinity", "-Infinity", "0x10",
            "4097", "1,5", "2 cpus", "1.5.0", "9999999999999999999m", "１", "+2", "2.", " 1 5"})
    void badCpuCountsAreRefusedNamingTheVariable(String value) {
        assertThatThrownBy(() -> settings("NAS_WORKER_CPUS", value))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("NAS_WORKER_CPUS: ")
                .hasMessageContaining("1500m");
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "-2", "1.5", "abc", "4097", "2147483648", "1e2", "0x2", "２", "+1", "99999999999"})
    void badThreadCountsAreRefusedNamingTheVariable(String value) {
        for (String variable : new String[] {"NAS_WORKER_THREADS", "NAS_LATENCY_THREADS"}) {
            assertThatThrownBy(() -> settings(variable, value))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith(variable + ": must be a whole number of threads from 1 to 4096");
        }
    }

    @Test
    void aVeryLongBadValueIsAbbreviatedInTheMessage() {
        String junk = "x".repeat(10_000);
        assertThatThrownBy(() -> settings("NAS_WORKER_CPUS", junk)).hasMessageContaining("…").satisfies(
                e -> assertThat(e.getMessage().length()).isLessThan(300));
    }

    @Test
    void blankValuesMeanUnset() {
        CpuSettings s = settings("NAS_WORKER_CPUS", " ", "NAS_WORKER_THREADS", "", "NAS_LATENCY_THREADS", "  ");
        assertThat(s.cpus()).isNull();
        assertThat(s.threads()).isNull();
        assertThat(s.latencyThreads()).isEqualTo(1);
    }
}
