package org.naspipeline.cli;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.naspipeline.api.ExperimentEvent;
import org.naspipeline.api.InvalidInputException;
import org.naspipeline.api.JsonCodec;
import org.naspipeline.api.Topics;

/** Follows {@link Topics#EXPERIMENT_EVENTS} for one experiment until it completes or is rejected. */
final class ExperimentWatcher {
    private final String bootstrapServers;

    ExperimentWatcher(String bootstrapServers) {
        this.bootstrapServers = bootstrapServers;
    }

    /**
     * Reads the experiment's events from the beginning, passing each to {@code onEvent}, until a
     * {@code completed} or {@code rejected} event or the timeout.
     *
     * @return every event seen, the last being the final one
     * @throws IllegalStateException on timeout
     */
    List<ExperimentEvent> follow(String experimentId, Duration timeout, Consumer<ExperimentEvent> onEvent) {
        return follow(experimentId, timeout, new Listener() {
            @Override
            public void event(ExperimentEvent event, long timestampMillis) {
                onEvent.accept(event);
            }
        });
    }

    /** What a follower is told: each event with its record's timestamp, and the time after every poll. */
    interface Listener {
        /** An event of the experiment, with the time the controller produced it (the record's timestamp). */
        void event(ExperimentEvent event, long timestampMillis);

        /** Called after every poll (at most 250 ms apart), e.g. to cancel the experiment at a deadline. */
        default void tick(long nowMillis) {}
    }

    /** As {@link #follow(String, Duration, Consumer)}, telling {@code listener} each event's timestamp and every poll. */
    List<ExperimentEvent> follow(String experimentId, Duration timeout, Listener listener) {
        Map<String, Object> props = Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.GROUP_ID_CONFIG, "nas-watch-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        List<ExperimentEvent> seen = new ArrayList<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(props)) {
            consumer.subscribe(List.of(Topics.EXPERIMENT_EVENTS));
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(250))) {
                    if (!experimentId.equals(r.key())) {
                        continue;
                    }
                    ExperimentEvent event;
                    try {
                        event = JsonCodec.read(r.value(), ExperimentEvent.class);
                    } catch (InvalidInputException e) {
                        continue; // a newer producer's event type; watchers skip what they cannot read
                    }
                    seen.add(event);
                    listener.event(event, r.timestamp());
                    if (event instanceof ExperimentEvent.Completed || event instanceof ExperimentEvent.Rejected) {
                        return seen;
                    }
                }
                listener.tick(System.currentTimeMillis());
            }
        }
        throw new IllegalStateException("experiment " + experimentId + " did not finish within " + timeout
                + " (" + seen.size() + " events seen)");
    }
}
