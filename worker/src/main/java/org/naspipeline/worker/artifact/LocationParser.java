package org.naspipeline.worker.artifact;

import java.net.URI;
import java.nio.file.FileSystemNotFoundException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.regex.Pattern;

/** Parses artifact locations: paths, {@code file:} URIs and {@code s3://} URIs with S3's bucket naming rules. */
final class LocationParser {
    private LocationParser() {}

    /**
     * Parses {@code value}; every malformed value is an {@link IllegalArgumentException} whose message starts with
     * {@code setting} (the variable or option it came from).
     */
    static ArtifactLocation parse(String setting, String value) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(setting + ": is empty (expected a path, file:///path or s3://bucket/prefix)");
        }
        String v = value.trim();
        String lower = v.toLowerCase(Locale.ROOT);
        try {
            if (lower.startsWith("s3:")) {
                return bucket(v);
            }
            if (lower.startsWith("file:")) {
                return new ArtifactLocation.Directory(fileUri(v));
            }
            if (SCHEME.matcher(v).lookingAt()) {
                throw new IllegalArgumentException("unsupported scheme '" + v.substring(0, v.indexOf(':'))
                        + "' in '" + v + "' (expected a path, file:///path or s3://bucket/prefix)");
            }
            return new ArtifactLocation.Directory(Path.of(v));
        } catch (IllegalArgumentException e) { // also an invalid path
            throw new IllegalArgumentException(setting + ": " + e.getMessage(), e);
        }
    }

    /** A URI scheme followed by {@code //}: what tells a URI from a path that happens to contain a colon. */
    private static final Pattern SCHEME = Pattern.compile("^[A-Za-z][A-Za-z0-9+.-]*://");

    static ArtifactLocation.Bucket bucket(String value) {
        if (!value.toLowerCase(Locale.ROOT).startsWith("s3://")) {
            throw new IllegalArgumentException("'" + value + "' is not an s3:// URI (expected s3://bucket or s3://bucket/prefix)");
        }
        String rest = value.substring("s3://".length());
        int slash = rest.indexOf('/');
        String bucket = slash < 0 ? rest : rest.substring(0, slash);
        String path = slash < 0 ? "" : rest.substring(slash + 1);
        if (bucket.isEmpty()) {
            throw new IllegalArgumentException("'" + value + "' names no bucket (expected s3://bucket or s3://bucket/prefix)");
        }
        BucketNames.check(bucket);
        StringBuilder prefix = new StringBuilder();
        String trimmed = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
        if (!trimmed.isEmpty()) {
            for (String segment : trimmed.split("/", -1)) {
                if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
                    throw new IllegalArgumentException("'" + value + "' has an empty, '.' or '..' segment in its key prefix");
                }
                if (!SEGMENT.matcher(segment).matches()) {
                    throw new IllegalArgumentException("'" + value + "' has a key prefix segment '" + segment
                            + "' with characters other than letters, digits and - _ . ! * ' ( ) = +");
                }
                prefix.append(segment).append('/');
            }
        }
        return new ArtifactLocation.Bucket(bucket, prefix.toString());
    }

    /**
     * Characters of a key prefix segment: S3's "safe" key characters (letters, digits, {@code -_.!*'()}) plus
     * {@code =} and {@code +}, so a prefix never needs escaping in a URI, a shell or a manifest.
     */
    private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9\\-_.!*'()=+]+");

    private static Path fileUri(String value) {
        try {
            return Path.of(URI.create(value));
        } catch (IllegalArgumentException | FileSystemNotFoundException e) {
            throw new IllegalArgumentException("'" + value + "' is not a file URI of a local directory "
                    + "(expected file:///absolute/path)");
        }
    }

    /** The S3 naming rules for general purpose buckets, checked before any request so a typo fails at start-up. */
    private static final class BucketNames {
        private static final Pattern CHARACTERS = Pattern.compile("[a-z0-9.-]+");
        private static final Pattern IP_ADDRESS = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
        private static final String[] RESERVED_PREFIXES = {"xn--", "sthree-", "amzn-s3-demo-"};
        private static final String[] RESERVED_SUFFIXES = {"-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"};

        private BucketNames() {}

        static void check(String name) {
            String problem = problem(name);
            if (problem != null) {
                throw new IllegalArgumentException("'" + name + "' is not a valid S3 bucket name: " + problem);
            }
        }

        private static String problem(String name) {
            if (name.length() < 3 || name.length() > 63) {
                return "it must be 3 to 63 characters long (got " + name.length() + ")";
            }
            if (!CHARACTERS.matcher(name).matches()) {
                return "only lower-case letters, digits, '.' and '-' are allowed";
            }
            if (!Character.isLetterOrDigit(name.charAt(0)) || !Character.isLetterOrDigit(name.charAt(name.length() - 1))) {
                return "it must begin and end with a letter or digit";
            }
            if (name.contains("..")) {
                return "it must not contain two adjacent periods";
            }
            if (IP_ADDRESS.matcher(name).matches()) {
                return "it must not look like an IP address";
            }
            for (String p : RESERVED_PREFIXES) {
                if (name.startsWith(p)) {
                    return "the prefix '" + p + "' is reserved";
                }
            }
            for (String s : RESERVED_SUFFIXES) {
                if (name.endsWith(s)) {
                    return "the suffix '" + s + "' is reserved";
                }
            }
            return null;
        }
    }
}
