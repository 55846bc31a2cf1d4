package org.naspipeline.cli;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.naspipeline.api.JsonCodec;
import org.naspipeline.api.Topics;
import org.naspipeline.api.TrialEvent;
import org.naspipeline.testkit.KafkaCluster;

/** Collects the events of {@code nas.trial-results} for one experiment on a background thread, from the start. */
final class TrialEventLog implements AutoCloseable {
    private final List<TrialEvent> events = new CopyOnWriteArrayList<>();
    private final Thread reader;
    private volatile boolean closed;

    /** Starts reading; {@code onEvent} sees each event of {@code experimentId} on the reader thread. */
    TrialEventLog(KafkaCluster kafka, String experimentId, Consumer<TrialEvent> onEvent) {
        reader = new Thread(() -> {
            try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of("bootstrap.servers", kafka.bootstrapServers(),
                    "group.id", "trial-log-" + UUID.randomUUID(), "auto.offset.reset", "earliest",
                    "key.deserializer", StringDeserializer.class, "value.deserializer", ByteArrayDeserializer.class))) {
                consumer.subscribe(List.of(Topics.TRIAL_RESULTS));
                while (!closed) {
                    for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                        if (experimentId.equals(r.key())) {
                            TrialEvent e = JsonCodec.read(r.value(), TrialEvent.class);
                            onEvent.accept(e);
                            synchronized (events) {
                                events.add(e);
                                events.notifyAll();
                            }
                        }
                    }
                }
            }
        }, "trial-event-log");
        reader.setDaemon(true);
        reader.start();
    }

    /** Every event seen so far. */
    List<TrialEvent> events() {
        return List.copyOf(events);
    }

    /** The first event matching {@code match}, waiting up to {@code timeout}. */
    TrialEvent await(Predicate<TrialEvent> match, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (events) {
            long left;
            while ((left = deadline - System.nanoTime()) > 0) {
                for (TrialEvent e : events) {
                    if (match.test(e)) {
                        return e;
                    }
                }
                events.wait(Math.max(1, left / 1_000_000));
            }
        }
        throw new AssertionError("no matching trial event within " + timeout + "; seen " + events);
    }

    @Override
    public void close() throws InterruptedException {
        closed = true;
        reader.join(5_000);
    }
}
