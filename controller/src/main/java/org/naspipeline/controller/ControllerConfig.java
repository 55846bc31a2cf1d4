package org.naspipeline.controller;

import java.nio.file.Path;
import java.util.List;
import org.naspipeline.api.config.Setting;
import org.naspipeline.api.config.Settings;
import org.naspipeline.controller.http.ApiTokens;
import org.naspipeline.controller.metrics.ControllerMetrics;
import org.naspipeline.ops.KafkaClientOverrides;
import org.naspipeline.ops.OpsHttpServer;

/** The controller's configuration, read from the environment. */
public record ControllerConfig(String bootstrapServers, String applicationId, Path stateDir, int partitions, String instanceId,
                               String httpHost, int httpPort, String advertisedHost, ApiTokens apiTokens, Reads reads,
                               String internalSecret, int maxSpecBytes, int commitIntervalMs, java.time.Duration metricsRetention,
                               KafkaClientOverrides kafka) {
    /** Who may read experiments when tokens are set (without tokens, everyone). */
    public enum Reads {
        /** A valid token, and only the experiments of its tenant (an admin token sees all); others' answer 404. */
        TENANT,
        /** A valid token; every experiment. */
        AUTHENTICATED,
        /** Anyone; every experiment. */
        OPEN
    }

    /** The shortest {@code NAS_INTERNAL_SECRET} accepted. */
    static final int MIN_INTERNAL_SECRET = 16;
    /** Kafka Streams' own default under exactly-once. */
    public static final int DEFAULT_COMMIT_INTERVAL_MS = 100;
    static final Setting<String> BOOTSTRAP = Setting.string("NAS_KAFKA_BOOTSTRAP", "localhost:9092", "Kafka bootstrap servers");
    static final Setting<String> APP_ID = Setting.string("NAS_CONTROLLER_APP_ID", "nas-controller",
            "Kafka Streams application id (instances with the same id share experiments)");
    static final Setting<String> STATE_DIR = Setting.string("NAS_STATE_DIR", "state", "local state-store directory");
    static final Setting<Integer> PARTITIONS = Setting.integer("NAS_PARTITIONS", 4,
            "partitions of the pipeline topics when the controller creates them");
    static final Setting<String> INSTANCE_ID = Setting.string("NAS_CONTROLLER_INSTANCE_ID", null,
            "stable instance name (e.g. the StatefulSet pod name): static group membership, so a restarted instance "
                    + "takes its partitions back at once instead of after the session timeout");
    static final Setting<Integer> HTTP_PORT = Setting.integer("NAS_CONTROLLER_HTTP_PORT", 8080,
            "port of the REST API, /health and /metrics (-1: no HTTP server)");
    static final Setting<String> ADVERTISED_HOST = Setting.string("NAS_CONTROLLER_ADVERTISED_HOST", null,
            "host name other instances use to forward reads here (default: HOSTNAME, else localhost)");
    static final Setting<String> API_TOKEN = Setting.string("NAS_API_TOKEN", null,
            "bearer tokens: 'tenant=TOKEN,…' (a token of tenant 'admin' acts on every experiment, a tenant's only on its own) "
                    + "or one 'TOKEN' (tenant 'default', an admin); unset: the API is open");
    static final Setting<String> API_READS = Setting.string("NAS_API_READS", "tenant",
            "who may read experiments when NAS_API_TOKEN is set: 'tenant' (a token; its own tenant's experiments, admin all), "
                    + "'authenticated' (a token; all) or 'open' (anyone; all)");
    static final Setting<String> INTERNAL_SECRET = Setting.string("NAS_INTERNAL_SECRET", null,
            "shared secret of the instance-to-instance endpoints (/internal/…), at least 16 characters, the same on every "
                    + "instance; unset: derived from NAS_API_TOKEN, or none (open) without tokens");
    static final Setting<Integer> MAX_SPEC_BYTES = Setting.integer("NAS_API_MAX_SPEC_BYTES", 256 * 1024,
            "largest experiment spec accepted over REST (the topic path allows 1 MiB)");
    static final Setting<Integer> COMMIT_INTERVAL_MS = Setting.integer("NAS_CONTROLLER_COMMIT_INTERVAL_MS", DEFAULT_COMMIT_INTERVAL_MS,
            "how often the controller commits its exactly-once transaction: a trial request reaches workers only once "
                    + "committed, so lower means faster reaction and more transactions per second");
    static final Setting<Integer> METRICS_RETENTION = Setting.integer("NAS_METRICS_RETENTION_SECONDS",
            (int) ControllerMetrics.DEFAULT_RETENTION.toSeconds(),
            "how long an ended experiment keeps its own metric series (the experiment label) before they are removed");
    /** Every setting, for the start-up log (plus the pass-through {@code NAS_KAFKA_CLIENT_*} properties). */
    public static final List<Setting<?>> ALL = List.of(BOOTSTRAP, APP_ID, STATE_DIR, PARTITIONS, INSTANCE_ID, OpsHttpServer.HOST, HTTP_PORT,
            ADVERTISED_HOST, API_TOKEN, API_READS, INTERNAL_SECRET, MAX_SPEC_BYTES, COMMIT_INTERVAL_MS, METRICS_RETENTION);

    /** A configuration without static membership or HTTP (embedded use, tests). */
    public ControllerConfig(String bootstrapServers, String applicationId, Path stateDir, int partitions) {
        this(bootstrapServers, applicationId, stateDir, partitions, null);
    }

    /** A configuration without HTTP. */
    public ControllerConfig(String bootstrapServers, String applicationId, Path stateDir, int partitions, String instanceId) {
        this(bootstrapServers, applicationId, stateDir, partitions, instanceId, OpsHttpServer.HOST.defaultValue(), -1, "localhost", ApiTokens.NONE,
                Reads.TENANT, null, 256 * 1024, DEFAULT_COMMIT_INTERVAL_MS, ControllerMetrics.DEFAULT_RETENTION, KafkaClientOverrides.NONE);
    }

    /**
     * A copy serving HTTP on {@code port}, advertised as {@code host}, with the given tokens, tenant-scoped reads and
     * the internal secret derived from the tokens.
     */
    public ControllerConfig withHttp(int port, String host, ApiTokens tokens) {
        return new ControllerConfig(bootstrapServers, applicationId, stateDir, partitions, instanceId, httpHost, port, host, tokens,
                Reads.TENANT, tokens.derivedInternalSecret(), maxSpecBytes, commitIntervalMs, metricsRetention, kafka);
    }

    /** A copy with {@code reads} and the instance-to-instance secret {@code internalSecret} (null: none, open). */
    public ControllerConfig withAccess(Reads reads, String internalSecret) {
        return new ControllerConfig(bootstrapServers, applicationId, stateDir, partitions, instanceId, httpHost, httpPort, advertisedHost,
                apiTokens, reads, internalSecret, maxSpecBytes, commitIntervalMs, metricsRetention, kafka);
    }

    /** A copy committing every {@code millis}. */
    public ControllerConfig withCommitInterval(int millis) {
        return new ControllerConfig(bootstrapServers, applicationId, stateDir, partitions, instanceId, httpHost, httpPort, advertisedHost,
                apiTokens, reads, internalSecret, maxSpecBytes, millis, metricsRetention, kafka);
    }

    /** Reads the configuration. */
    public static ControllerConfig from(Settings s) {
        int partitions = s.get(PARTITIONS);
        if (partitions < 1) {
            throw new IllegalArgumentException(PARTITIONS.env() + ": must be ≥ 1 (got " + partitions + ")");
        }
        int port = s.get(HTTP_PORT);
        if (port < -1 || port > 65_535) {
            throw new IllegalArgumentException(HTTP_PORT.env() + ": must be a port, 0 or -1 (got " + port + ")");
        }
        int maxSpec = s.get(MAX_SPEC_BYTES);
        if (maxSpec < 1024) {
            throw new IllegalArgumentException(MAX_SPEC_BYTES.env() + ": must be ≥ 1024 (got " + maxSpec + ")");
        }
        int commitInterval = s.get(COMMIT_INTERVAL_MS);
        if (commitInterval < 1) {
            throw new IllegalArgumentException(COMMIT_INTERVAL_MS.env() + ": must be ≥ 1 (got " + commitInterval + ")");
        }
        int retention = s.get(METRICS_RETENTION);
        if (retention < 0) {
            throw new IllegalArgumentException(METRICS_RETENTION.env() + ": must be ≥ 0 (got " + retention + ")");
        }
        String host = s.get(ADVERTISED_HOST);
        if (host == null) {
            String env = System.getenv("HOSTNAME");
            host = env == null || env.isBlank() ? "localhost" : env;
        }
        ApiTokens tokens = ApiTokens.parse(API_TOKEN.env(), s.get(API_TOKEN));
        Reads reads = switch (s.get(API_READS).trim().toLowerCase(java.util.Locale.ROOT)) {
            case "tenant" -> Reads.TENANT;
            case "authenticated" -> Reads.AUTHENTICATED;
            case "open" -> Reads.OPEN;
            default -> throw new IllegalArgumentException(API_READS.env() + ": must be 'tenant', 'authenticated' or 'open' (got '"
                    + abbreviate(s.get(API_READS)) + "')");
        };
        String secret = s.get(INTERNAL_SECRET);
        if (secret != null && secret.strip().length() < MIN_INTERNAL_SECRET) {
            throw new IllegalArgumentException(INTERNAL_SECRET.env() + ": must be at least " + MIN_INTERNAL_SECRET
                    + " characters (got " + secret.strip().length() + ")");
        }
        secret = secret != null ? secret.strip() : tokens.derivedInternalSecret();
        return new ControllerConfig(s.get(BOOTSTRAP), s.get(APP_ID), Path.of(s.get(STATE_DIR)), partitions, s.get(INSTANCE_ID),
                s.get(OpsHttpServer.HOST), port, host, tokens, reads, secret, maxSpec, commitInterval,
                java.time.Duration.ofSeconds(retention), KafkaClientOverrides.from(s));
    }

    private static String abbreviate(String value) {
        return value.length() > 40 ? value.substring(0, 40) + "…" : value;
    }

    /** Without the secret, so a logged or printed configuration never shows it. */
    @Override
    public String toString() {
        return "ControllerConfig[" + applicationId + ", " + bootstrapServers + ", http " + httpHost + ":" + httpPort + " (advertised "
                + advertisedHost + "), tokens " + apiTokens + ", reads " + reads + ", internal secret "
                + (internalSecret == null ? "none" : "set") + "]";
    }
}
