package org.naspipeline.controller.streams;

import org.apache.kafka.common.serialization.Serializer;
import org.naspipeline.api.JsonCodec;

/**
 * Writes a pipeline record ({@code TrialRequest}, {@code TrialControl}, {@code ExperimentEvent}) as the UTF-8 JSON of
 * {@link JsonCodec}: the typed value serializer of the controller's sinks.
 */
final class RecordSerializer<T> implements Serializer<T> {
    @Override
    public byte[] serialize(String topic, T record) {
        return record == null ? null : JsonCodec.write(record);
    }
}
