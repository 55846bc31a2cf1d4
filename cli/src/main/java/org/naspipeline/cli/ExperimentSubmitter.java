package org.naspipeline.cli;

import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.naspipeline.api.ExperimentCommand;
import org.naspipeline.api.ExperimentSpec;
import org.naspipeline.api.JsonCodec;
import org.naspipeline.api.Topics;
import org.naspipeline.ops.KafkaSends;

/** Puts experiment specs on {@link Topics#EXPERIMENTS}, keyed by their id, as any other service would. */
final class ExperimentSubmitter implements AutoCloseable {
    private final KafkaProducer<String, byte[]> producer;

    ExperimentSubmitter(String bootstrapServers) {
        this.producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class));
    }

    /** Sends the spec and waits until the broker has it. */
    void submit(ExperimentSpec spec) {
        KafkaSends.awaitAck(producer.send(new ProducerRecord<>(Topics.EXPERIMENTS, spec.id(), JsonCodec.write(spec))),
                "submit experiment " + spec.id(), java.time.Duration.ofSeconds(60));
    }

    /** Sends a cancel command for experiment {@code id} and waits until the broker has it. */
    void cancel(String id, String reason) {
        KafkaSends.awaitAck(producer.send(new ProducerRecord<>(Topics.EXPERIMENTS, id, JsonCodec.write(
                new ExperimentCommand(ExperimentSpec.SCHEMA_VERSION, ExperimentCommand.Type.CANCEL, reason)))),
                "cancel experiment " + id, java.time.Duration.ofSeconds(60));
    }

    @Override
    public void close() {
        producer.close();
    }
}
