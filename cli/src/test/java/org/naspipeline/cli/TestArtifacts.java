package org.naspipeline.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.naspipeline.worker.artifact.ArtifactLocation;
import org.naspipeline.worker.artifact.ArtifactStores;
import org.naspipeline.worker.artifact.S3Settings;
import org.naspipeline.worker.artifact.S3TestServer;
import org.naspipeline.worker.pipeline.ArtifactStore;

/**
 * Where an end-to-end test's workers keep their models: {@code file} (a directory under the test's work directory,
 * as before) or {@code s3} (a bucket of an in-process S3 server). Reads go to the disk or to the server itself, never
 * through the store under test.
 */
final class TestArtifacts implements AutoCloseable {
    static final String BUCKET = "nas-e2e";

    private final Path dir;
    private final S3TestServer server;

    private TestArtifacts(Path dir, S3TestServer server) {
        this.dir = dir;
        this.server = server;
    }

    /** {@code kind} is {@code file} or {@code s3}. */
    static TestArtifacts of(String kind, Path work) throws Exception {
        if (kind.equals("file")) {
            return new TestArtifacts(work, null);
        }
        S3TestServer server = S3TestServer.start();
        server.createBucket(BUCKET);
        return new TestArtifacts(null, server);
    }

    /** The location under {@code name} ({@code NAS_ARTIFACT_URI} of workers saving there). */
    String uri(String name) {
        return server == null ? dir.resolve(name).toString() : "s3://" + BUCKET + "/" + name;
    }

    /** How workers reach the server (AWS defaults for files, where nothing reads them). */
    S3Settings s3() {
        return server == null ? S3Settings.AWS : server.settings();
    }

    /** A store saving under {@code name}, as a worker would open it. */
    ArtifactStore store(String name) {
        return ArtifactStores.open(uri(name), s3());
    }

    /** The URI a store under {@code name} reports for an attempt. */
    String attemptUri(String name, String experiment, String trial, int attempt) {
        String path = name + "/" + experiment + "/" + trial + "/attempt-" + attempt;
        return server == null ? dir.resolve(path).toUri().toString() : "s3://" + BUCKET + "/" + path;
    }

    /** The files of the attempt at {@code attemptUri}, relative to it ({@code model.nasm}, {@code model/…}). */
    Set<String> files(String attemptUri) throws IOException {
        Set<String> names = new TreeSet<>();
        if (server == null) {
            Path attempt = Path.of(java.net.URI.create(attemptUri));
            try (Stream<Path> walk = Files.walk(attempt)) {
                walk.filter(Files::isRegularFile).forEach(p -> names.add(attempt.relativize(p).toString()));
            }
        } else {
            String prefix = ArtifactLocation.bucket(attemptUri).prefix();
            server.objects(BUCKET, prefix).keySet().forEach(k -> names.add(k.substring(prefix.length())));
        }
        return names;
    }

    /** The content of {@code file} in the attempt at {@code attemptUri}. */
    byte[] read(String attemptUri, String file) throws IOException {
        if (server == null) {
            return Files.readAllBytes(Path.of(java.net.URI.create(attemptUri)).resolve(file));
        }
        return server.read(BUCKET, ArtifactLocation.bucket(attemptUri).prefix() + file);
    }

    @Override
    public void close() throws Exception {
        if (server != null) {
            server.close();
        }
    }
}
