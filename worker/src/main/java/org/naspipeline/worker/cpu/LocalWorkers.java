package org.naspipeline.worker.cpu;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The workers running on this host, so that they divide its cores. Each registered worker holds an exclusive lock on
 * its own file ({@code worker-<pid>-<n>-<random>.slots}, holding its slot count) in a host-local directory; the operating
 * system drops the lock when the process ends, even by {@code kill -9}. Counting reads the files whose lock another
 * process holds, plus this JVM's own; a file nobody holds is a dead worker's and is deleted. A file is created under
 * a temporary name and renamed once locked, so a count never takes a starting worker's file for a dead one.
 *
 * <p>Containers on one host share it through a volume (docker-compose does so); a container with a CPU limit
 * needs it less, since its quota is its share, but then shares no measurement lock either.
 */
public final class LocalWorkers {
    private static final Logger LOG = LoggerFactory.getLogger(LocalWorkers.class);
    private static final String SUFFIX = ".slots";
    private static final AtomicLong SEQUENCE = new AtomicLong();
    /** This JVM's registrations by file: their locks cannot be tested from the JVM that holds them. */
    private static final Map<Path, Registration> OWN = new ConcurrentHashMap<>();

    private LocalWorkers() {}

    /** A worker's registration; closing it (or the process ending) removes it. */
    public static final class Registration implements AutoCloseable {
        private final Path file;
        private final int slots;
        private final FileChannel channel;

        private Registration(Path file, int slots, FileChannel channel) {
            this.file = file;
            this.slots = slots;
            this.channel = channel;
        }

        /** The registration file. */
        public Path file() {
            return file;
        }

        @Override
        public void close() {
            if (OWN.remove(file) == null) {
                return;
            }
            try {
                Files.deleteIfExists(file);
                channel.close(); // releases the lock
            } catch (IOException e) {
                LOG.debug("could not remove the worker registration {}: {}", file, e.toString());
            }
        }
    }

    /**
     * Registers a worker with {@code slots} slots in {@code dir}, creating the directory.
     *
     * @throws UncheckedIOException naming the directory when it cannot be written
     */
    public static Registration register(Path dir, int slots) {
        // the pid alone is not unique when containers with their own pid namespaces share the directory
        String name = "worker-" + ProcessHandle.current().pid() + "-" + SEQUENCE.incrementAndGet() + "-"
                + Long.toHexString(new java.security.SecureRandom().nextLong() >>> 1);
        Path temporary = dir.resolve(name + ".starting");
        Path file = dir.resolve(name + SUFFIX);
        FileChannel channel = null;
        try {
            Files.createDirectories(dir);
            channel = FileChannel.open(temporary, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                    StandardOpenOption.READ, StandardOpenOption.WRITE);
            channel.lock();
            channel.write(ByteBuffer.wrap((slots + "\n").getBytes(StandardCharsets.US_ASCII)));
            channel.force(false);
            Registration r = new Registration(file, slots, channel);
            OWN.put(file, r);
            Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE);
            return r;
        } catch (IOException e) {
            OWN.remove(file);
            closeQuietly(channel);
            throw new UncheckedIOException(CpuSettings.LOCAL_DIR.env() + ": cannot register this worker in " + dir + " ("
                    + e.getMessage() + "); set it to a writable host-local directory", e);
        }
    }

    /** The slots of every live worker registered in {@code dir}; deletes the files of dead ones. */
    public static int slots(Path dir) {
        int total = 0;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*" + SUFFIX)) {
            for (Path f : files) {
                Registration own = OWN.get(f);
                total += own != null ? own.slots : liveSlots(f);
            }
        } catch (IOException e) {
            LOG.debug("cannot list the worker registrations in {}: {}", dir, e.toString());
        }
        return total;
    }

    /** The slots in another process's registration file if that process holds its lock, else 0 (and the file goes). */
    private static int liveSlots(Path f) {
        try (FileChannel channel = FileChannel.open(f, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            FileLock probe;
            try {
                probe = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                return 0; // held in this JVM by a registration closed a moment ago
            }
            if (probe != null) {
                probe.release();
                Files.deleteIfExists(f); // nobody holds it: its worker is gone
                return 0;
            }
            ByteBuffer buffer = ByteBuffer.allocate(16);
            channel.read(buffer, 0);
            String text = new String(buffer.array(), 0, buffer.position(), StandardCharsets.US_ASCII).trim();
            int slots = Integer.parseInt(text);
            return slots > 0 && slots <= CpuSettings.MAX ? slots : 1;
        } catch (IOException | NumberFormatException e) {
            return 0; // vanished or unreadable: not counted
        }
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // nothing more to release
            }
        }
    }
}
