package org.naspipeline.worker.pipeline;

import ai.djl.Model;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.naspipeline.api.JsonCodec;
import org.naspipeline.api.TrialMetrics;
import org.naspipeline.api.TrialRequest;

/**
 * Stores each attempt under {@code root/experimentId/trialId/attempt-N/} (the layout of {@link ArtifactStore}) and
 * reports {@code file:} URIs of attempt directories, which end with a slash.
 */
public final class FileArtifactStore implements ArtifactStore {
    private final Path root;

    /** A store rooted at {@code root}. */
    public FileArtifactStore(Path root) {
        this.root = root.toAbsolutePath();
    }

    private Path attemptDir(TrialRequest request) {
        return root.resolve(request.experimentId()).resolve(request.trialId()).resolve("attempt-" + request.attempt());
    }

    @Override
    public StoredArtifact saveCompressed(TrialRequest request, byte[] modelFile) throws IOException {
        Path dir = attemptDir(request);
        ScratchDirectory.deleteRecursively(dir.resolve(MODEL_DIR));
        deleteDeployable(dir);
        Files.createDirectories(dir);
        Path file = dir.resolve(COMPRESSED_FILE);
        Files.write(file, modelFile);
        return new StoredArtifact(dir.toUri().toString(), Files.size(file));
    }

    @Override
    public byte[] readCompressed(StoredArtifact artifact) throws IOException {
        return Files.readAllBytes(Path.of(java.net.URI.create(artifact.uri())).resolve(COMPRESSED_FILE));
    }

    @Override
    public StoredArtifact saveModel(TrialRequest request, Model model) throws IOException {
        Path dir = attemptDir(request);
        Files.deleteIfExists(dir.resolve(COMPRESSED_FILE));
        deleteDeployable(dir);
        Path modelDir = dir.resolve(MODEL_DIR);
        // A redelivered attempt runs again: replace what an earlier run left, so the size is this model's alone
        // (DJL numbers a second save in the same directory as a new epoch file instead of overwriting).
        ScratchDirectory.deleteRecursively(modelDir);
        Files.createDirectories(modelDir);
        model.save(modelDir, MODEL_DIR);
        long bytes;
        try (Stream<Path> files = Files.list(modelDir)) {
            bytes = files.filter(Files::isRegularFile).mapToLong(FileArtifactStore::size).sum();
        }
        return new StoredArtifact(dir.toUri().toString(), bytes);
    }

    /** Removes the ONNX files an earlier run of the attempt saved, so that none of them outlives its model. */
    private static void deleteDeployable(Path dir) throws IOException {
        Files.deleteIfExists(dir.resolve(ONNX_FILE));
        Files.deleteIfExists(dir.resolve(ONNX_INT8_FILE));
    }

    @Override
    public void saveFile(StoredArtifact artifact, String name, byte[] bytes) throws IOException {
        Files.write(Path.of(java.net.URI.create(artifact.uri())).resolve(name), bytes);
    }

    @Override
    public void attachMetadata(StoredArtifact artifact, TrialRequest request, TrialMetrics metrics) throws IOException {
        Path dir = Path.of(java.net.URI.create(artifact.uri()));
        Files.writeString(dir.resolve(CANDIDATE_FILE), JsonCodec.writePretty(request.candidate()));
        Files.writeString(dir.resolve(METRICS_FILE), JsonCodec.writePretty(metrics));
    }

    /** Reads a file under this store's root; a path outside it (after {@code ..} is resolved) is refused. */
    @Override
    public byte[] readFile(String uri, long maxBytes) throws IOException {
        Path file = localDirectory(uri).toAbsolutePath().normalize();
        if (!file.startsWith(root.normalize())) {
            throw new IllegalArgumentException("'" + uri + "' is outside this worker's artifact directory " + root);
        }
        long size = Files.size(file); // NoSuchFileException when lost
        if (size > maxBytes) {
            throw new IOException(uri + " has " + size + " bytes, more than the " + maxBytes + " expected");
        }
        return Files.readAllBytes(file);
    }

    /** A local attempt is read where it is; nothing is copied into {@code into}. */
    @Override
    public Path fetch(String uri, Path into) {
        return localDirectory(uri);
    }

    /**
     * The directory of a {@code file:} URI (or a plain path) of a trial attempt; other schemes are refused, since
     * this worker has no client for them.
     */
    public static Path localDirectory(String uri) {
        if (uri.startsWith("file:")) {
            try {
                return Path.of(java.net.URI.create(uri));
            } catch (IllegalArgumentException | java.nio.file.FileSystemNotFoundException e) {
                throw new IllegalArgumentException("'" + uri + "' is not a file: URI of a trial attempt directory");
            }
        }
        if (uri.matches("^[A-Za-z][A-Za-z0-9+.-]*://.*")) {
            throw new IllegalArgumentException("'" + uri + "' cannot be read by this worker: it keeps its models in "
                    + "files and reads s3:// attempts only when NAS_ARTIFACT_URI is an s3:// URI");
        }
        try {
            return Path.of(uri);
        } catch (java.nio.file.InvalidPathException e) {
            throw new IllegalArgumentException("'" + uri + "' is not a path of a trial attempt directory");
        }
    }

    private static long size(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
