package org.naspipeline.devbroker;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Exit;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.MetadataVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node Kafka broker (combined KRaft controller + broker) running inside this JVM, built from
 * the {@code kafka_2.13} jars. Used by {@code nas demo} / {@code nas broker} / the benches at run time, and by the
 * test kit when neither a configured cluster nor Docker is there. It lives in its own module so no service's
 * runtime classpath carries test libraries.
 */
public final class EmbeddedKafka implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafka.class);
    private static final String LOOPBACK = "127.0.0.1";

    private final Path dataDir;
    private final String host;
    private final int brokerPort;
    private final KafkaRaftServer server;
    private boolean closed;

    private EmbeddedKafka(Path dataDir, String host, int brokerPort, KafkaRaftServer server) {
        this.dataDir = dataDir;
        this.host = host;
        this.brokerPort = brokerPort;
        this.server = server;
    }

    /**
     * Formats {@code dataDir} and starts a broker listening on {@code port} (0 picks a free one).
     * Kafka halts the JVM on fatal faults; here such a halt is turned into an exception so a test or demo
     * fails loudly instead of vanishing.
     */
    public static EmbeddedKafka start(Path dataDir, int port) {
        return start(dataDir, LOOPBACK, port);
    }

    /**
     * As {@link #start(Path, int)}, listening and advertised on {@code host} (an address of this machine, e.g.
     * another loopback address such as {@code 127.0.0.2}, so several local stand-ins can use their usual ports).
     */
    public static EmbeddedKafka start(Path dataDir, String host, int port) {
        return start(dataDir, host, port, Map.of());
    }

    /**
     * As {@link #start(Path, String, int)}, with broker properties set on top of the defaults (for benchmarks
     * that compare broker settings, e.g. the consumer group protocol's session timeout bounds).
     */
    public static EmbeddedKafka start(Path dataDir, String host, int port, Map<String, String> brokerOverrides) {
        installExitGuards();
        try {
            Files.createDirectories(dataDir);
            int brokerPort = port == 0 ? freePort(host) : port;
            int controllerPort = freePort(host);
            Path logDir = dataDir.resolve("kraft-logs");
            Properties props = brokerProperties(logDir, host, brokerPort, controllerPort);
            props.putAll(brokerOverrides);
            KafkaConfig config = new KafkaConfig(props, false);
            if (!Files.exists(logDir.resolve("meta.properties"))) {
                format(logDir);
            }
            KafkaRaftServer server = new KafkaRaftServer(config, Time.SYSTEM);
            server.startup();
            EmbeddedKafka kafka = new EmbeddedKafka(dataDir, host, brokerPort, server);
            kafka.awaitReady();
            LOG.info("in-process Kafka broker ready at {} (data in {})", kafka.bootstrapServers(), logDir);
            return kafka;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the in-process Kafka broker in " + dataDir, e);
        }
    }

    private static Properties brokerProperties(Path logDir, String host, int brokerPort, int controllerPort) {
        Properties p = new Properties();
        p.put("process.roles", "broker,controller");
        p.put("node.id", "1");
        p.put("controller.quorum.voters", "1@" + host + ":" + controllerPort);
        p.put("listeners", "PLAINTEXT://" + host + ":" + brokerPort + ",CONTROLLER://" + host + ":" + controllerPort);
        p.put("advertised.listeners", "PLAINTEXT://" + host + ":" + brokerPort);
        p.put("controller.listener.names", "CONTROLLER");
        p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("log.dirs", logDir.toString());
        p.put("num.partitions", "4");
        p.put("auto.create.topics.enable", "false");
        p.put("offsets.topic.replication.factor", "1");
        p.put("offsets.topic.num.partitions", "4");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("transaction.state.log.num.partitions", "4");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        p.put("group.initial.rebalance.delay.ms", "0");
        // The default 128 MiB dedupe buffer is allocated eagerly; a test broker needs a fraction of it.
        p.put("log.cleaner.dedupe.buffer.size", String.valueOf(2 * 1024 * 1024));
        p.put("log.cleaner.threads", "1");
        p.put("num.network.threads", "2");
        p.put("num.io.threads", "2");
        p.put("background.threads", "2");
        p.put("log.segment.bytes", String.valueOf(16 * 1024 * 1024));
        return p;
    }

    private static void format(Path logDir) {
        try {
            new Formatter()
                    .setNodeId(1)
                    .setClusterId(Uuid.randomUuid().toString())
                    .setDirectories(List.of(logDir.toString()))
                    .setReleaseVersion(MetadataVersion.latestProduction())
                    .setControllerListenerName("CONTROLLER")
                    .setMetadataLogDirectory(logDir.toString())
                    .setPrintStream(new java.io.PrintStream(java.io.OutputStream.nullOutputStream()))
                    .run();
        } catch (Exception e) {
            throw new IllegalStateException("cannot format KRaft storage in " + logDir, e);
        }
    }

    private static synchronized void installExitGuards() {
        Exit.setHaltProcedure((status, message) -> {
            throw new IllegalStateException("Kafka broker asked to halt the JVM (" + status + "): " + message);
        });
        Exit.setExitProcedure((status, message) -> {
            throw new IllegalStateException("Kafka broker asked to exit the JVM (" + status + "): " + message);
        });
    }

    private static int freePort(String host) throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(host, 0));
            return s.getLocalPort();
        }
    }

    private void awaitReady() {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        Exception last = null;
        while (System.nanoTime() < deadline) {
            try (Admin admin = admin()) {
                if (!admin.describeCluster().nodes().get(5, TimeUnit.SECONDS).isEmpty()) {
                    return;
                }
            } catch (ExecutionException | TimeoutException e) {
                last = e;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for the broker", e);
            }
        }
        throw new IllegalStateException("in-process broker did not become ready within 60 s", last);
    }

    /** {@code host:port} for clients. */
    public String bootstrapServers() {
        return host + ":" + brokerPort;
    }

    /** Where the broker keeps its logs. */
    public Path dataDir() {
        return dataDir;
    }

    /** An admin client for this broker; the caller closes it. */
    public Admin admin() {
        return Admin.create(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000));
    }

    /** Stops the broker and waits for it to finish. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        server.shutdown();
        server.awaitShutdown();
        LOG.info("in-process Kafka broker at {} stopped", bootstrapServers());
    }
}
