package org.naspipeline.cli;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import org.naspipeline.cli.OnnxExport.Failure;
import org.naspipeline.worker.pipeline.ScratchDirectory;

/**
 * Writes a set of files into a directory (--out DIR) all or nothing: refuses files that exist unless forced, creates
 * DIR when missing, stages everything in a hidden directory inside DIR (so the final moves are renames on one file
 * system), and removes the staging directory, and DIR itself when this write created it and failed.
 */
final class StagedWrite {
    /** A file written: where, and how many bytes. */
    record Written(Path file, long bytes) {}

    /** Fills a directory of staged files. */
    interface Filler {
        void fill(Path staged) throws IOException;
    }

    private final Path dir;
    private final Path target;
    private final boolean force;

    /** A write into {@code dir} (as the user gave it, for messages); {@code force} replaces files of the same names. */
    StagedWrite(Path dir, boolean force) {
        this.dir = dir;
        this.target = dir.toAbsolutePath().normalize();
        this.force = force;
    }

    /** Writes {@code names}, which {@code filler} puts into the staging directory it is given; the files written. */
    List<Written> write(List<String> names, Filler filler) {
        if (Files.exists(target) && !Files.isDirectory(target)) {
            throw new Failure(2, "--out: " + dir + " is a file, not a directory");
        }
        List<String> existing = names.stream().filter(n -> Files.exists(target.resolve(n), LinkOption.NOFOLLOW_LINKS)).toList();
        if (!existing.isEmpty() && !force) {
            throw new Failure(2, "--out: " + dir + " already holds " + String.join(", ", existing)
                    + "; add --force to replace " + (existing.size() == 1 ? "it" : "them") + ", or choose another --out");
        }
        Path created = firstMissing(target);
        Path staging = null;
        List<Path> moved = new ArrayList<>();
        boolean done = false;
        try {
            Files.createDirectories(target);
            staging = Files.createTempDirectory(target, ".nas-export-");
            Path staged = Files.createDirectory(staging.resolve("files"));
            filler.fill(staged);
            List<Written> written = new ArrayList<>();
            for (String name : names) {
                Path to = target.resolve(name);
                long bytes = Files.size(staged.resolve(name));
                if (force) {
                    Files.move(staged.resolve(name), to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } else {
                    Files.move(staged.resolve(name), to, StandardCopyOption.ATOMIC_MOVE);
                }
                moved.add(to);
                written.add(new Written(dir.resolve(name), bytes));
            }
            done = true;
            return written;
        } catch (FileAlreadyExistsException e) {
            throw new Failure(2, "--out: " + e.getFile() + " is in the way: it is a file, not a directory");
        } catch (AccessDeniedException e) {
            throw new Failure(2, "--out: cannot write in " + dir + ": permission denied (" + e.getFile() + ")");
        } catch (IOException e) {
            throw new Failure(2, "--out: cannot write in " + dir + ": " + (e.getMessage() == null ? "input/output error" : e.getMessage()));
        } finally {
            if (!done) {
                undo(moved, existing);
            }
            remove(staging);
            if (!done && created != null) {
                remove(created);
            }
        }
    }

    /** Removes the files this export moved in that were not there before (replaced ones cannot be restored). */
    private void undo(List<Path> moved, List<String> existing) {
        for (Path p : moved) {
            if (!existing.contains(p.getFileName().toString())) {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    System.err.println("(could not remove " + p + ": " + e.getMessage() + ")");
                }
            }
        }
    }

    /** The topmost directory {@code dir} lacks on the way to it, or null when it exists. */
    private static Path firstMissing(Path dir) {
        Path missing = null;
        for (Path p = dir; p != null && !Files.exists(p); p = p.getParent()) {
            missing = p;
        }
        return missing;
    }

    private static void remove(Path p) {
        if (p == null) {
            return;
        }
        try {
            ScratchDirectory.deleteRecursively(p);
        } catch (IOException e) {
            System.err.println("(could not remove " + p + ": " + e.getMessage() + ")");
        }
    }
}
