package org.naspipeline.cli;

import java.nio.file.Path;
import java.util.List;
import org.naspipeline.devbroker.EmbeddedKafka;
import org.naspipeline.worker.artifact.S3TestServer;

/** Local stand-ins for the third-party images of {@code docker-compose.yml}, used by {@link LocalCompose}. */
final class StandIns {
    private StandIns() {}

    /** A real KRaft broker (the dev broker) for {@code apache/kafka}, on the service's address and port. */
    static AutoCloseable kafka(Path dir, String address, int port) {
        return EmbeddedKafka.start(dir, address, port);
    }

    /** s3proxy for MinIO: the S3 API on the service's address and port, checking the root user's credentials. */
    static S3 s3(String address, int port, String accessKey, String secretKey) throws Exception {
        return new S3(S3TestServer.start(address, port, accessKey, secretKey));
    }

    /** The running S3 stand-in. */
    static final class S3 implements AutoCloseable {
        private final S3TestServer server;

        S3(S3TestServer server) {
            this.server = server;
        }

        /** What {@code mc mb} does. */
        void createBucket(String bucket) {
            server.createBucket(bucket);
        }

        /** The keys under {@code prefix}, read from the blob store itself. */
        List<String> keys(String bucket, String prefix) {
            return List.copyOf(server.objects(bucket, prefix).keySet());
        }

        @Override
        public void close() throws Exception {
            server.close();
        }
    }
}
