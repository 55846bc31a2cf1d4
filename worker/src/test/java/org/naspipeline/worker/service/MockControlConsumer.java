package org.naspipeline.worker.service;

import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;

/**
 * Kafka's {@link MockConsumer} for the control topic in unit tests, answering {@code offsetsForTimes} (which the
 * mock does not implement) as a broker does when no record is newer than the timestamp: null per partition.
 */
final class MockControlConsumer extends MockConsumer<String, byte[]> {
    MockControlConsumer() {
        super("latest");
    }

    @Override
    public synchronized Map<TopicPartition, OffsetAndTimestamp> offsetsForTimes(Map<TopicPartition, Long> timestamps) {
        Map<TopicPartition, OffsetAndTimestamp> none = new HashMap<>();
        timestamps.keySet().forEach(tp -> none.put(tp, null));
        return none;
    }
}
