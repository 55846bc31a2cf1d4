package org.naspipeline.worker.data;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.naspipeline.api.DatasetSpec;

/**
 * Finds a dataset's directory, in this order: the configured directory ({@code --data} / {@code NAS_DATA_DIR};
 * its subdirectory named after the dataset when there is one), the system directory
 * {@code /usr/share/datasets/<name>} (where the Debian package {@code dataset-fashion-mnist} installs the full
 * Fashion-MNIST), then the subset bundled in the repository ({@code datasets/<name>-mini}).
 */
public final class DatasetResolver {
    /** Where Debian's dataset packages install. */
    public static final Path SYSTEM_ROOT = Path.of("/usr/share/datasets");

    private final Path systemRoot;
    private final List<Path> projectRoots;

    /** Resolves against the real system directory and the bundled subsets under {@code projectRoots}. */
    public DatasetResolver(List<Path> projectRoots) {
        this(SYSTEM_ROOT, projectRoots);
    }

    DatasetResolver(Path systemRoot, List<Path> projectRoots) {
        this.systemRoot = systemRoot;
        this.projectRoots = List.copyOf(projectRoots);
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

    /** Resolves Fashion-MNIST (the default dataset). */
    public ResolvedDataset resolve(Path explicit) {
        return resolve(new DatasetSpec("fashion-mnist", null, null), explicit);
    }

    /**
     * Picks the directory of {@code spec}'s dataset.
     *
     * @param explicit a directory the user configured, or null
     * @throws IllegalArgumentException when the configured directory lacks the files, or nothing is found
     */
    public ResolvedDataset resolve(DatasetSpec spec, Path explicit) {
        DatasetLoader loader = Datasets.loader(spec);
        if (explicit != null) {
            Path named = explicit.resolve(spec.name());
            Path dir = Files.isDirectory(named) ? named : explicit;
            if (!loader.missingFiles(dir).isEmpty()) {
                throw new IllegalArgumentException("data directory " + dir.toAbsolutePath() + " lacks the " + spec.name()
                        + " files " + loader.describeMissing(dir));
            }
            return new ResolvedDataset(spec.name(), dir.toAbsolutePath().normalize(), "configured");
        }
        Path system = systemRoot.resolve(spec.name());
        if (Files.isDirectory(system) && loader.missingFiles(system).isEmpty()) {
            return new ResolvedDataset(spec.name(), system, "full set in " + systemRoot);
        }
        List<Path> tried = new ArrayList<>(List.of(system));
        for (Path root : projectRoots) {
            Path bundled = root.resolve("datasets").resolve(spec.name() + "-mini");
            tried.add(bundled);
            if (Files.isDirectory(bundled) && loader.missingFiles(bundled).isEmpty()) {
                return new ResolvedDataset(spec.name(), bundled.toAbsolutePath().normalize(), "bundled subset");
            }
        }
        throw new IllegalArgumentException("no " + spec.name() + " data found: set NAS_DATA_DIR or --data"
                + ("fashion-mnist".equals(spec.name()) ? ", install the Debian package dataset-fashion-mnist," : "")
                + " or run from the project root (looked in " + tried + ")");
    }

    /** A dataset directory and a word on where it came from. */
    public record ResolvedDataset(String name, Path dir, String source) {
        @Override
        public String toString() {
            return dir + " (" + source + ")";
        }
    }
}
