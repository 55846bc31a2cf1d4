package org.naspipeline.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.naspipeline.api.config.Settings;
import org.junit.jupiter.api.Test;

class KafkaClientOverridesTest {
    @Test
    void variablesBecomeClientPropertiesOnTopOfTheDefaults() {
        KafkaClientOverrides o = KafkaClientOverrides.from(new Settings(Map.of(
                "NAS_KAFKA_CLIENT_SECURITY_PROTOCOL", "SASL_SSL",
                "NAS_KAFKA_CLIENT_SASL_MECHANISM", "PLAIN",
                "NAS_KAFKA_CLIENT_SASL_JAAS_CONFIG", "org.apache.kafka.common.security.plain.PlainLoginModule required password=\"s3cret\";",
                "NAS_KAFKA_CLIENT_MAX_POLL_INTERVAL_MS", "600000",
                "NAS_KAFKA_BOOTSTRAP", "broker:9092")));
        assertThat(o.properties()).containsOnlyKeys("security.protocol", "sasl.mechanism", "sasl.jaas.config", "max.poll.interval.ms");
        assertThat(o.applyTo(Map.of("max.poll.interval.ms", 300000, "client.id", "w1")))
                .containsEntry("max.poll.interval.ms", "600000").containsEntry("client.id", "w1").containsEntry("security.protocol", "SASL_SSL");
        assertThat(o.describe()).contains("sasl.jaas.config=[hidden]", "sasl.mechanism=PLAIN").doesNotContain("s3cret");
    }

    @Test
    void aTypoIsRefusedNamingTheVariable() {
        assertThatThrownBy(() -> KafkaClientOverrides.from(new Settings(Map.of("NAS_KAFKA_CLIENT_SASL_MECHANSIM", "PLAIN"))))
                .hasMessage("NAS_KAFKA_CLIENT_SASL_MECHANSIM: 'sasl.mechansim' is not a Kafka consumer, producer or admin property");
    }

    @Test
    void deliveryPropertiesOwnedByTheServicesAreRefused() {
        assertThatThrownBy(() -> KafkaClientOverrides.from(new Settings(Map.of("NAS_KAFKA_CLIENT_ENABLE_AUTO_COMMIT", "true"))))
                .hasMessage("NAS_KAFKA_CLIENT_ENABLE_AUTO_COMMIT: 'enable.auto.commit' is set by the service itself for its delivery guarantee");
        assertThatThrownBy(() -> KafkaClientOverrides.from(new Settings(Map.of("NAS_KAFKA_CLIENT_BOOTSTRAP_SERVERS", "x:1"))))
                .hasMessageContaining("use NAS_KAFKA_BOOTSTRAP");
    }
}
