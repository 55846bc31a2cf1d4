package org.naspipeline.worker.cpu;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A process for {@link MeasurementGateIT}, started by the test in its own JVM.
 *
 * <ul>
 *   <li>{@code gate DIR OUT MILLIS}: waits for {@code DIR/go}, then for MILLIS one thread runs units of work (about
 *       2 ms of spinning each) through the gate while another takes it exclusively every ~20 ms for ~10 ms; writes
 *       each interval ({@code W|M start end [hostWide]}, epoch nanoseconds) to OUT;</li>
 *   <li>{@code register DIR SLOTS}: registers SLOTS slots in DIR, prints {@code registered}, and waits to be killed.</li>
 * </ul>
 */
public final class GateChild {
    private GateChild() {}

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[1]);
        if (args[0].equals("register")) {
            LocalWorkers.register(dir, Integer.parseInt(args[2]));
            System.out.println("registered");
            System.out.flush();
            LockSupport.park(); // until killed
            return;
        }
        Path out = Path.of(args[2]);
        long millis = Long.parseLong(args[3]);
        MeasurementGate gate = MeasurementGate.in(dir);
        while (!Files.exists(dir.resolve("go"))) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        ConcurrentLinkedQueue<String> lines = new ConcurrentLinkedQueue<>();
        Thread worker = new Thread(() -> {
            while (System.nanoTime() < end) {
                try (MeasurementGate.Work w = gate.work()) {
                    long s = now();
                    spin(2);
                    lines.add("W " + s + " " + now());
                }
            }
        });
        Thread measurer = new Thread(() -> {
            while (System.nanoTime() < end) {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
                long[] interval = new long[2];
                MeasurementGate.Exclusive<Boolean> done = gate.exclusive(() -> {
                    interval[0] = now();
                    spin(10);
                    interval[1] = now();
                    return true;
                });
                lines.add("M " + interval[0] + " " + interval[1] + " " + done.hostWide());
            }
        });
        worker.start();
        measurer.start();
        worker.join();
        measurer.join();
        try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(out))) {
            lines.forEach(w::println);
        }
    }

    private static long now() {
        Instant i = Instant.now();
        return i.getEpochSecond() * 1_000_000_000L + i.getNano();
    }

    private static void spin(long millis) {
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        long x = 0;
        while (System.nanoTime() < until) {
            x += System.identityHashCode(Thread.currentThread());
        }
        if (x == 42) {
            System.out.print("");
        }
    }

    static List<String> read(Path out) throws IOException {
        return Files.readAllLines(out);
    }
}
