package org.naspipeline.ops;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.naspipeline.api.config.Settings;

/**
 * Kafka client properties passed through from the environment to every client a service creates, for what the
 * services do not model themselves (SASL, SSL, timeouts): {@code NAS_KAFKA_CLIENT_SASL_MECHANISM=PLAIN} becomes
 * {@code sasl.mechanism=PLAIN}. Unknown names and the properties a service sets for its delivery guarantee are
 * refused with the variable's name, so a typo never goes silently unused.
 */
public final class KafkaClientOverrides {
    /** The prefix of the pass-through variables. */
    public static final String PREFIX = "NAS_KAFKA_CLIENT_";
    /** No overrides. */
    public static final KafkaClientOverrides NONE = new KafkaClientOverrides(Map.of());

    /** Set by the services themselves: changing them would break at-least-once or exactly-once delivery. */
    static final Set<String> OWNED = Set.of(
            ConsumerConfig.GROUP_ID_CONFIG, ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, ConsumerConfig.ISOLATION_LEVEL_CONFIG,
            ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
            ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG,
            ProducerConfig.ACKS_CONFIG, ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, ProducerConfig.TRANSACTIONAL_ID_CONFIG,
            ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG);

    private static final Set<String> KNOWN = known();

    private final Map<String, String> properties;

    private KafkaClientOverrides(Map<String, String> properties) {
        this.properties = Map.copyOf(properties);
    }

    /** Reads every {@code NAS_KAFKA_CLIENT_*} variable; a name that is no client property fails naming the variable. */
    public static KafkaClientOverrides from(Settings settings) {
        Map<String, String> props = new TreeMap<>();
        settings.withPrefix(PREFIX).forEach((suffix, value) -> {
            String name = suffix.toLowerCase(Locale.ROOT).replace('_', '.');
            String variable = PREFIX + suffix;
            if (OWNED.contains(name)) {
                throw new IllegalArgumentException(variable + ": '" + name + "' is set by the service itself"
                        + (name.equals(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG) ? "; use NAS_KAFKA_BOOTSTRAP" : " for its delivery guarantee"));
            }
            if (!KNOWN.contains(name)) {
                throw new IllegalArgumentException(variable + ": '" + name + "' is not a Kafka consumer, producer or admin property");
            }
            props.put(name, value);
        });
        return new KafkaClientOverrides(props);
    }

    /** Overrides given as property names, for tests and embedded use. */
    public static KafkaClientOverrides of(Map<String, String> properties) {
        return new KafkaClientOverrides(properties);
    }

    /** A copy of {@code base} with the overrides on top. */
    public Map<String, Object> applyTo(Map<String, Object> base) {
        Map<String, Object> merged = new HashMap<>(base);
        merged.putAll(properties);
        return merged;
    }

    /** The overrides, property name to value. */
    public Map<String, String> properties() {
        return properties;
    }

    /** The overrides for a log line, with secrets (passwords, JAAS configs, keys) masked. */
    public String describe() {
        if (properties.isEmpty()) {
            return "none";
        }
        return new TreeMap<>(properties).entrySet().stream()
                .map(e -> e.getKey() + "=" + (Settings.isSecretName(e.getKey()) ? "[hidden]" : e.getValue()))
                .collect(Collectors.joining(", "));
    }

    private static Set<String> known() {
        Set<String> names = new HashSet<>(ConsumerConfig.configNames());
        names.addAll(ProducerConfig.configNames());
        names.addAll(AdminClientConfig.configNames());
        return Set.copyOf(names);
    }
}
