package org.naspipeline.worker.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.RoundRobinAssignor;
import org.naspipeline.api.config.Settings;
import org.naspipeline.ops.KafkaClientOverrides;
import org.junit.jupiter.api.Test;

/**
 * The trial consumer's group timing: the fast-failover defaults, user overrides through {@code NAS_KAFKA_CLIENT_*},
 * the consumer group protocol (KIP-848), and start-up errors that name the variable. The properties are checked
 * by building a real Kafka consumer from them (it connects to nothing until polled).
 */
class WorkerClientsTest {
    static WorkerConfig config(Map<String, String> overrides) {
        return WorkerConfig.embedded("127.0.0.1:1", "nas-workers", "w-1", 1, "cpu", null, Path.of("artifacts"), 5, 1,
                "synthetic", 10).withKafka(KafkaClientOverrides.of(overrides));
    }

    static WorkerConfig fromEnv(Map<String, String> env) {
        Map<String, String> e = new HashMap<>(env);
        e.put("NAS_WORKER_HTTP_PORT", "-1");
        return WorkerConfig.from(new Settings(e));
    }

    static void buildsARealConsumer(Map<String, Object> props) {
        try (KafkaConsumer<?, ?> consumer = new KafkaConsumer<>(props)) {
            assertThat(consumer.groupMetadata().groupId()).isEqualTo(props.get(ConsumerConfig.GROUP_ID_CONFIG));
        }
    }

    @Test
    void byDefaultTheClassicProtocolDetectsADeadWorkerInTenSecondsWithAHeartbeatEverySecond() {
        Map<String, Object> p = WorkerClients.consumerProps(config(Map.of()));
        assertThat(p).containsEntry(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 10_000)
                .containsEntry(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 1_000)
                .containsEntry(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, RoundRobinAssignor.class.getName())
                .doesNotContainKey(ConsumerConfig.GROUP_PROTOCOL_CONFIG)
                .doesNotContainKey(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
        buildsARealConsumer(p);
    }

    @Test
    void theUsersOverridesWinOverTheDefaults() {
        WorkerConfig c = fromEnv(Map.of("NAS_KAFKA_CLIENT_SESSION_TIMEOUT_MS", "45000", "NAS_KAFKA_CLIENT_HEARTBEAT_INTERVAL_MS", "3000"));
        Map<String, Object> p = WorkerClients.consumerProps(c);
        assertThat(p).containsEntry(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, "45000")
                .containsEntry(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, "3000");
        buildsARealConsumer(p);
    }

    @Test
    void theConsumerProtocolLeavesTimingAndAssignmentToTheBroker() {
        for (String protocol : new String[] {"consumer", "CONSUMER", " Consumer "}) {
            Map<String, Object> p = WorkerClients.consumerProps(fromEnv(Map.of("NAS_KAFKA_CLIENT_GROUP_PROTOCOL", protocol)));
            assertThat(p).doesNotContainKeys(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG,
                    ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG);
            p.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, protocol.trim().toLowerCase(java.util.Locale.ROOT));
            buildsARealConsumer(p); // the client refuses any of the three with this protocol
        }
        Map<String, Object> classic = WorkerClients.consumerProps(fromEnv(Map.of("NAS_KAFKA_CLIENT_GROUP_PROTOCOL", "classic")));
        assertThat(classic).containsEntry(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 10_000);
        buildsARealConsumer(classic);
    }

    @Test
    void staticMembershipStaysOnTheGroupConsumerAndAllThreeClientsStillConnect() {
        WorkerConfig c = config(Map.of(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, "w-1"));
        assertThat(WorkerClients.consumerProps(c)).containsEntry(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, "w-1");
        WorkerClients clients = WorkerClients.connect(c);
        try {
            assertThat(clients.trials().groupMetadata().groupInstanceId()).hasValue("w-1");
        } finally {
            clients.trials().close();
            clients.control().close();
            clients.producer().close();
        }
    }

    @Test
    void badTimingOverridesStopTheStartUpNamingTheVariable() {
        assertThatThrownBy(() -> fromEnv(Map.of("NAS_KAFKA_CLIENT_SESSION_TIMEOUT_MS", "ten seconds")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("NAS_KAFKA_CLIENT_SESSION_TIMEOUT_MS: must be a whole number of milliseconds above 0 (got 'ten seconds')");
        assertThatThrownBy(() -> fromEnv(Map.of("NAS_KAFKA_CLIENT_HEARTBEAT_INTERVAL_MS", "-5")))
                .hasMessage("NAS_KAFKA_CLIENT_HEARTBEAT_INTERVAL_MS: must be a whole number of milliseconds above 0 (got '-5')");
        assertThatThrownBy(() -> fromEnv(Map.of("NAS_KAFKA_CLIENT_SESSION_TIMEOUT_MS", "99999999999999999999")))
                .hasMessageStartingWith("NAS_KAFKA_CLIENT_SESSION_TIMEOUT_MS: must be a whole number");
        assertThatThrownBy(() -> fromEnv(Map.of("NAS_KAFKA_CLIENT_SESSION_TIMEOUT_MS", "x".repeat(100_000))))
                .hasMessageStartingWith("NAS_KAFKA_CLIENT_SESSION_TIMEOUT_MS: must be a whole number")
                .satisfies(e -> assertThat(e.getMessage()).hasSizeLessThan(200));
        assertThatThrownBy(() -> fromEnv(Map.of("NAS_KAFKA_CLIENT_SESSION_TIMEOUT_MS", "1000")))
                .hasMessage("NAS_KAFKA_CLIENT_SESSION_TIMEOUT_MS: the heartbeat interval (1000 ms) must be below the session "
                        + "timeout (1000 ms); a third of it or less is usual");
        assertThatThrownBy(() -> fromEnv(Map.of("NAS_KAFKA_CLIENT_HEARTBEAT_INTERVAL_MS", "10000")))
                .hasMessageStartingWith("NAS_KAFKA_CLIENT_HEARTBEAT_INTERVAL_MS: the heartbeat interval (10000 ms) must be below");
        assertThatThrownBy(() -> fromEnv(Map.of("NAS_KAFKA_CLIENT_GROUP_PROTOCOL", "consumer",
                "NAS_KAFKA_CLIENT_SESSION_TIMEOUT_MS", "10000")))
                .hasMessageStartingWith("NAS_KAFKA_CLIENT_SESSION_TIMEOUT_MS: not used with group.protocol=consumer");
        assertThatThrownBy(() -> fromEnv(Map.of("NAS_KAFKA_CLIENT_GROUP_PROTOCOL", "consumer",
                "NAS_KAFKA_CLIENT_PARTITION_ASSIGNMENT_STRATEGY", "x")))
                .hasMessageStartingWith("NAS_KAFKA_CLIENT_PARTITION_ASSIGNMENT_STRATEGY: not used with group.protocol=consumer");
        assertThat(fromEnv(Map.of("NAS_KAFKA_CLIENT_SESSION_TIMEOUT_MS", " 6000 ")).kafka().properties())
                .containsEntry(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, " 6000 ");
    }
}
