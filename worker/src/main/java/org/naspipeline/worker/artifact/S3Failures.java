package org.naspipeline.worker.artifact;

import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import javax.net.ssl.SSLException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Turns the SDK's exceptions into what the worker reports: start-up errors that name the variable to fix, and
 * {@link IOException}s for failed transfers, which the trial runner reports as retriable failures. Messages carry
 * the HTTP status, S3's error code and message, or the network problem, never exception class names.
 */
final class S3Failures {
    private static final String CREDENTIALS_HINT = "check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY or the role";

    private S3Failures() {}

    /** The start-up error for a failed bucket check. */
    static RuntimeException bucketCheck(String setting, String bucket, S3Settings settings, SdkException e) {
        String at = " at " + settings.endpointText();
        if (e instanceof S3Exception s3) {
            int status = s3.statusCode();
            if (status == 404) {
                return new IllegalArgumentException(setting + ": bucket '" + bucket + "' does not exist" + at
                        + " (create it, or correct the bucket name)", e);
            }
            if (status == 403) {
                return new IllegalArgumentException(setting + ": access denied to bucket '" + bucket + "'" + at
                        + " (" + CREDENTIALS_HINT + "; the identity needs s3:ListBucket, s3:GetObject, s3:PutObject and "
                        + "s3:DeleteObject on it)", e);
            }
            if (status == 301) {
                String region = s3.awsErrorDetails() == null ? null : s3.awsErrorDetails().sdkHttpResponse()
                        .firstMatchingHeader("x-amz-bucket-region").orElse(null);
                return new IllegalArgumentException(S3Settings.REGION_VARIABLE + ": bucket '" + bucket + "' is in "
                        + (region == null ? "another region" : "region '" + region + "'") + ", not '" + settings.region() + "'", e);
            }
            return new IllegalStateException(setting + ": cannot check bucket '" + bucket + "'" + at + ": " + describe(e), e);
        }
        return new IllegalStateException(S3Settings.ENDPOINT_VARIABLE + ": cannot reach " + settings.endpointText()
                + (settings.endpoint() == null ? " (unset: AWS for " + S3Settings.REGION_VARIABLE + ")" : "")
                + ": " + describe(e), e);
    }

    /** A failed transfer of {@code uri} as an {@link IOException}: "cannot upload s3://…: HTTP 403 AccessDenied: …". */
    static IOException transfer(String action, String uri, SdkException e) {
        String hint = e instanceof S3Exception s3 && s3.statusCode() == 403 ? " (" + CREDENTIALS_HINT + ")" : "";
        return new IOException("cannot " + action + " " + uri + ": " + describe(e) + hint, e);
    }

    /** Whether {@code e} is a 404 for the bucket itself (not for a key). */
    static boolean noSuchBucket(SdkException e) {
        return e instanceof S3Exception s3 && s3.statusCode() == 404 && s3.awsErrorDetails() != null
                && "NoSuchBucket".equals(s3.awsErrorDetails().errorCode());
    }

    /** What went wrong, in words: S3's answer, or the network problem at the root of a client-side failure. */
    static String describe(SdkException e) {
        if (e instanceof S3Exception s3) {
            StringBuilder b = new StringBuilder("HTTP ").append(s3.statusCode());
            if (s3.awsErrorDetails() != null && s3.awsErrorDetails().errorCode() != null) {
                b.append(' ').append(s3.awsErrorDetails().errorCode());
            }
            if (s3.awsErrorDetails() != null && s3.awsErrorDetails().errorMessage() != null) {
                b.append(": ").append(s3.awsErrorDetails().errorMessage());
            }
            return b.toString();
        }
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage() == null ? "" : root.getMessage();
        if (root instanceof UnknownHostException) {
            return "unknown host " + message;
        }
        if (root instanceof ConnectException) {
            return "connection failed (" + message + ")";
        }
        if (root instanceof SocketTimeoutException) {
            return "timed out (" + message + ")";
        }
        if (root instanceof SSLException) {
            return "TLS failed (" + message + ")";
        }
        // the SDK's own message (no class names in them unless it wraps a network exception, handled above)
        return e.getMessage() == null ? "request failed" : e.getMessage();
    }

    /**
     * The start-up error when the credentials chain finds nothing. The chain's own message lists its providers by
     * class name, so it is replaced, not shown.
     */
    static IllegalStateException noCredentials(String setting, String bucket, SdkClientException e) {
        return new IllegalStateException(setting + ": no AWS credentials found for bucket '" + bucket + "' (set "
                + "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or give the worker a role)", e);
    }
}
