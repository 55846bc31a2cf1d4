package org.naspipeline.worker.cpu;

import java.util.Locale;

/**
 * The intra-op threads of each slot of a worker, and why. PyTorch's intra-op pool defaults to every core the process
 * sees, so two workers on one machine, or one worker with two slots, run twice as many compute threads as there are
 * cores, and OpenMP's barriers stall; in a container with a 2-CPU quota on a 64-core node it is 64 threads,
 * throttled. The rule:
 *
 * <ol>
 *   <li>{@code NAS_WORKER_THREADS} set: that many per slot;</li>
 *   <li>{@code NAS_WORKER_CPUS} set: that share divided by this worker's slots (the operator divided the host);</li>
 *   <li>otherwise the CPUs the JVM sees ({@code availableProcessors}: the container's quota rounded up, else the
 *       cores) divided by the slots of every worker registered on this host ({@link LocalWorkers}).</li>
 * </ol>
 *
 * Never fewer than 1; {@code oversubscribed} says when the slots' threads exceed the CPUs.
 *
 * @param cpus the CPUs divided
 * @param slotsSharing the slots they are divided among
 * @param perSlot intra-op threads per slot
 * @param latencyThreads intra-op threads of the latency measurement
 */
public record ThreadBudget(double cpus, int slotsSharing, int perSlot, int latencyThreads, boolean oversubscribed,
                           String reason) {

    /**
     * The budget of one of {@code ownSlots} slots, given the CPUs the JVM sees and the slots registered on this host
     * (this worker's included).
     */
    public static ThreadBudget of(CpuSettings s, int availableProcessors, int ownSlots, int localSlots) {
        if (ownSlots < 1 || availableProcessors < 1) {
            throw new IllegalArgumentException("slots and processors must be at least 1");
        }
        int sharing = Math.max(ownSlots, localSlots);
        if (s.threads() != null) {
            double cpus = s.cpus() != null ? s.cpus() : availableProcessors;
            int slots = s.cpus() != null ? ownSlots : sharing;
            return new ThreadBudget(cpus, slots, s.threads(), s.latencyThreads(), (long) s.threads() * slots > Math.ceil(cpus),
                    s.threads() + " per slot from " + CpuSettings.THREADS.env());
        }
        if (s.cpus() != null) {
            int per = Math.max(1, (int) Math.floor(s.cpus() / ownSlots + 1e-9));
            return new ThreadBudget(s.cpus(), ownSlots, per, s.latencyThreads(), (long) per * ownSlots > Math.ceil(s.cpus()),
                    String.format(Locale.ROOT, "%s CPUs from %s / %d slot(s) of this worker", number(s.cpus()),
                            CpuSettings.CPUS.env(), ownSlots));
        }
        int per = Math.max(1, availableProcessors / sharing);
        String who = sharing == ownSlots ? ownSlots + " slot(s) of this worker"
                : sharing + " slots of the workers on this host (" + ownSlots + " of this worker)";
        return new ThreadBudget(availableProcessors, sharing, per, s.latencyThreads(), (long) per * sharing > availableProcessors,
                availableProcessors + " CPUs the JVM sees (container quota, else cores) / " + who);
    }

    /** One line for the start-up log. */
    public String describe() {
        return String.format(Locale.ROOT, "%d intra-op thread(s) per slot (%s)%s; latency measured on %d thread(s) (%s)",
                perSlot, reason, oversubscribed ? ", MORE THREADS THAN CPUS: give each worker its share with "
                        + CpuSettings.CPUS.env() + " or a CPU limit" : "", latencyThreads, CpuSettings.LATENCY_THREADS.env());
    }

    private static String number(double d) {
        return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
    }
}
