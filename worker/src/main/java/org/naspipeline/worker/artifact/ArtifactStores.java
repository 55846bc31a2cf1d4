package org.naspipeline.worker.artifact;

import org.naspipeline.worker.pipeline.ArtifactStore;
import org.naspipeline.worker.pipeline.FileArtifactStore;

/**
 * Opens the artifact store a location names: a path or {@code file:} URI gives a {@link FileArtifactStore}, an
 * {@code s3://} URI an {@link S3ArtifactStore}, checked at once (see {@link S3ArtifactStore#open}). Open one store
 * per worker process and share it between its slots.
 */
public final class ArtifactStores {
    /** The variable errors name unless the caller names another. */
    public static final String SETTING = "NAS_ARTIFACT_URI";

    private ArtifactStores() {}

    /** The store at {@code uri} ({@code NAS_ARTIFACT_URI}, or the directory of {@code NAS_ARTIFACT_DIR}). */
    public static ArtifactStore open(String uri, S3Settings s3) {
        return open(SETTING, uri, s3);
    }

    /** As {@link #open(String, S3Settings)}, with errors naming {@code setting} (e.g. a command-line option). */
    public static ArtifactStore open(String setting, String uri, S3Settings s3) {
        ArtifactLocation location = ArtifactLocation.parse(setting, uri);
        if (location instanceof ArtifactLocation.Bucket bucket) {
            return S3ArtifactStore.open(setting, bucket, s3);
        }
        return new FileArtifactStore(((ArtifactLocation.Directory) location).root());
    }
}
