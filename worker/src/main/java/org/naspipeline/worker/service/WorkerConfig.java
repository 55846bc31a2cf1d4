package org.naspipeline.worker.service;

import java.nio.file.Path;
import java.util.List;
import org.naspipeline.api.config.Setting;
import org.naspipeline.api.config.Settings;

/** The worker's configuration, read from the environment. */
public record WorkerConfig(
        String bootstrapServers, String groupId, String workerId, int slots, Path dataDir, Path artifactDir,
        int shutdownGraceSeconds) {

    static final Setting<String> BOOTSTRAP = Setting.string("NAS_KAFKA_BOOTSTRAP", "localhost:9092", "Kafka bootstrap servers");
    static final Setting<String> GROUP = Setting.string("NAS_WORKER_GROUP", "nas-workers", "consumer group shared by all workers");
    static final Setting<String> ID = Setting.string("NAS_WORKER_ID", null, "worker id in results (default: host-pid)");
    static final Setting<Integer> SLOTS = Setting.integer("NAS_WORKER_SLOTS", 1, "trials run at once by this worker");
    static final Setting<String> DATA = Setting.string("NAS_DATA_DIR", null, "dataset directory (default: full set, then bundled subset)");
    static final Setting<String> ARTIFACTS = Setting.string("NAS_ARTIFACT_DIR", "artifacts", "where trained models are saved");
    static final Setting<Integer> GRACE = Setting.integer("NAS_SHUTDOWN_GRACE_SECONDS", 60,
            "on shutdown, how long running trials may finish before they are abandoned for redelivery");
    /** Every setting, for the start-up log. */
    public static final List<Setting<?>> ALL = List.of(BOOTSTRAP, GROUP, ID, SLOTS, DATA, ARTIFACTS, GRACE);

    /** Reads the configuration; {@code dataDir} stays null when not configured (the resolver decides). */
    public static WorkerConfig from(Settings s) {
        String id = s.get(ID);
        if (id == null) {
            id = hostName() + "-" + ProcessHandle.current().pid();
        }
        int slots = s.get(SLOTS);
        if (slots < 1) {
            throw new IllegalArgumentException(SLOTS.env() + ": must be ≥ 1 (got " + slots + ")");
        }
        String data = s.get(DATA);
        return new WorkerConfig(s.get(BOOTSTRAP), s.get(GROUP), id, slots, data == null ? null : Path.of(data),
                Path.of(s.get(ARTIFACTS)), s.get(GRACE));
    }

    /** A copy with another worker id (several workers in one process). */
    public WorkerConfig withWorkerId(String id) {
        return new WorkerConfig(bootstrapServers, groupId, id, slots, dataDir, artifactDir, shutdownGraceSeconds);
    }

    private static String hostName() {
        String host = System.getenv("HOSTNAME");
        return host == null || host.isBlank() ? "worker" : host;
    }
}
