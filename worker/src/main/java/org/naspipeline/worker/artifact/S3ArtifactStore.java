package org.naspipeline.worker.artifact;

import ai.djl.Model;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.naspipeline.api.JsonCodec;
import org.naspipeline.api.TrialMetrics;
import org.naspipeline.api.TrialRequest;
import org.naspipeline.worker.pipeline.ArtifactStore;
import org.naspipeline.worker.pipeline.FileArtifactStore;
import org.naspipeline.worker.pipeline.ScratchDirectory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.core.sync.ResponseTransformer;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Stores each attempt in an S3 bucket under {@code s3://bucket/prefix/experimentId/trialId/attempt-N/}, in the
 * layout of {@link ArtifactStore}. The reported URI is {@code s3://bucket/prefix/experimentId/trialId/attempt-N}
 * without a trailing slash; it names the "directory" {@code attempt-N/}, so {@code attempt-1} never reads the
 * objects of {@code attempt-10}, and readers accept it with or without the slash. A DJL model is saved to a local
 * temporary directory first and then uploaded; a redelivered attempt first deletes every object its earlier run
 * left, so the reported size is this model's alone. Every SDK failure becomes an {@link IOException}, which the
 * trial runner reports as a retriable failure. One client per store; it is thread-safe, so slots share it.
 */
public final class S3ArtifactStore implements ArtifactStore, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(S3ArtifactStore.class);

    private final S3Client s3;
    private final ArtifactLocation.Bucket root;

    private S3ArtifactStore(S3Client s3, ArtifactLocation.Bucket root) {
        this.s3 = s3;
        this.root = root;
    }

    /**
     * Opens a store on {@code root} and checks, before any trial runs, that credentials are found and the bucket
     * exists and answers them (HeadBucket). A failed check is an {@link IllegalArgumentException} or
     * {@link IllegalStateException} naming the variable to fix: {@code setting} for the bucket and credentials,
     * {@code NAS_S3_ENDPOINT} for a service that cannot be reached, {@code NAS_S3_REGION} for a bucket elsewhere.
     */
    public static S3ArtifactStore open(String setting, ArtifactLocation.Bucket root, S3Settings settings) {
        AwsCredentialsProvider credentials = settings.credentials() != null ? settings.credentials()
                : DefaultCredentialsProvider.builder().build();
        try {
            credentials.resolveCredentials();
        } catch (SdkClientException e) {
            throw S3Failures.noCredentials(setting, root.bucket(), e);
        }
        S3Client client = client(settings, credentials);
        try {
            client.headBucket(b -> b.bucket(root.bucket()));
        } catch (SdkException e) {
            client.close();
            throw S3Failures.bucketCheck(setting, root.bucket(), settings, e);
        }
        LOG.info("artifacts: {} at {} (region {}, {} addressing)", root.uri(), settings.endpointText(), settings.region(),
                settings.pathStyle() ? "path-style" : "virtual-hosted");
        return new S3ArtifactStore(client, root);
    }

    private static S3Client client(S3Settings settings, AwsCredentialsProvider credentials) {
        S3ClientBuilder builder = S3Client.builder()
                .region(Region.of(settings.region()))
                .credentialsProvider(credentials)
                .forcePathStyle(settings.pathStyle())
                // a dead endpoint fails within seconds; a slow upload of a large model still has time per read/write
                .httpClientBuilder(UrlConnectionHttpClient.builder()
                        .connectionTimeout(Duration.ofSeconds(5))
                        .socketTimeout(Duration.ofSeconds(60)));
        if (settings.endpoint() != null) {
            builder.endpointOverride(settings.endpoint());
        }
        return builder.build();
    }

    @Override
    public StoredArtifact saveModel(TrialRequest request, Model model) throws IOException {
        String attempt = attemptPrefix(request);
        try (ScratchDirectory scratch = ScratchDirectory.create("nas-upload-")) {
            model.save(scratch.path(), MODEL_DIR);
            List<Path> files;
            try (Stream<Path> listed = Files.list(scratch.path())) {
                files = listed.filter(Files::isRegularFile).sorted().toList();
            }
            deleteAll(attempt);
            long bytes = 0;
            for (Path file : files) {
                put(attempt + MODEL_DIR + "/" + file.getFileName(), RequestBody.fromFile(file));
                bytes += Files.size(file);
            }
            return new StoredArtifact(attemptUri(attempt), bytes);
        }
    }

    @Override
    public StoredArtifact saveCompressed(TrialRequest request, byte[] modelFile) throws IOException {
        String attempt = attemptPrefix(request);
        deleteAll(attempt);
        put(attempt + COMPRESSED_FILE, RequestBody.fromBytes(modelFile));
        return new StoredArtifact(attemptUri(attempt), modelFile.length);
    }

    @Override
    public byte[] readCompressed(StoredArtifact artifact) throws IOException {
        ArtifactLocation.Bucket at = ArtifactLocation.bucket(artifact.uri());
        String key = at.prefix() + COMPRESSED_FILE;
        try {
            return s3.getObjectAsBytes(r -> r.bucket(at.bucket()).key(key)).asByteArray();
        } catch (SdkException e) {
            throw S3Failures.transfer("download", at.uri(key), e);
        }
    }

    @Override
    public void saveFile(StoredArtifact artifact, String name, byte[] bytes) throws IOException {
        put(ArtifactLocation.bucket(artifact.uri()).prefix() + name, RequestBody.fromBytes(bytes));
    }

    @Override
    public void attachMetadata(StoredArtifact artifact, TrialRequest request, TrialMetrics metrics) throws IOException {
        String attempt = ArtifactLocation.bucket(artifact.uri()).prefix();
        put(attempt + CANDIDATE_FILE, RequestBody.fromString(JsonCodec.writePretty(request.candidate()), StandardCharsets.UTF_8));
        put(attempt + METRICS_FILE, RequestBody.fromString(JsonCodec.writePretty(metrics), StandardCharsets.UTF_8));
    }

    /**
     * Reads one object of this store's bucket under its prefix; another scheme, bucket or prefix, or a key with a
     * {@code ..} segment, is refused. A missing object is a {@link NoSuchFileException}.
     */
    @Override
    public byte[] readFile(String uri, long maxBytes) throws IOException {
        if (!uri.toLowerCase(Locale.ROOT).startsWith("s3:")) {
            throw new IllegalArgumentException("'" + uri + "' is not in this worker's artifact bucket " + root.uri());
        }
        ArtifactLocation.Bucket at = ArtifactLocation.bucket(uri);
        String key = at.prefix().endsWith("/") ? at.prefix().substring(0, at.prefix().length() - 1) : at.prefix();
        if (!at.bucket().equals(root.bucket()) || !key.startsWith(root.prefix()) || key.length() == root.prefix().length()
                || ("/" + key + "/").contains("/../")) {
            throw new IllegalArgumentException("'" + uri + "' is outside this worker's artifact location " + root.uri());
        }
        try {
            long size = s3.headObject(r -> r.bucket(at.bucket()).key(key)).contentLength();
            if (size > maxBytes) {
                throw new IOException(uri + " has " + size + " bytes, more than the " + maxBytes + " expected");
            }
            return s3.getObjectAsBytes(r -> r.bucket(at.bucket()).key(key)).asByteArray();
        } catch (NoSuchKeyException e) {
            throw new NoSuchFileException(uri);
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                throw new NoSuchFileException(uri);
            }
            throw S3Failures.transfer("download", uri, e);
        } catch (SdkException e) {
            throw S3Failures.transfer("download", uri, e);
        }
    }

    /**
     * Downloads every object of the attempt at an {@code s3://} URI (any bucket these credentials may read) into
     * {@code into}; a {@code file:} URI is read in place, as the file store does.
     */
    @Override
    public Path fetch(String uri, Path into) throws IOException {
        if (!uri.toLowerCase(Locale.ROOT).startsWith("s3:")) {
            return FileArtifactStore.localDirectory(uri);
        }
        ArtifactLocation.Bucket at = ArtifactLocation.bucket(uri);
        if (at.prefix().isEmpty()) {
            throw new IllegalArgumentException("'" + uri + "' names a bucket, not a trial attempt");
        }
        Path base = into.toAbsolutePath().normalize();
        try {
            for (S3Object object : s3.listObjectsV2Paginator(r -> r.bucket(at.bucket()).prefix(at.prefix())).contents()) {
                String relative = object.key().substring(at.prefix().length());
                if (relative.isEmpty() || relative.endsWith("/")) {
                    continue; // folder markers some tools write
                }
                Path target = base.resolve(relative).normalize();
                if (!target.startsWith(base)) {
                    throw new IllegalArgumentException("'" + uri + "' holds an object outside it: " + object.key());
                }
                Files.createDirectories(target.getParent());
                s3.getObject(r -> r.bucket(at.bucket()).key(object.key()), ResponseTransformer.toFile(target));
            }
        } catch (SdkException e) {
            if (S3Failures.noSuchBucket(e)) {
                throw new IllegalArgumentException("the bucket of " + uri + " does not exist");
            }
            throw S3Failures.transfer("download", uri, e);
        }
        return base;
    }

    /** Closes the client. */
    @Override
    public void close() {
        s3.close();
    }

    private String attemptPrefix(TrialRequest request) {
        return root.prefix() + request.experimentId() + "/" + request.trialId() + "/attempt-" + request.attempt() + "/";
    }

    private String attemptUri(String attemptPrefix) {
        return root.uri(attemptPrefix.substring(0, attemptPrefix.length() - 1));
    }

    /** Deletes what an earlier run of the attempt left (one request per object: few objects, and every store has it). */
    private void deleteAll(String attemptPrefix) throws IOException {
        try {
            for (S3Object object : s3.listObjectsV2Paginator(r -> r.bucket(root.bucket()).prefix(attemptPrefix)).contents()) {
                s3.deleteObject(r -> r.bucket(root.bucket()).key(object.key()));
            }
        } catch (SdkException e) {
            throw S3Failures.transfer("replace the earlier objects of", attemptUri(attemptPrefix), e);
        }
    }

    private void put(String key, RequestBody body) throws IOException {
        try {
            s3.putObject(r -> r.bucket(root.bucket()).key(key), body);
        } catch (SdkException e) {
            throw S3Failures.transfer("upload", root.uri(key), e);
        } catch (UncheckedIOException e) {
            throw e.getCause(); // reading the local file failed
        }
    }
}
