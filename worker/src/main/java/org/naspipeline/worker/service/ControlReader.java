package org.naspipeline.worker.service;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.InvalidOffsetException;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.naspipeline.api.Topics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the broadcast control topic (no group: every worker sees every instruction). It starts
 * {@link #LOOKBACK} back, found by timestamp, so a worker started after a cancel still learns of it before it
 * takes the cancelled request; until it has read up to the end offsets seen at start (or {@link #CATCH_UP_LIMIT}
 * has passed) it says it is not {@link #caughtUp()} and the service takes no request. Used by the poll thread only.
 */
final class ControlReader {
    private static final Logger LOG = LoggerFactory.getLogger(ControlReader.class);
    /**
     * How far back a starting worker reads instructions. A request cancelled longer ago than this and still queued
     * (no worker ran for a day) is trained once more and its result dropped by the controller; control traffic is
     * a few records per trial, so a day is cheap to read.
     */
    static final Duration LOOKBACK = Duration.ofHours(24);
    /** The most a start waits for the look-back read before taking requests anyway. */
    static final Duration CATCH_UP_LIMIT = Duration.ofSeconds(30);

    private final String workerId;
    private final org.apache.kafka.clients.consumer.Consumer<String, byte[]> control;
    private final Consumer<ConsumerRecords<String, byte[]>> sink;
    /** How often a worker that started before the control topic existed looks for it again. */
    static final Duration TOPIC_RECHECK = Duration.ofSeconds(5);

    private final Duration recheck;
    private List<TopicPartition> partitions = List.of();
    private long nextTopicCheckNanos;
    private Map<TopicPartition, Long> catchUpTo = Map.of();
    private long catchUpDeadlineNanos;
    private boolean caughtUp;

    ControlReader(String workerId, org.apache.kafka.clients.consumer.Consumer<String, byte[]> control,
                  Consumer<ConsumerRecords<String, byte[]>> sink) {
        this(workerId, control, sink, TOPIC_RECHECK);
    }

    /** As above, looking for a missing control topic every {@code recheck}. */
    ControlReader(String workerId, org.apache.kafka.clients.consumer.Consumer<String, byte[]> control,
                  Consumer<ConsumerRecords<String, byte[]>> sink, Duration recheck) {
        this.workerId = workerId;
        this.control = control;
        this.sink = sink;
        this.recheck = recheck;
    }

    /** Assigns every partition and positions each {@link #LOOKBACK} back from {@code nowMillis}. */
    void start(long nowMillis) {
        partitions = control.partitionsFor(Topics.TRIAL_CONTROL).stream()
                .map(pi -> new TopicPartition(pi.topic(), pi.partition())).toList();
        control.assign(partitions);
        if (partitions.isEmpty()) {
            // started before the controller created the topics: nothing to catch up on; look again while polling
            LOG.warn("worker {}: topic {} not there yet; looking for it every {} s (stop and cancel instructions reach "
                    + "this worker once it exists)", workerId, Topics.TRIAL_CONTROL, recheck.toSeconds());
            nextTopicCheckNanos = System.nanoTime() + recheck.toNanos();
            caughtUp = true;
            return;
        }
        Map<TopicPartition, Long> search = new HashMap<>();
        partitions.forEach(tp -> search.put(tp, nowMillis - LOOKBACK.toMillis()));
        Map<TopicPartition, OffsetAndTimestamp> found;
        Map<TopicPartition, Long> ends;
        try {
            found = control.offsetsForTimes(search);
            ends = control.endOffsets(partitions);
        } catch (org.apache.kafka.common.errors.RetriableException e) {
            LOG.warn("worker {}: cannot find the last {} h of {} ({}); reading from its end, so instructions sent before "
                    + "this start are not known", workerId, LOOKBACK.toHours(), Topics.TRIAL_CONTROL, e.getMessage());
            control.seekToEnd(partitions);
            caughtUp = true;
            return;
        }
        Map<TopicPartition, Long> targets = new HashMap<>();
        for (TopicPartition tp : partitions) {
            OffsetAndTimestamp from = found.get(tp);
            long end = ends.getOrDefault(tp, 0L);
            long start = from == null ? end : from.offset(); // null: nothing newer than the look-back
            control.seek(tp, start);
            if (start < end) {
                targets.put(tp, end);
            }
        }
        catchUpTo = targets;
        catchUpDeadlineNanos = System.nanoTime() + CATCH_UP_LIMIT.toNanos();
        caughtUp = targets.isEmpty();
        LOG.info("worker {}: reading {} from {} h back ({} offset(s) to read before taking requests)", workerId, Topics.TRIAL_CONTROL,
                LOOKBACK.toHours(), targets.entrySet().stream().mapToLong(e -> e.getValue() - control.position(e.getKey())).sum());
    }

    /**
     * Hands new instructions to the sink. While catching up it reads for up to a second, otherwise only what has
     * arrived. An invalid position is repaired by reading from the beginning, a transient error retried next time.
     */
    void poll() {
        try {
            if (partitions.isEmpty() && !assignOnceTheTopicExists()) {
                return; // an unassigned consumer must not be polled
            }
            if (caughtUp) {
                sink.accept(control.poll(Duration.ZERO));
                return;
            }
            long until = System.nanoTime() + Duration.ofSeconds(1).toNanos();
            while (!caughtUp && System.nanoTime() < until) {
                sink.accept(control.poll(Duration.ofMillis(100)));
                caughtUp = reachedTargets();
            }
            if (!caughtUp && System.nanoTime() > catchUpDeadlineNanos) {
                LOG.warn("worker {}: {} not read up to its end within {} s; taking requests anyway", workerId,
                        Topics.TRIAL_CONTROL, CATCH_UP_LIMIT.toSeconds());
                caughtUp = true;
            }
        } catch (InvalidOffsetException e) {
            LOG.warn("worker {}: no valid offset for {} ({}); reading from the earliest one", workerId, e.partitions(), e.getMessage());
            control.seekToBeginning(e.partitions());
        } catch (org.apache.kafka.common.errors.RetriableException e) {
            LOG.warn("worker {}: transient error reading {}, continuing: {}", workerId, Topics.TRIAL_CONTROL, e.getMessage());
        }
    }

    /**
     * For a worker that started before the control topic existed: every {@link #TOPIC_RECHECK}, looks for it, and
     * once it is there reads it from its beginning (every instruction it holds came after this worker started).
     */
    private boolean assignOnceTheTopicExists() {
        if (System.nanoTime() < nextTopicCheckNanos) {
            return false;
        }
        nextTopicCheckNanos = System.nanoTime() + recheck.toNanos();
        List<TopicPartition> found = control.partitionsFor(Topics.TRIAL_CONTROL).stream()
                .map(pi -> new TopicPartition(pi.topic(), pi.partition())).toList();
        if (found.isEmpty()) {
            return false;
        }
        partitions = found;
        control.assign(partitions);
        control.seekToBeginning(partitions);
        LOG.info("worker {}: topic {} found; reading it from its beginning", workerId, Topics.TRIAL_CONTROL);
        return true;
    }

    /** Whether the instructions that existed at start have been read (or the wait for them is over). */
    boolean caughtUp() {
        return caughtUp;
    }

    private boolean reachedTargets() {
        for (Map.Entry<TopicPartition, Long> e : catchUpTo.entrySet()) {
            if (control.position(e.getKey()) < e.getValue()) {
                return false;
            }
        }
        return true;
    }
}
