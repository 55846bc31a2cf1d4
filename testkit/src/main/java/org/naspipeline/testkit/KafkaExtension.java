package org.naspipeline.testkit;

import java.nio.file.Path;
import org.naspipeline.devbroker.EmbeddedKafka;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.kafka.KafkaContainer;

/**
 * JUnit 5 extension that injects a {@link KafkaCluster}. It uses {@code KAFKA_BOOTSTRAP_SERVERS} when set,
 * else a Testcontainers {@code apache/kafka} broker when Docker is available, else the in-process broker.
 * One broker serves the whole test JVM; it is stopped when the JVM's test plan ends.
 */
public final class KafkaExtension implements ParameterResolver {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaExtension.class);
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(KafkaExtension.class);
    private static final String IMAGE = "apache/kafka:4.2.1";

    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return parameterContext.getParameter().getType() == KafkaCluster.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return extensionContext.getRoot().getStore(NS)
                .getOrComputeIfAbsent("cluster", k -> provide(), ProvidedCluster.class);
    }

    private static ProvidedCluster provide() {
        String env = System.getenv("KAFKA_BOOTSTRAP_SERVERS");
        if (env != null && !env.isBlank()) {
            LOG.info("tests use the Kafka cluster at KAFKA_BOOTSTRAP_SERVERS={}", env);
            return new ProvidedCluster(env, "env", () -> {});
        }
        if (dockerAvailable()) {
            KafkaContainer container = new KafkaContainer(IMAGE);
            container.start();
            LOG.info("tests use a Testcontainers broker at {}", container.getBootstrapServers());
            return new ProvidedCluster(container.getBootstrapServers(), "testcontainers", container::stop);
        }
        Path dir = Path.of("target", "embedded-kafka-" + ProcessHandle.current().pid());
        EmbeddedKafka kafka = EmbeddedKafka.start(dir, 0);
        LOG.info("tests use the in-process broker at {}", kafka.bootstrapServers());
        return new ProvidedCluster(kafka.bootstrapServers(), "in-process", kafka::close);
    }

    private static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException | LinkageError | java.util.ServiceConfigurationError e) {
            LOG.debug("Docker probe failed: {}", e.toString());
            return false;
        }
    }

    /** The cluster plus how to stop it; JUnit closes AutoCloseable store values with the root context. */
    static final class ProvidedCluster implements KafkaCluster, AutoCloseable {
        private final String bootstrapServers;
        private final String kind;
        private final Runnable stop;

        ProvidedCluster(String bootstrapServers, String kind, Runnable stop) {
            this.bootstrapServers = bootstrapServers;
            this.kind = kind;
            this.stop = stop;
        }

        @Override
        public String bootstrapServers() {
            return bootstrapServers;
        }

        @Override
        public String kind() {
            return kind;
        }

        @Override
        public void close() {
            stop.run();
        }
    }
}
