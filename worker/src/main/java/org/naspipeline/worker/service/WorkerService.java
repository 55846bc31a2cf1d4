package org.naspipeline.worker.service;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.naspipeline.api.ExperimentSpec;
import org.naspipeline.api.InvalidInputException;
import org.naspipeline.api.JsonCodec;
import org.naspipeline.api.Topics;
import org.naspipeline.api.TrialControl;
import org.naspipeline.api.TrialEvent;
import org.naspipeline.api.TrialRequest;
import org.naspipeline.api.TrialResult;
import org.naspipeline.worker.pipeline.TrialCancelledException;
import org.naspipeline.worker.pipeline.TrialEvaluator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kafka adapter around a {@link TrialEvaluator} per slot (the DJL pipeline, or the synthetic one). One thread owns the consumer and keeps polling while trials run on
 * the slot pool, pausing its partitions when every slot is busy, so a long trial never exceeds
 * {@code max.poll.interval.ms}. A record's offset is committed only after its result was acknowledged by the
 * broker, and only as part of the contiguous finished prefix of its partition (at-least-once; the controller
 * drops duplicates by trialId and attempt). Trials of a revoked partition finish and publish without committing.
 */
public final class WorkerService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(WorkerService.class);

    private final WorkerConfig config;
    /** One runner per slot (each bound to its device); a trial takes a free one. */
    private final java.util.concurrent.BlockingQueue<TrialEvaluator> freeRunners;
    private final int slotCount;
    private final KafkaConsumer<String, byte[]> consumer;
    private final KafkaProducer<String, byte[]> producer;
    /** Reads every partition of the broadcast control topic from its end (no group: every worker sees everything). */
    private final KafkaConsumer<String, byte[]> control;
    /** Stop/cancel instructions received for the attempts running here, by "trialId#attempt". */
    private final Map<String, TrialControl> instructions = new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.Set<String> runningAttempts = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final ExecutorService slots;
    private final OffsetTracker offsets = new OffsetTracker();
    private final ConcurrentLinkedQueue<ConsumerRecord<String, byte[]>> finished = new ConcurrentLinkedQueue<>();
    private final AtomicInteger busy = new AtomicInteger();
    private final AtomicBoolean stopping = new AtomicBoolean();
    private final AtomicBoolean abandon = new AtomicBoolean();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final Thread pollThread;

    /** Creates the service with one slot per runner; {@link #start()} begins consuming. */
    public WorkerService(WorkerConfig config, List<? extends TrialEvaluator> runners) {
        if (runners.isEmpty()) {
            throw new IllegalArgumentException("a worker needs at least one trial runner");
        }
        this.config = config;
        this.slotCount = runners.size();
        this.freeRunners = new java.util.concurrent.ArrayBlockingQueue<>(slotCount, false, runners);
        this.consumer = new KafkaConsumer<>(consumerProps(config));
        this.producer = new KafkaProducer<>(producerProps(config));
        Map<String, Object> controlProps = new HashMap<>(consumerProps(config));
        controlProps.remove(ConsumerConfig.GROUP_ID_CONFIG);
        controlProps.put(ConsumerConfig.CLIENT_ID_CONFIG, config.workerId() + "-control");
        controlProps.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 500);
        this.control = new KafkaConsumer<>(controlProps);
        this.slots = Executors.newFixedThreadPool(slotCount, r -> new Thread(r, config.workerId() + "-slot"));
        this.pollThread = new Thread(this::pollLoop, config.workerId() + "-poll");
    }

    private static Map<String, Object> consumerProps(WorkerConfig c) {
        Map<String, Object> p = new HashMap<>();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, c.bootstrapServers());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, c.groupId());
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, c.workerId());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        // Trial requests are written in the controller's transactions; never run one that was aborted.
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 1);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        return p;
    }

    private static Map<String, Object> producerProps(WorkerConfig c) {
        Map<String, Object> p = new HashMap<>();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, c.bootstrapServers());
        p.put(ProducerConfig.CLIENT_ID_CONFIG, c.workerId() + "-producer");
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        return p;
    }

    /** Subscribes and starts the poll thread. */
    public void start() {
        LOG.info("worker {} starting with {} slot(s) on {}, group {}, bootstrap {}", config.workerId(), slotCount,
                freeRunners.stream().map(TrialEvaluator::device).toList(), config.groupId(), config.bootstrapServers());
        List<TopicPartition> controlPartitions = control.partitionsFor(Topics.TRIAL_CONTROL).stream()
                .map(pi -> new TopicPartition(pi.topic(), pi.partition())).toList();
        if (controlPartitions.isEmpty()) {
            LOG.warn("worker {}: topic {} not found; stop and cancel instructions will not reach this worker",
                    config.workerId(), Topics.TRIAL_CONTROL);
        }
        control.assign(controlPartitions);
        control.seekToEnd(controlPartitions);
        controlPartitions.forEach(control::position); // resolve the end now: instructions sent from here on count
        consumer.subscribe(List.of(Topics.TRIALS), new Rebalance());
        pollThread.start();
    }

    private void pollLoop() {
        try {
            while (!stopping.get() || busy.get() > 0) {
                commitFinished();
                boolean full = stopping.get() || busy.get() >= slotCount;
                if (full) {
                    consumer.pause(consumer.assignment());
                } else {
                    consumer.resume(consumer.paused());
                }
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(100))) {
                    accept(record);
                }
                readControl();
            }
            commitFinished();
        } catch (WakeupException e) {
            LOG.debug("worker {} woken up to stop", config.workerId());
        } catch (RuntimeException e) {
            LOG.error("worker {} poll loop failed; the service stops and its trials will be redelivered", config.workerId(), e);
        } finally {
            consumer.close(org.apache.kafka.clients.consumer.CloseOptions.timeout(Duration.ofSeconds(5)));
            control.close(org.apache.kafka.clients.consumer.CloseOptions.timeout(Duration.ofSeconds(5)));
            stopped.countDown();
        }
    }

    private void accept(ConsumerRecord<String, byte[]> record) {
        TopicPartition tp = new TopicPartition(record.topic(), record.partition());
        offsets.taken(tp, record.offset());
        TrialRequest request;
        try {
            request = JsonCodec.read(record.value(), TrialRequest.class);
        } catch (InvalidInputException e) {
            sendToDlq(record, e.getMessage());
            offsets.finished(tp, record.offset());
            return;
        }
        busy.incrementAndGet();
        slots.execute(() -> runTrial(record, request));
    }

    /** Applies stop/cancel broadcasts to the attempts running here; others are not this worker's business. */
    private void readControl() {
        for (ConsumerRecord<String, byte[]> r : control.poll(Duration.ZERO)) {
            TrialControl c;
            try {
                c = JsonCodec.read(r.value(), TrialControl.class);
            } catch (InvalidInputException e) {
                LOG.warn("ignoring unreadable trial-control record at {}@{}: {}", r.partition(), r.offset(), e.getMessage());
                continue;
            }
            String key = c.trialId() + "#" + c.attempt();
            if (runningAttempts.contains(key)) {
                LOG.info("worker {}: {} {} ({})", config.workerId(), c.action(), key, c.reason());
                instructions.put(key, c);
            }
        }
    }

    private void runTrial(ConsumerRecord<String, byte[]> record, TrialRequest req) {
        TrialEvaluator runner = freeRunners.poll(); // never empty: the poll loop takes a record only for a free slot
        String key = req.trialId() + "#" + req.attempt();
        runningAttempts.add(key);
        try {
            publish(new TrialEvent.Started(ExperimentSpec.SCHEMA_VERSION, req.experimentId(), req.trialId(),
                    req.attempt(), config.workerId(), System.currentTimeMillis()));
            TrialResult result = runner.run(req, this::publishProgress, () -> abandon.get() || instructions.containsKey(key));
            publish(result);
            finished.add(record);
        } catch (TrialCancelledException e) {
            TrialControl c = instructions.get(key);
            if (c == null) {
                LOG.warn("{}; left uncommitted so another worker re-runs it", e.getMessage());
            } else {
                // Told to stop or cancel: the trial is over, so it is reported and committed, not redelivered.
                String verb = c.action() == TrialControl.Action.STOP ? "stopped" : "cancelled";
                publish(new TrialResult.Failed(ExperimentSpec.SCHEMA_VERSION, req.experimentId(), req.trialId(),
                        req.attempt(), config.workerId(), verb + ": " + c.reason(), false));
                finished.add(record);
            }
        } catch (RuntimeException e) {
            // An unexpected engine error: report it as a retriable failure rather than losing the worker.
            LOG.error("trial {} attempt {} crashed", req.trialId(), req.attempt(), e);
            try {
                publish(new TrialResult.Failed(ExperimentSpec.SCHEMA_VERSION, req.experimentId(), req.trialId(),
                        req.attempt(), config.workerId(), "worker error: " + e, true));
                finished.add(record);
            } catch (RuntimeException publishFailure) {
                LOG.error("cannot report the failure of trial {}; it stays uncommitted", req.trialId(), publishFailure);
            }
        } finally {
            runningAttempts.remove(key);
            instructions.remove(key);
            freeRunners.add(runner);
            busy.decrementAndGet();
        }
    }

    private void publishProgress(TrialEvent.Progress progress) {
        producer.send(new ProducerRecord<>(Topics.TRIAL_RESULTS, progress.experimentId(), JsonCodec.write(progress)));
    }

    /** Sends and waits for the broker's acknowledgement, so a committed offset always has its result stored. */
    private void publish(TrialEvent event) {
        try {
            producer.send(new ProducerRecord<>(Topics.TRIAL_RESULTS, event.experimentId(), JsonCodec.write(event))).get();
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot publish " + event.getClass().getSimpleName() + " for " + event.trialId(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while publishing for " + event.trialId(), e);
        }
    }

    private void sendToDlq(ConsumerRecord<String, byte[]> record, String reason) {
        LOG.warn("trial request at {}-{}@{} is unreadable, sent to {}: {}", record.topic(), record.partition(),
                record.offset(), Topics.DLQ, reason);
        ProducerRecord<String, byte[]> dlq = new ProducerRecord<>(Topics.DLQ, record.key(), record.value());
        dlq.headers().add("nas.reason", reason.getBytes(StandardCharsets.UTF_8));
        dlq.headers().add("nas.source", (record.topic() + "-" + record.partition() + "@" + record.offset()).getBytes(StandardCharsets.UTF_8));
        try {
            producer.send(dlq).get();
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot write to " + Topics.DLQ, e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while writing to " + Topics.DLQ, e);
        }
    }

    private void commitFinished() {
        ConsumerRecord<String, byte[]> r;
        while ((r = finished.poll()) != null) {
            offsets.finished(new TopicPartition(r.topic(), r.partition()), r.offset());
        }
        Map<TopicPartition, Long> commits = offsets.drainCommittable();
        if (!commits.isEmpty()) {
            Map<TopicPartition, OffsetAndMetadata> toCommit = new HashMap<>();
            commits.forEach((tp, offset) -> toCommit.put(tp, new OffsetAndMetadata(offset)));
            consumer.commitSync(toCommit);
        }
    }

    /** Trials running right now. */
    public int busySlots() {
        return busy.get();
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
            if (!stopped.await(config.shutdownGraceSeconds(), TimeUnit.SECONDS)) {
                LOG.warn("worker {}: grace period over, abandoning {} trial(s) for redelivery", config.workerId(), busy.get());
                abandon.set(true);
                stopped.await(30, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        slots.shutdownNow();
        producer.close(Duration.ofSeconds(5));
    }

    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            LOG.info("worker {} revoked {}", config.workerId(), partitions);
            commitFinished();
            partitions.forEach(offsets::forget);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            LOG.info("worker {} assigned {}", config.workerId(), partitions);
            if (stopping.get() || busy.get() >= slotCount) {
                consumer.pause(partitions);
            }
        }
    }
}
