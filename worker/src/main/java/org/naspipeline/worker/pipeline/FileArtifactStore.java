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
 * Stores each attempt under {@code root/experimentId/trialId/attempt-N/}: the DJL model files
 * ({@code model/model-0000.params}) of an uncompressed model or the {@code model.nasm} file of a compressed one,
 * {@code candidate.json} and {@code metrics.json}.
 */
public final class FileArtifactStore implements ArtifactStore {
    private static final String MODEL_NAME = "model";
    private final Path root;

    /** A store rooted at {@code root}. */
    public FileArtifactStore(Path root) {
        this.root = root.toAbsolutePath();
    }

    /** The file name of a compressed model in an attempt directory. */
    public static final String COMPRESSED_FILE = "model.nasm";

    private Path attemptDir(TrialRequest request) {
        return root.resolve(request.experimentId()).resolve(request.trialId()).resolve("attempt-" + request.attempt());
    }

    @Override
    public StoredArtifact saveCompressed(TrialRequest request, byte[] modelFile) throws IOException {
        Path dir = attemptDir(request);
        deleteRecursively(dir.resolve("model"));
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
        Path modelDir = dir.resolve("model");
        // A redelivered attempt runs again: replace what an earlier run left, so the size is this model's alone
        // (DJL numbers a second save in the same directory as a new epoch file instead of overwriting).
        deleteRecursively(modelDir);
        Files.createDirectories(modelDir);
        model.save(modelDir, MODEL_NAME);
        long bytes;
        try (Stream<Path> files = Files.list(modelDir)) {
            bytes = files.filter(Files::isRegularFile).mapToLong(FileArtifactStore::size).sum();
        }
        return new StoredArtifact(dir.toUri().toString(), bytes);
    }

    @Override
    public void attachMetadata(StoredArtifact artifact, TrialRequest request, TrialMetrics metrics) throws IOException {
        Path dir = Path.of(java.net.URI.create(artifact.uri()));
        Files.writeString(dir.resolve("candidate.json"), JsonCodec.writePretty(request.candidate()));
        Files.writeString(dir.resolve("metrics.json"), JsonCodec.writePretty(metrics));
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
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
