package org.naspipeline.worker.artifact;

import java.nio.file.Path;

/**
 * Where models are saved, as {@code NAS_ARTIFACT_URI} names it: a local (or mounted) directory, given as a path or
 * a {@code file:///path} URI, or an S3 bucket with an optional key prefix, {@code s3://bucket/prefix}.
 */
public sealed interface ArtifactLocation permits ArtifactLocation.Directory, ArtifactLocation.Bucket {

    /** A directory on this machine or a mounted volume. */
    record Directory(Path root) implements ArtifactLocation {}

    /**
     * An S3 bucket and a key prefix: empty, or path segments each followed by a slash ({@code runs/} for
     * {@code s3://bucket/runs}, with or without its trailing slash).
     */
    record Bucket(String bucket, String prefix) implements ArtifactLocation {
        /** The {@code s3://} URI of {@code key} in this bucket. */
        public String uri(String key) {
            return "s3://" + bucket + "/" + key;
        }

        /** This location as an {@code s3://} URI, without a trailing slash. */
        public String uri() {
            return prefix.isEmpty() ? "s3://" + bucket : uri(prefix.substring(0, prefix.length() - 1));
        }
    }

    /**
     * Parses {@code value}; every malformed value is an {@link IllegalArgumentException} whose message starts with
     * {@code setting} (the variable or option it came from).
     */
    static ArtifactLocation parse(String setting, String value) {
        return LocationParser.parse(setting, value);
    }

    /**
     * Parses an {@code s3://bucket[/prefix]} URI (the scheme in any case), such as an attempt's {@code artifactUri};
     * errors say what is wrong without naming a setting.
     */
    static Bucket bucket(String value) {
        return LocationParser.bucket(value);
    }
}
