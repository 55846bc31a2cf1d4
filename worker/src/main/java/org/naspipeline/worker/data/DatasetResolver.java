package org.naspipeline.worker.data;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds the Fashion-MNIST files, in this order: an explicit directory ({@code --data} / {@code NAS_DATA_DIR}),
 * the full set of the Debian package {@code dataset-fashion-mnist}, then the subset bundled in the repository.
 */
public final class DatasetResolver {
    /** Where the Debian package {@code dataset-fashion-mnist} installs the full set. */
    public static final Path SYSTEM_DIR = Path.of("/usr/share/datasets/fashion-mnist");
    /** The bundled subset, relative to the project root. */
    public static final Path BUNDLED_RELATIVE = Path.of("datasets", "fashion-mnist-mini");

    private final Path systemDir;
    private final List<Path> bundledCandidates;

    /** Resolves against the real system directory and the bundled subset under {@code projectRoots}. */
    public DatasetResolver(List<Path> projectRoots) {
        this(SYSTEM_DIR, projectRoots);
    }

    DatasetResolver(Path systemDir, List<Path> projectRoots) {
        this.systemDir = systemDir;
        this.bundledCandidates = projectRoots.stream().map(r -> r.resolve(BUNDLED_RELATIVE)).toList();
    }

    /** The default roots: {@code NAS_HOME} when set, then the working directory and its parent. */
    public static DatasetResolver fromEnvironment() {
        List<Path> roots = new ArrayList<>();
        String home = System.getenv("NAS_HOME");
        if (home != null && !home.isBlank()) {
            roots.add(Path.of(home));
        }
        Path cwd = Path.of("").toAbsolutePath();
        roots.add(cwd);
        if (cwd.getParent() != null) {
            roots.add(cwd.getParent());
        }
        return new DatasetResolver(roots);
    }

    /**
     * Picks the dataset directory.
     *
     * @param explicit a directory the user named, or null
     * @throws IllegalArgumentException when the named directory lacks the IDX files, or nothing is found
     */
    public ResolvedDataset resolve(Path explicit) {
        if (explicit != null) {
            List<String> missing = IdxFiles.missingFiles(explicit);
            if (!missing.isEmpty()) {
                throw new IllegalArgumentException("data directory " + explicit.toAbsolutePath()
                        + " lacks the Fashion-MNIST IDX files " + missing);
            }
            return new ResolvedDataset(explicit.toAbsolutePath(), "configured");
        }
        if (Files.isDirectory(systemDir) && IdxFiles.missingFiles(systemDir).isEmpty()) {
            return new ResolvedDataset(systemDir, "full (dataset-fashion-mnist package)");
        }
        for (Path bundled : bundledCandidates) {
            if (Files.isDirectory(bundled) && IdxFiles.missingFiles(bundled).isEmpty()) {
                return new ResolvedDataset(bundled.toAbsolutePath().normalize(), "bundled subset");
            }
        }
        throw new IllegalArgumentException("no Fashion-MNIST data found: set NAS_DATA_DIR or --data, install the "
                + "Debian package dataset-fashion-mnist, or run from the project root (looked in " + systemDir
                + " and " + bundledCandidates + ")");
    }

    /** A dataset directory and a word on where it came from. */
    public record ResolvedDataset(Path dir, String source) {
        @Override
        public String toString() {
            return dir + " (" + source + ")";
        }
    }
}
