package org.naspipeline.worker.service;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.GroupProtocol;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.RoundRobinAssignor;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The three Kafka clients of a worker: the group consumer of trial requests, the group-less reader of the
 * broadcast control topic, and the idempotent producer of results.
 */
public record WorkerClients(Consumer<String, byte[]> trials, Consumer<String, byte[]> control, Producer<String, byte[]> producer) {
    /**
     * The trial consumer's session timeout (Kafka's default is 45 s). A SIGKILLed worker's partitions, and the
     * trials it had taken, move to another worker about this long after its last heartbeat (measured: median
     * 11.6 s from SIGKILL to the trial's restart, 45.4 s with Kafka's defaults; docs/benchmarks.md "Worker
     * failover"). Heartbeats come from the client's own heartbeat thread, not the poll loop, so only a stall of
     * the whole process or its network for about 9 s costs a healthy worker its partitions. The broker allows
     * 6 s to 30 min by default ({@code group.min/max.session.timeout.ms}). Overridable through
     * {@code NAS_KAFKA_CLIENT_SESSION_TIMEOUT_MS}; docs/operations.md has the trade-off.
     */
    static final int SESSION_TIMEOUT_MS = 10_000;
    /** The heartbeat interval: a tenth of the session, so a healthy member sends 9 before it could expire. */
    static final int HEARTBEAT_INTERVAL_MS = 1_000;
    /** What the classic group protocol lets a client set and the consumer protocol (KIP-848) refuses. */
    static final List<String> CLASSIC_ONLY = List.of(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG,
            ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG);

    /** Connects the clients as {@code config} says, with its pass-through overrides on top. */
    public static WorkerClients connect(WorkerConfig config) {
        Map<String, Object> consumer = consumerProps(config);
        Map<String, Object> control = new HashMap<>(consumer);
        control.remove(ConsumerConfig.GROUP_ID_CONFIG);
        control.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG); // static membership is the trial consumer's only
        control.put(ConsumerConfig.CLIENT_ID_CONFIG, config.workerId() + "-control");
        control.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 500);
        return new WorkerClients(new KafkaConsumer<>(consumer), new KafkaConsumer<>(control), new KafkaProducer<>(producerProps(config)));
    }

    static Map<String, Object> consumerProps(WorkerConfig c) {
        Map<String, Object> p = new HashMap<>();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, c.bootstrapServers());
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, c.workerId());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        // One record at a time: a worker takes a trial only for a free slot and leaves the rest to other workers.
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 1);
        // Consecutive partitions go to different workers, matching the controller's placement of an
        // experiment's parallelism slots on consecutive partitions (SlotPartitioner): its trials in flight spread
        // over the fleet. The default range assignor gives one worker a block of consecutive partitions.
        p.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, RoundRobinAssignor.class.getName());
        p.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, SESSION_TIMEOUT_MS);
        p.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, HEARTBEAT_INTERVAL_MS);
        p = c.kafka().applyTo(p);
        if (consumerProtocol(c.kafka().properties())) {
            // Under KIP-848 the broker owns the session timeout, heartbeat interval and assignor, and the client
            // refuses these properties; drop our defaults, keep what the user set (so a conflict is reported).
            CLASSIC_ONLY.stream().filter(k -> !c.kafka().properties().containsKey(k)).forEach(p::remove);
        }
        p.put(ConsumerConfig.GROUP_ID_CONFIG, c.groupId());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        // Trial requests are written in the controller's transactions; never run one that was aborted.
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        return p;
    }

    private static boolean consumerProtocol(Map<String, String> overrides) {
        String protocol = overrides.get(ConsumerConfig.GROUP_PROTOCOL_CONFIG);
        return protocol != null && protocol.trim().toUpperCase(Locale.ROOT).equals(GroupProtocol.CONSUMER.name());
    }

    static Map<String, Object> producerProps(WorkerConfig c) {
        Map<String, Object> p = new HashMap<>();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, c.bootstrapServers());
        p.put(ProducerConfig.CLIENT_ID_CONFIG, c.workerId() + "-producer");
        p.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        p = c.kafka().applyTo(p);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        return p;
    }
}
