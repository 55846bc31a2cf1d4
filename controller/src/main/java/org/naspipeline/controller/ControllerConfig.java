package org.naspipeline.controller;

import java.nio.file.Path;
import java.util.List;
import org.naspipeline.api.config.Setting;
import org.naspipeline.api.config.Settings;

/** The controller's configuration, read from the environment. */
public record ControllerConfig(String bootstrapServers, String applicationId, Path stateDir, int partitions, String instanceId) {
    static final Setting<String> BOOTSTRAP = Setting.string("NAS_KAFKA_BOOTSTRAP", "localhost:9092", "Kafka bootstrap servers");
    static final Setting<String> APP_ID = Setting.string("NAS_CONTROLLER_APP_ID", "nas-controller",
            "Kafka Streams application id (instances with the same id share experiments)");
    static final Setting<String> STATE_DIR = Setting.string("NAS_STATE_DIR", "state", "local state-store directory");
    static final Setting<Integer> PARTITIONS = Setting.integer("NAS_PARTITIONS", 4,
            "partitions of the pipeline topics when the controller creates them");
    static final Setting<String> INSTANCE_ID = Setting.string("NAS_CONTROLLER_INSTANCE_ID", null,
            "stable instance name (e.g. the StatefulSet pod name): static group membership, so a restarted instance "
                    + "takes its partitions back at once instead of after the session timeout");
    /** Every setting, for the start-up log. */
    public static final List<Setting<?>> ALL = List.of(BOOTSTRAP, APP_ID, STATE_DIR, PARTITIONS, INSTANCE_ID);

    /** A configuration without static membership. */
    public ControllerConfig(String bootstrapServers, String applicationId, Path stateDir, int partitions) {
        this(bootstrapServers, applicationId, stateDir, partitions, null);
    }

    /** Reads the configuration. */
    public static ControllerConfig from(Settings s) {
        int partitions = s.get(PARTITIONS);
        if (partitions < 1) {
            throw new IllegalArgumentException(PARTITIONS.env() + ": must be ≥ 1 (got " + partitions + ")");
        }
        return new ControllerConfig(s.get(BOOTSTRAP), s.get(APP_ID), Path.of(s.get(STATE_DIR)), partitions, s.get(INSTANCE_ID));
    }
}
