package org.naspipeline.worker.cpu;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.naspipeline.api.config.Setting;
import org.naspipeline.api.config.Settings;

/**
 * How a worker uses the CPUs, from the environment:
 *
 * <ul>
 *   <li>{@code NAS_WORKER_CPUS}: this worker's CPU share ({@code 2}, {@code 1.5} or {@code 1500m}); unset, the CPUs the
 *       JVM sees (the container's quota, else the cores) divided among the slots of every worker on this host;</li>
 *   <li>{@code NAS_WORKER_THREADS}: intra-op threads per slot, overriding the share;</li>
 *   <li>{@code NAS_LATENCY_THREADS}: intra-op threads of the latency measurement (default 1);</li>
 *   <li>{@code NAS_WORKER_LOCAL_DIR}: the host-local directory where co-located workers register and take the
 *       measurement lock.</li>
 * </ul>
 *
 * @param cpus the CPU share given, or null to take the JVM's count shared with the other workers of this host
 * @param threads intra-op threads per slot, or null to derive them from the share
 */
public record CpuSettings(Double cpus, Integer threads, int latencyThreads, Path localDir) {
    /** The most CPUs or threads a value may name; more is a typo. */
    static final int MAX = 4096;

    public static final Setting<String> CPUS = Setting.string("NAS_WORKER_CPUS", null,
            "CPU share of this worker: 2, 1.5 or 1500m (default: the container's quota or the cores, divided among "
                    + "the slots of every worker on this host)");
    public static final Setting<String> THREADS = Setting.string("NAS_WORKER_THREADS", null,
            "intra-op threads per slot (default: the CPU share divided by the slots)");
    public static final Setting<String> LATENCY_THREADS = Setting.string("NAS_LATENCY_THREADS", "1",
            "intra-op threads of the latency measurement");
    public static final Setting<String> LOCAL_DIR = Setting.string("NAS_WORKER_LOCAL_DIR", null,
            "host-local directory where co-located workers register and take the measurement lock "
                    + "(default: <java.io.tmpdir>/nas-workers)");
    /** The settings, for the start-up log. */
    public static final List<Setting<?>> ALL = List.of(CPUS, THREADS, LATENCY_THREADS, LOCAL_DIR);

    public CpuSettings {
        if (cpus != null && !(cpus > 0 && cpus <= MAX)) {
            throw new IllegalArgumentException(CPUS.env() + ": must be above 0 and at most " + MAX + " (got " + cpus + ")");
        }
        if (threads != null) {
            checkThreads(THREADS.env(), threads);
        }
        checkThreads(LATENCY_THREADS.env(), latencyThreads);
        if (localDir == null) {
            throw new IllegalArgumentException(LOCAL_DIR.env() + ": must be a directory");
        }
    }

    /** No overrides: the JVM's CPUs shared with this host's other workers, latency on 1 thread, the default directory. */
    public static CpuSettings defaults() {
        return new CpuSettings(null, null, 1, defaultLocalDir());
    }

    /** The same settings with another registry and lock directory. */
    public CpuSettings withLocalDir(Path dir) {
        return new CpuSettings(cpus, threads, latencyThreads, dir);
    }

    /** Reads and checks the settings; a bad value fails naming its variable. */
    public static CpuSettings from(Settings s) {
        String dir = s.get(LOCAL_DIR);
        return new CpuSettings(parseCpus(s.get(CPUS)), parseCount(THREADS.env(), s.get(THREADS)),
                parseCount(LATENCY_THREADS.env(), s.get(LATENCY_THREADS)),
                dir == null ? defaultLocalDir() : Path.of(dir.trim()));
    }

    static Path defaultLocalDir() {
        return Path.of(System.getProperty("java.io.tmpdir"), "nas-workers");
    }

    /** A CPU count as Kubernetes writes it: {@code 2}, {@code 1.5} or {@code 1500m}; null for unset. */
    static Double parseCpus(String text) {
        if (text == null || text.isBlank()) {
            return null;
        }
        String t = text.trim().toLowerCase(Locale.ROOT);
        double value = Double.NaN;
        if (t.matches("[0-9]{1,9}m")) {
            value = Long.parseLong(t.substring(0, t.length() - 1)) / 1000.0;
        } else if (t.matches("[0-9]{1,9}(\\.[0-9]{1,9})?|\\.[0-9]{1,9}")) {
            value = Double.parseDouble(t);
        }
        if (!(value > 0 && value <= MAX)) {
            throw new IllegalArgumentException(CPUS.env() + ": must be a number of CPUs above 0 and at most " + MAX
                    + ", such as 2, 1.5 or 1500m (got '" + abbreviate(text) + "')");
        }
        return value;
    }

    /** A whole number of threads, 1 to {@value #MAX}; null for unset. */
    static Integer parseCount(String variable, String text) {
        if (text == null || text.isBlank()) {
            return null;
        }
        String t = text.trim();
        if (!t.matches("[0-9]{1,9}")) { // ASCII digits only: Integer.parseInt would take other scripts' digits
            throw new IllegalArgumentException(variable + ": must be a whole number of threads from 1 to " + MAX
                    + " (got '" + abbreviate(text) + "')");
        }
        int n = Integer.parseInt(t);
        checkThreads(variable, n);
        return n;
    }

    private static void checkThreads(String variable, int n) {
        if (n < 1 || n > MAX) {
            throw new IllegalArgumentException(variable + ": must be a whole number of threads from 1 to " + MAX + " (got " + n + ")");
        }
    }

    private static String abbreviate(String text) {
        return text.length() > 40 ? text.substring(0, 40) + "…" : text;
    }
}
