package org.naspipeline.worker.cpu;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A host-wide lock that keeps latency measurements apart from each other and from training. Training takes the gate
 * around each unit of work (a batch, an evaluation pass); a measurement takes it exclusively: it waits until the
 * units in progress anywhere on the host have ended, and no new unit starts until it is done, so training pauses at a
 * batch boundary. Two measurements never overlap.
 *
 * <p>Across processes it is a file ({@code measure.lock} in the host-local directory) with two one-byte regions:
 * a turnstile, held exclusively by a measurement from the time it asks, which a unit of work passes (locks shared
 * and releases) before it starts; and the room, held shared while units of work run and exclusively while a
 * measurement runs. The turnstile stops new work from starving a waiting measurement. Within one JVM the slots
 * share one gate per file, which holds the room's shared lock for all of them (a JVM cannot lock a region twice).
 *
 * <p>Locks are polled with {@code tryLock} rather than waited for: a thread interrupted in a blocking
 * {@code FileChannel.lock} closes the channel, which would drop every lock of this JVM. If the file cannot be used,
 * the gate still orders the work of this JVM, and measurements report that they were not exclusive host-wide.
 */
public final class MeasurementGate {
    private static final Logger LOG = LoggerFactory.getLogger(MeasurementGate.class);
    private static final Map<Path, MeasurementGate> GATES = new ConcurrentHashMap<>();
    private static final long TURNSTILE = 0;
    private static final long ROOM = 1;

    private final Path file;
    private final ReentrantLock mu = new ReentrantLock();
    private final Condition changed = mu.newCondition();
    /** Guarded by {@link #mu}: a measurement of this JVM holds or waits for the gate. */
    private boolean measuring;
    /** Guarded by {@link #mu}: units of work of this JVM running. */
    private int working;
    /** Guarded by {@link #mu}: a unit of work is taking the room's shared lock for this JVM. */
    private boolean entering;
    /** Guarded by {@link #mu}: the room's shared lock held for this JVM's units of work. */
    private FileLock room;
    private FileChannel channel;
    private boolean fileBroken;
    /** Units of work the calling thread holds (nested ones pass through). */
    private final ThreadLocal<Integer> held = ThreadLocal.withInitial(() -> 0);
    private final LongAdder workWaitNanos = new LongAdder();
    private final LongAdder measurementWaitNanos = new LongAdder();
    private final LongAdder measurementCount = new LongAdder();
    private final LongAdder hostWideMeasurements = new LongAdder();

    private MeasurementGate(Path file) {
        this.file = file;
    }

    /** The gate of the lock file in {@code dir}, one per JVM. */
    public static MeasurementGate in(Path dir) {
        return GATES.computeIfAbsent(dir.toAbsolutePath().normalize().resolve("measure.lock"), MeasurementGate::new);
    }

    /** The lock file. */
    public Path file() {
        return file;
    }

    /** Held around a unit of work; closing it lets a waiting measurement start. */
    public interface Work extends AutoCloseable {
        /** How long the unit waited for a measurement to end before it could start. */
        long waitedNanos();

        @Override
        void close();
    }

    /** What a measurement returned, and whether it ran with the host-wide lock. */
    public record Exclusive<T>(T value, boolean hostWide) {}

    /**
     * Waits while a measurement runs or waits anywhere on the host, then holds the gate shared until closed.
     *
     * @throws CancellationException when the thread is interrupted while waiting
     */
    public Work work() {
        if (held.get() > 0) { // nested in a unit this thread holds: waiting here would deadlock with a measurement
            held.set(held.get() + 1);
            return new Work() {
                @Override
                public long waitedNanos() {
                    return 0;
                }

                @Override
                public void close() {
                    held.set(held.get() - 1);
                }
            };
        }
        long start = System.nanoTime();
        boolean enter;
        mu.lock();
        try {
            while (measuring || entering) {
                awaitChange();
            }
            enter = working == 0;
            if (enter) {
                entering = true;
            } else {
                working++;
            }
        } finally {
            mu.unlock();
        }
        if (enter) {
            FileLock shared = null;
            try {
                shared = acquireRoomShared();
            } finally {
                mu.lock();
                try {
                    entering = false;
                    room = shared;
                    if (shared != null || fileBroken) {
                        working++;
                    }
                    changed.signalAll();
                } finally {
                    mu.unlock();
                }
            }
        }
        long waited = System.nanoTime() - start;
        workWaitNanos.add(waited);
        held.set(1);
        return new Work() {
            @Override
            public long waitedNanos() {
                return waited;
            }

            @Override
            public void close() {
                held.set(0);
                leave();
            }
        };
    }

