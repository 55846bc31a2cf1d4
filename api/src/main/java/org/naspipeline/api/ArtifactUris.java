package org.naspipeline.api;

/** Which artifact URIs a spec may name as a trained model (a teacher, a base model): those workers can read. */
final class ArtifactUris {
    private ArtifactUris() {}

    /** Whether a worker can read a trial attempt at {@code uri}: a {@code file:} or an {@code s3://} URI. */
    static boolean readable(String uri) {
        return uri.startsWith("file:") || uri.startsWith("s3://");
    }

    /** The error for a URI that is not {@link #readable}. */
    static String unreadable(String uri) {
        return "must be the artifactUri of a completed trial: a file: or s3:// URI of a trial attempt (got '" + uri + "')";
    }
}
