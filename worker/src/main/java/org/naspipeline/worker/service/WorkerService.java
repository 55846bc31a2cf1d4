package org.naspipeline.worker.service;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.InvalidOffsetException;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.naspipeline.api.InvalidInputException;
import org.naspipeline.api.RecordChecks;
import org.naspipeline.api.Topics;
import org.naspipeline.api.TrialRequest;
import org.naspipeline.worker.pipeline.TrialEvaluator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kafka adapter around a {@link TrialEvaluator} per slot (the DJL pipeline, or the synthetic one). One thread owns
 * the consumer and keeps polling while trials run on the slot pool, pausing its partitions when every slot is busy,
 * so a long trial never exceeds {@code max.poll.interval.ms}. A record's offset is committed only after its result
 * was acknowledged by the broker, and only as part of the contiguous finished prefix of its partition
 * (at-least-once; the controller drops duplicates by trialId and attempt). Trials of a revoked partition finish and
 * publish without committing. Errors are handled as {@link KafkaErrors} sorts them. See DESIGN.md in this package.
 */
public final class WorkerService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(WorkerService.class);

    private final WorkerConfig config;
    /** One runner per slot (each bound to its device); a trial takes a free one. */
    private final BlockingQueue<TrialEvaluator> freeRunners;
    private final List<TrialEvaluator> runners;
    private final int slotCount;
    private final Consumer<String, byte[]> consumer;
    private final Producer<String, byte[]> producer;
    /** Reads every partition of the broadcast control topic (no group: every worker sees everything). */
    private final Consumer<String, byte[]> control;
    private final ControlReader controlReader;
    private final TrialExecution execution;
    private final DeadLetters deadLetters;
    private final WorkerMetrics metrics;
    /** Kafka's own client metrics (fetch lag, request latency, …) bridged into the registry. */
    private final List<KafkaClientMetrics> clientMetrics;
    private final ExecutorService slots;
    private final OffsetTracker offsets = new OffsetTracker();
    private final ConcurrentLinkedQueue<ConsumerRecord<String, byte[]>> finished = new ConcurrentLinkedQueue<>();
    /** Offsets whose commit failed transiently, retried with the next commit while the partition stays ours. */
    private final Map<TopicPartition, OffsetAndMetadata> unsentCommits = new HashMap<>();
    private final AtomicInteger busy = new AtomicInteger();
    private final AtomicInteger assignments = new AtomicInteger();
    private final AtomicInteger revocations = new AtomicInteger();
    private final AtomicBoolean stopping = new AtomicBoolean();
    private final CompletableFuture<Void> terminated = new CompletableFuture<>();
    private volatile long lastPollNanos = System.nanoTime();
    private volatile Set<TopicPartition> assigned = Set.of();
    private final Thread pollThread;

    /** A service whose metrics go nowhere (embedded use: the demo, tests). */
    public WorkerService(WorkerConfig config, List<? extends TrialEvaluator> runners) {
        this(config, runners, new SimpleMeterRegistry());
    }

    /** Creates the service with one slot per runner, its metrics in {@code registry}; {@link #start()} begins consuming. */
    public WorkerService(WorkerConfig config, List<? extends TrialEvaluator> runners, MeterRegistry registry) {
        this(config, runners, registry, WorkerClients.connect(config));
    }

    WorkerService(WorkerConfig config, List<? extends TrialEvaluator> runners, MeterRegistry registry, WorkerClients clients) {
        if (runners.isEmpty()) {
            throw new IllegalArgumentException("a worker needs at least one trial runner");
        }
        this.config = config;
        this.runners = List.copyOf(runners);
        this.slotCount = runners.size();
        this.freeRunners = new ArrayBlockingQueue<>(slotCount, false, runners);
        this.consumer = clients.trials();
        this.control = clients.control();
        this.producer = clients.producer();
        this.metrics = new WorkerMetrics(registry, slotCount, busy::get, () -> (System.nanoTime() - lastPollNanos) / 1e9);
        this.clientMetrics = List.of(new KafkaClientMetrics(consumer), new KafkaClientMetrics(producer));
        clientMetrics.forEach(m -> m.bindTo(registry));
        this.execution = new TrialExecution(config.workerId(), producer, metrics, new AttemptMemory());
        this.controlReader = new ControlReader(config.workerId(), control,
                records -> execution.readControl(records).forEach(this::deadLetterControl));
        this.deadLetters = new DeadLetters(config.workerId(), producer, metrics);
        this.slots = Executors.newFixedThreadPool(slotCount, r -> new Thread(r, config.workerId() + "-slot"));
        this.pollThread = new Thread(this::pollLoop, config.workerId() + "-poll");
    }

    /** Subscribes and starts the poll thread. */
    public void start() {
        LOG.info("worker {} starting with {} slot(s) on {}, group {}, bootstrap {}, client overrides: {}", config.workerId(),
                slotCount, runners.stream().map(TrialEvaluator::device).toList(), config.groupId(), config.bootstrapServers(),
                config.kafka().describe());
        try {
            controlReader.start(System.currentTimeMillis());
        } catch (org.apache.kafka.common.errors.TimeoutException e) {
            // the first call that needs a broker: say what to check rather than Kafka's "fetching topic metadata"
            throw new IllegalStateException("cannot reach the Kafka broker at " + config.bootstrapServers()
                    + " (NAS_KAFKA_BOOTSTRAP): " + e.getMessage() + "; is the broker running and the address right?", e);
        }
        consumer.subscribe(List.of(Topics.TRIALS), new Rebalance());
        pollThread.start();
    }

    private void pollLoop() {
        Throwable failure = null;
        try {
            while (!stopping.get() || busy.get() > 0) {
                try {
                    pollOnce();
                } catch (WakeupException e) {
                    // a slot freed up (see accept): poll again now rather than at the end of the poll timeout
                } catch (RuntimeException e) {
                    switch (KafkaErrors.classify(e)) {
                        case SEEK -> {
                            Set<TopicPartition> parts = ((InvalidOffsetException) e).partitions();
                            LOG.warn("worker {}: no valid offset for {} ({}); seeking to the earliest one", config.workerId(), parts, e.getMessage());
                            consumer.seekToBeginning(parts);
                        }
                        case RETRY -> LOG.warn("worker {}: transient Kafka error, continuing: {}", config.workerId(), e.toString());
                        case FATAL -> throw e;
                    }
                }
            }
            commitFinished();
        } catch (RuntimeException e) {
            failure = e;
            LOG.error("worker {} stops on a fatal error; its running trials are abandoned for redelivery", config.workerId(), e);
            execution.abandonAll();
        } finally {
            consumer.close(CloseOptions.timeout(Duration.ofSeconds(5)));
            control.close(CloseOptions.timeout(Duration.ofSeconds(5)));
            if (failure == null) {
                terminated.complete(null);
            } else {
                terminated.completeExceptionally(failure);
            }
        }
    }

    private void pollOnce() {
        // Instructions first, so a cancel already on the topic is known before the request it cancels is taken.
        controlReader.poll();
        boolean full = stopping.get() || busy.get() >= slotCount || !controlReader.caughtUp();
        if (full) {
            consumer.pause(consumer.assignment());
        } else {
            consumer.resume(consumer.paused());
        }
        for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(100))) {
            accept(record);
        }
        commitFinished(); // after taking the next trial, so a freed slot does not wait for the commit round trip
        lastPollNanos = System.nanoTime();
    }

    /**
     * Takes one request: an invalid one goes to the dead-letter topic, one whose attempt is known to be over is
     * reported as skipped, anything else runs on a free slot. Either way its offset is committed once it is done.
     */
    private void accept(ConsumerRecord<String, byte[]> record) {
        TopicPartition tp = new TopicPartition(record.topic(), record.partition());
        offsets.taken(tp, record.offset());
        TrialRequest request;
        try {
            request = RecordChecks.trialRequest(record.key(), record.value());
        } catch (InvalidInputException e) {
            deadLetter(tp, record, e.getMessage(), null);
            return;
        } catch (RuntimeException e) {
            // a defect in reading, not in the record's form: still only this record's problem
            deadLetter(tp, record, "unexpected error reading the request: " + TrialExecution.describe(e), e);
            return;
        }
        AttemptMemory.Skip skip = execution.skipOf(request);
        if (skip != null) {
            execution.skip(request, skip, () -> finished.add(record));
            return;
        }
        busy.incrementAndGet();
        slots.execute(() -> {
            TrialEvaluator runner = freeRunners.poll(); // never empty: the poll loop takes a record only for a free slot
            try {
                if (execution.run(runner, request)) {
                    finished.add(record);
                }
            } catch (RuntimeException | Error e) {
                LOG.error("worker {}: trial {} ended without a report; its record stays uncommitted", config.workerId(),
                        request.trialId(), e);
            } finally {
                freeRunners.add(runner);
                busy.decrementAndGet();
                consumer.wakeup(); // the one thread-safe consumer call: resume and commit without waiting out the poll
            }
        });
    }

    /** Dead-letters a record and counts it done; when the write times out, seeks back so it is taken again. */
    private void deadLetter(TopicPartition tp, ConsumerRecord<String, byte[]> record, String reason, Throwable defect) {
        if (deadLetters.send(record, reason, defect)) {
            offsets.finished(tp, record.offset());
        } else {
            consumer.seek(tp, record.offset());
        }
    }

    /**
     * Dead-letters an invalid control record, once for the fleet: every worker reads the whole broadcast topic, so
     * only the one that owns partition 0 of {@code nas.trials} writes it (during a rebalance, none or two may);
     * every worker counts it in {@code nas_worker_control_records_invalid_total}.
     */
    private void deadLetterControl(TrialExecution.InvalidControl invalid) {
        if (assigned.contains(new TopicPartition(Topics.TRIALS, 0))) {
            deadLetters.send(invalid.record(), invalid.reason(), null);
        }
    }

    private void commitFinished() {
        ConsumerRecord<String, byte[]> r;
        while ((r = finished.poll()) != null) {
            offsets.finished(new TopicPartition(r.topic(), r.partition()), r.offset());
        }
        offsets.drainCommittable().forEach((tp, offset) -> unsentCommits.put(tp, new OffsetAndMetadata(offset)));
        unsentCommits.keySet().retainAll(consumer.assignment());
        if (!unsentCommits.isEmpty()) {
            consumer.commitSync(unsentCommits);
            unsentCommits.clear();
        }
    }

    /** Trials running right now. */
    public int busySlots() {
        return busy.get();
    }

    /** What the health checks report about the consumer loop. */
    public record Health(boolean alive, long millisSinceLastPoll, int assignedPartitions, int busySlots, int slots,
                         int assignments, int revocations, String failure) {}

    /** A snapshot for the health checks and tests. */
    public Health health() {
        Throwable failure = terminated.isCompletedExceptionally() ? terminated.handle((v, e) -> e).join() : null;
        return new Health(pollThread.isAlive() && !terminated.isDone(), (System.nanoTime() - lastPollNanos) / 1_000_000,
                assigned.size(), busy.get(), slotCount, assignments.get(), revocations.get(),
                failure == null ? null : failure.toString());
    }

    /** Completes when the consumer loop has ended: normally after {@link #close()}, exceptionally on a fatal error. */
    public CompletableFuture<Void> terminated() {
        return terminated;
    }

    /** The evaluators, one per slot (for the engine readiness check). */
    public List<TrialEvaluator> evaluators() {
        return runners;
    }

    /**
     * Stops taking work, lets running trials finish within the grace period, then abandons the rest
     * uncommitted (so they are redelivered), and closes the clients.
     */
    @Override
    public void close() {
        if (!stopping.compareAndSet(false, true)) {
            return;
        }
        LOG.info("worker {} stopping: {} trial(s) running, grace {} s", config.workerId(), busy.get(), config.shutdownGraceSeconds());
        try {
            if (pollThread.isAlive() || pollThread.getState() == Thread.State.NEW) {
                awaitTermination(config.shutdownGraceSeconds());
            }
            if (!terminated.isDone()) {
                LOG.warn("worker {}: grace period over, abandoning {} trial(s) for redelivery", config.workerId(), busy.get());
                execution.abandonAll();
                awaitTermination(30);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        slots.shutdownNow();
        runners.forEach(TrialEvaluator::close);
        clientMetrics.forEach(KafkaClientMetrics::close);
        producer.close(Duration.ofSeconds(5));
        LOG.info("worker {} stopped", config.workerId());
    }

    private void awaitTermination(int seconds) throws InterruptedException {
        if (pollThread.getState() == Thread.State.NEW) {
            terminated.complete(null); // never started: nothing to wait for
            return;
        }
        try {
            terminated.get(seconds, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            LOG.debug("worker {}: consumer loop not ended cleanly: {}", config.workerId(), e.toString());
        }
    }

    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            if (partitions.isEmpty()) {
                return;
            }
            LOG.info("worker {} revoked {}; trials running for them finish and publish, uncommitted", config.workerId(), partitions);
            revocations.incrementAndGet();
            metrics.rebalanced();
            commitFinished();
            partitions.forEach(offsets::forget);
            assigned = Set.copyOf(consumer.assignment());
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            LOG.warn("worker {} lost {} (left the group); nothing of them can be committed", config.workerId(), partitions);
            revocations.incrementAndGet();
            metrics.rebalanced();
            partitions.forEach(offsets::forget);
            partitions.forEach(unsentCommits::remove);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            LOG.info("worker {} assigned {}", config.workerId(), partitions);
            assignments.incrementAndGet();
            assigned = Set.copyOf(consumer.assignment());
            if (stopping.get() || busy.get() >= slotCount || !controlReader.caughtUp()) {
                consumer.pause(partitions);
            }
        }
    }
}