    /** Seconds units of work have waited for measurements, in this JVM. */
    public double workWaitSeconds() {
        return workWaitNanos.sum() / 1e9;
    }

    /** Seconds measurements have waited for the gate, in this JVM. */
    public double measurementWaitSeconds() {
        return measurementWaitNanos.sum() / 1e9;
    }

    /** Measurements run through this gate in this JVM, and how many of them held the host-wide lock. */
    public long measurements(boolean hostWideOnly) {
        return hostWideOnly ? hostWideMeasurements.sum() : measurementCount.sum();
    }

    private void leave() {
        mu.lock();
        try {
            working--;
            if (working == 0 && room != null) {
                release(room);
                room = null;
            }
            changed.signalAll();
        } finally {
            mu.unlock();
        }
    }

    /**
     * Runs {@code measurement} alone: no other measurement and no unit of work runs on this host meanwhile.
     *
     * @throws CancellationException when the thread is interrupted while waiting
     */
    public <T> Exclusive<T> exclusive(Supplier<T> measurement) {
        if (held.get() > 0) {
            throw new IllegalStateException("a latency measurement cannot start inside a unit of work of the same thread");
        }
        long start = System.nanoTime();
        mu.lock();
        boolean claimed = false;
        try {
            while (measuring) {
                awaitChange();
            }
            measuring = true;
            claimed = true;
            while (working > 0 || entering) {
                awaitChange();
            }
        } catch (RuntimeException e) {
            if (claimed) {
                measuring = false;
                changed.signalAll();
            }
            throw e;
        } finally {
            mu.unlock();
        }
        FileLock turnstile = null;
        FileLock exclusiveRoom = null;
        try {
            turnstile = poll(TURNSTILE, false);
            exclusiveRoom = turnstile == null ? null : poll(ROOM, false);
            measurementWaitNanos.add(System.nanoTime() - start);
            measurementCount.increment();
            if (exclusiveRoom != null) {
                hostWideMeasurements.increment();
            }
            return new Exclusive<>(measurement.get(), exclusiveRoom != null);
        } finally {
            release(exclusiveRoom);
            release(turnstile);
            mu.lock();
            try {
                measuring = false;
                changed.signalAll();
            } finally {
                mu.unlock();
            }
        }
    }

    /** Passes the turnstile, then takes the room shared; null when the file cannot be used. */
    private FileLock acquireRoomShared() {
        FileLock pass = poll(TURNSTILE, true);
        if (pass == null) {
            return null;
        }
        release(pass);
        return poll(ROOM, true);
    }

    /** Takes a region, polling until it is free; null if the file cannot be used. */
    private FileLock poll(long region, boolean shared) {
        long pause = 1;
        while (true) {
            if (Thread.currentThread().isInterrupted()) {
                throw new CancellationException("interrupted while waiting for the measurement lock " + file);
            }
            try {
                FileLock lock = channel().tryLock(region, 1, shared);
                if (lock != null) {
                    return lock;
                }
            } catch (ClosedChannelException e) {
                reopenLater();
                continue;
            } catch (IOException | RuntimeException e) {
                return broken(e);
            }
            try {
                Thread.sleep(pause);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CancellationException("interrupted while waiting for the measurement lock " + file);
            }
            pause = Math.min(pause * 2, shared ? 20 : 2);
        }
    }

    private synchronized FileChannel channel() throws IOException {
        if (fileBroken) {
            throw new IOException("unusable");
        }
        if (channel == null || !channel.isOpen()) {
            Files.createDirectories(file.getParent());
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        }
        return channel;
    }

    private synchronized void reopenLater() {
        LOG.warn("the measurement lock file {} was closed by an interrupted thread; reopening it", file);
        channel = null;
    }

    private synchronized FileLock broken(Exception e) {
        if (!fileBroken) {
            LOG.warn("cannot use the measurement lock file {} ({}): latency measurements are kept apart within this "
                    + "process only; check {}", file, e.toString(), CpuSettings.LOCAL_DIR.env());
        }
        fileBroken = true;
        return null;
    }

    private void awaitChange() {
        try {
            changed.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CancellationException("interrupted while waiting for a latency measurement to end");
        }
    }

    private static void release(FileLock lock) {
        if (lock != null && lock.isValid()) {
            try {
                lock.release();
            } catch (IOException e) {
                LOG.debug("releasing {}: {}", lock, e.toString());
            }
        }
    }
}
