package org.naspipeline.worker.artifact;

import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.blobstore.BlobStore;
import org.gaul.s3proxy.nio2blob.TransientNio2BlobStore;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * An in-process S3 server for tests: s3proxy over an in-memory blob store, on 127.0.0.1 and a free port, that
 * checks AWS v2/v4 signatures against {@link #ACCESS_KEY} / {@link #SECRET_KEY}, so wrong credentials are refused
 * as a real S3 refuses them. Assertions read the blob store directly, not through the code under test.
 */
public final class S3TestServer implements AutoCloseable {
    /** The access key the server accepts. */
    public static final String ACCESS_KEY = "nas-test-access-key";
    /** The secret that goes with {@link #ACCESS_KEY}. */
    public static final String SECRET_KEY = "nas-test-secret-key";

    private final S3Proxy proxy;
    private final BlobStore blobs;
    private final URI endpoint;
    private final String accessKey;
    private final String secretKey;

    private S3TestServer(S3Proxy proxy, BlobStore blobs, URI endpoint, String accessKey, String secretKey) {
        this.proxy = proxy;
        this.blobs = blobs;
        this.endpoint = endpoint;
        this.accessKey = accessKey;
        this.secretKey = secretKey;
    }

    /** Starts a server with no buckets. */
    public static S3TestServer start() throws Exception {
        return start("127.0.0.1", freePort(), ACCESS_KEY, SECRET_KEY);
    }

    /**
     * Starts a server with no buckets on {@code host}:{@code port}, accepting {@code accessKey} / {@code secretKey}
     * (a stand-in for a MinIO with those root credentials).
     */
    public static S3TestServer start(String host, int port, String accessKey, String secretKey) throws Exception {
        BlobStore blobs = new TransientNio2BlobStore();
        URI endpoint = URI.create("http://" + host + ":" + port);
        S3Proxy proxy = S3Proxy.builder()
                .blobStore(blobs)
                .endpoint(endpoint)
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, accessKey, secretKey)
                .build();
        proxy.start();
        try {
            Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(10))
                    .until(() -> "STARTED".equals(proxy.getState()));
        } catch (ConditionTimeoutException e) {
            proxy.stop();
            throw new IllegalStateException("s3proxy did not start: " + proxy.getState(), e);
        }
        return new S3TestServer(proxy, blobs, endpoint, accessKey, secretKey);
    }

    /** A port nobody listens on right now (there is a small window in which another process may take it). */
    public static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /** The server's URL, e.g. {@code http://127.0.0.1:41234}. */
    public URI endpoint() {
        return endpoint;
    }

    /** Settings that reach this server with the right credentials (path-style, as for MinIO). */
    public S3Settings settings() {
        return settingsWithSecret(secretKey);
    }

    /** Settings that reach this server with the right access key and {@code secret}. */
    public S3Settings settingsWithSecret(String secret) {
        return new S3Settings(endpoint, S3Settings.DEFAULT_REGION, true,
                StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKey, secret)));
    }

    /** Creates a bucket. */
    public void createBucket(String bucket) {
        blobs.createContainer(bucket);
    }

    /** Deletes a bucket and everything in it. */
    public void deleteBucket(String bucket) {
        blobs.deleteContainer(bucket);
    }

    /** The objects under {@code prefix} in {@code bucket} with their sizes, by key. */
    public Map<String, Long> objects(String bucket, String prefix) {
        Map<String, Long> found = new TreeMap<>();
        String token = null;
        do {
            ListObjectsV2Response page = blobs.list(ListObjectsV2Request.builder().bucket(bucket).prefix(prefix)
                    .continuationToken(token).build());
            for (S3Object o : page.contents()) {
                found.put(o.key(), o.size());
            }
            token = Boolean.TRUE.equals(page.isTruncated()) ? page.nextContinuationToken() : null;
        } while (token != null);
        return found;
    }

    /** The content of an object. */
    public byte[] read(String bucket, String key) throws IOException {
        try (InputStream in = blobs.getBlob(bucket, key)) {
            return in.readAllBytes();
        }
    }

    /** Stops serving; requests are refused from now on. */
    public void stop() throws Exception {
        proxy.stop();
    }

    @Override
    public void close() throws Exception {
        proxy.stop();
        blobs.close();
    }
}
