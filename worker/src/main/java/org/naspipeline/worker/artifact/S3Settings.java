package org.naspipeline.worker.artifact;

import java.net.URI;
import java.util.Locale;
import java.util.regex.Pattern;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;

/**
 * How a worker reaches S3: an endpoint override for S3-compatible stores (null: AWS), the region requests are signed
 * for, path-style addressing ({@code endpoint/bucket/key}, which MinIO needs, instead of {@code bucket.endpoint/key}),
 * and the credentials (null: the AWS SDK's default chain, which reads {@code AWS_ACCESS_KEY_ID} /
 * {@code AWS_SECRET_ACCESS_KEY}, profiles, web identity tokens and container or instance roles).
 */
public record S3Settings(URI endpoint, String region, boolean pathStyle, AwsCredentialsProvider credentials) {
    /** The variable of the endpoint override. */
    public static final String ENDPOINT_VARIABLE = "NAS_S3_ENDPOINT";
    /** The variable of the region. */
    public static final String REGION_VARIABLE = "NAS_S3_REGION";
    /** The variable of path-style addressing. */
    public static final String PATH_STYLE_VARIABLE = "NAS_S3_PATH_STYLE";
    /** The region when none is configured. */
    public static final String DEFAULT_REGION = "us-east-1";
    /** Declared before {@link #AWS}, whose construction checks its region against it. */
    private static final Pattern REGION = Pattern.compile("[a-z0-9]+(-[a-z0-9]+)*");
    /** AWS itself, the default chain's credentials, virtual-hosted addressing. */
    public static final S3Settings AWS = new S3Settings(null, DEFAULT_REGION, false, null);

    /** Validates the settings; errors name the variable. */
    public S3Settings {
        if (region == null || !REGION.matcher(region).matches()) {
            throw new IllegalArgumentException(REGION_VARIABLE + ": must be a region name such as us-east-1 (got '"
                    + region + "')");
        }
    }

    /** These settings with other credentials (tests, embedded use); the environment is then not consulted. */
    public S3Settings withCredentials(AwsCredentialsProvider provider) {
        return new S3Settings(endpoint, region, pathStyle, provider);
    }

    /** The endpoint requests go to, for messages: the override, or AWS's for the region. */
    public String endpointText() {
        return endpoint != null ? endpoint.toString() : "https://s3." + region + ".amazonaws.com";
    }

    /** Parses an endpoint override: an {@code http://} or {@code https://} URL with a host and nothing after the port. */
    public static URI parseEndpoint(String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        String v = value.trim();
        try {
            URI uri = URI.create(v);
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            boolean bare = uri.getRawPath() == null || uri.getRawPath().isEmpty() || uri.getRawPath().equals("/");
            if ((scheme.equals("http") || scheme.equals("https")) && uri.getHost() != null && bare
                    && uri.getRawQuery() == null && uri.getRawFragment() == null && uri.getRawUserInfo() == null) {
                return uri;
            }
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(endpointError(v), e);
        }
        throw new IllegalArgumentException(endpointError(v));
    }

    private static String endpointError(String value) {
        return ENDPOINT_VARIABLE + ": must be an http:// or https:// URL of the S3 service with a host and optional "
                + "port, such as http://minio:9000 (got '" + value + "')";
    }

    /** Parses a boolean setting strictly, so a typo is not silently false. */
    public static boolean parseBoolean(String variable, String value) {
        String v = value == null ? "" : value.trim().toLowerCase(Locale.ROOT);
        return switch (v) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException(variable + ": must be true or false (got '" + value + "')");
        };
    }
}
