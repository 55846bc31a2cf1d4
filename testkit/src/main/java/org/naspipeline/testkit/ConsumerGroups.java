package org.naspipeline.testkit;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/** Consumer-group set-up for tests that share one broker per JVM. */
public final class ConsumerGroups {
    private ConsumerGroups() {}

    /**
     * Commits {@code group}'s offsets at the current end of {@code topic}, so the group's consumers see only what
     * the test sends from now on, not what earlier tests left on the shared broker.
     */
    public static void startAtEnd(KafkaCluster kafka, String group, String topic) {
        try (Admin admin = Admin.create(Map.<String, Object>of("bootstrap.servers", kafka.bootstrapServers()))) {
            List<TopicPartition> parts = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic)
                    .partitions().stream().map(p -> new TopicPartition(topic, p.partition())).toList();
            Map<TopicPartition, OffsetAndMetadata> ends = admin.listOffsets(parts.stream()
                            .collect(Collectors.toMap(tp -> tp, tp -> OffsetSpec.latest()))).all().get()
                    .entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, e -> new OffsetAndMetadata(e.getValue().offset())));
            admin.alterConsumerGroupOffsets(group, ends).all().get();
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot move group " + group + " to the end of " + topic, e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** {@code group}'s committed offsets on {@code topic} (partitions without a commit are absent). */
    public static Map<TopicPartition, Long> committed(KafkaCluster kafka, String group, String topic) {
        try (Admin admin = Admin.create(Map.<String, Object>of("bootstrap.servers", kafka.bootstrapServers()))) {
            return admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get().entrySet().stream()
                    .filter(e -> e.getKey().topic().equals(topic) && e.getValue() != null)
                    .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot read the offsets of group " + group, e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** How many records {@code group} has committed on {@code topic} beyond {@code baseline}. */
    public static long committedBeyond(KafkaCluster kafka, String group, String topic, Map<TopicPartition, Long> baseline) {
        return committed(kafka, group, topic).entrySet().stream()
                .mapToLong(e -> e.getValue() - baseline.getOrDefault(e.getKey(), 0L)).sum();
    }
}
