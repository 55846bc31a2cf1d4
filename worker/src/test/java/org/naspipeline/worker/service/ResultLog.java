package org.naspipeline.worker.service;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.naspipeline.api.JsonCodec;
import org.naspipeline.api.Topics;
import org.naspipeline.api.TrialEvent;
import org.naspipeline.api.TrialResult;
import org.naspipeline.testkit.KafkaCluster;

/** Everything workers wrote on nas.trial-results for one experiment, read by a plain consumer (test helper). */
final class ResultLog implements AutoCloseable {
    private final KafkaConsumer<String, byte[]> consumer;
    private final String experimentId;
    private final List<TrialEvent> events = new ArrayList<>();

    ResultLog(KafkaCluster kafka, String experimentId) {
        this.consumer = LongTrialIT.reader(kafka);
        this.experimentId = experimentId;
        consumer.subscribe(List.of(Topics.TRIAL_RESULTS));
    }

    /** Reads until {@code done} holds for the events so far, or fails after {@code timeout}. */
    List<TrialEvent> awaitUntil(Predicate<List<TrialEvent>> done, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!done.test(events)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not reached within " + timeout + "; events of " + experimentId + ": " + events);
            }
            read(Duration.ofMillis(100));
        }
        return List.copyOf(events);
    }

    /** Reads for {@code time} more and returns every event so far. */
    List<TrialEvent> readFor(Duration time) {
        long deadline = System.nanoTime() + time.toNanos();
        while (System.nanoTime() < deadline) {
            read(Duration.ofMillis(100));
        }
        return List.copyOf(events);
    }

    static long results(List<TrialEvent> events) {
        return events.stream().filter(e -> e instanceof TrialResult).count();
    }

    static List<String> started(List<TrialEvent> events) {
        return events.stream().filter(e -> e instanceof TrialEvent.Started).map(TrialEvent::trialId).toList();
    }

    private void read(Duration timeout) {
        for (ConsumerRecord<String, byte[]> r : consumer.poll(timeout)) {
            if (experimentId.equals(r.key())) {
                events.add(JsonCodec.read(r.value(), TrialEvent.class));
            }
        }
    }

    @Override
    public void close() {
        consumer.close();
    }
}
