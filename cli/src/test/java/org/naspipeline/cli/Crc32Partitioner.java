package org.naspipeline.cli;

import java.util.Map;
import java.util.zip.CRC32;
import org.apache.kafka.clients.producer.Partitioner;
import org.apache.kafka.common.Cluster;

/**
 * Places keyed records as librdkafka-based clients (kcat, confluent-kafka for Python, Go, .NET) do by default:
 * CRC32 of the key bytes modulo the partition count, where Java clients use murmur2.
 */
public final class Crc32Partitioner implements Partitioner {
    /** The partition librdkafka's default partitioner picks for {@code key}. */
    static int partition(byte[] key, int partitions) {
        CRC32 crc = new CRC32();
        crc.update(key);
        return (int) (crc.getValue() % partitions);
    }

    @Override
    public int partition(String topic, Object key, byte[] keyBytes, Object value, byte[] valueBytes, Cluster cluster) {
        return partition(keyBytes, cluster.partitionCountForTopic(topic));
    }

    @Override
    public void close() {}

    @Override
    public void configure(Map<String, ?> configs) {}
}
