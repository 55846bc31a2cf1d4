package org.naspipeline.worker.service;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.naspipeline.api.ExperimentSpec;
import org.naspipeline.api.InvalidInputException;
import org.naspipeline.api.JsonCodec;
import org.naspipeline.api.Topics;
import org.naspipeline.api.TrialControl;
import org.naspipeline.api.TrialEvent;
import org.naspipeline.api.TrialRequest;
import org.naspipeline.api.TrialResult;
import org.naspipeline.ops.KafkaSends;
import org.naspipeline.worker.pipeline.ProgressListener;
import org.naspipeline.worker.pipeline.TrialCancelledException;
import org.naspipeline.worker.pipeline.TrialEvaluator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one trial on a slot and publishes its events: started, progress per epoch, and the result, acknowledged by
 * the broker before the caller may commit. Applies stop and cancel broadcasts to the attempts running here.
 */
final class TrialExecution {
    private static final Logger LOG = LoggerFactory.getLogger(TrialExecution.class);

    private final String workerId;
    private final Producer<String, byte[]> producer;
    private final WorkerMetrics metrics;
    /** Stop/cancel instructions received for the attempts running here, by "trialId#attempt". */
    private final Map<String, TrialControl> instructions = new ConcurrentHashMap<>();
    private final Set<String> runningAttempts = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean abandon = new AtomicBoolean();

    TrialExecution(String workerId, Producer<String, byte[]> producer, WorkerMetrics metrics) {
        this.workerId = workerId;
        this.producer = producer;
        this.metrics = metrics;
    }

    /**
     * Runs the trial; true when it is over for good (result or stop/cancel published) and its record may be
     * committed, false when it was abandoned (shutdown past the grace period, fatal error) and must be redelivered.
     */
    boolean run(TrialEvaluator runner, TrialRequest req) {
        String key = req.trialId() + "#" + req.attempt();
        runningAttempts.add(key);
        try {
            publish(new TrialEvent.Started(ExperimentSpec.SCHEMA_VERSION, req.experimentId(), req.trialId(),
                    req.attempt(), workerId, System.currentTimeMillis()));
            TrialResult result = runner.run(req, new Listener(), () -> abandon.get() || instructions.containsKey(key));
            publish(result);
            if (result instanceof TrialResult.Failed f) {
                metrics.failed(f.retriable() ? WorkerMetrics.FailureReason.RETRIABLE : WorkerMetrics.FailureReason.PERMANENT);
            } else if (result instanceof TrialResult.Completed c) {
                if (c.metrics().samplesPerSecond() > 0) {
                    metrics.samplesPerSecond(c.metrics().samplesPerSecond());
                }
                if (c.metrics().peakMemoryBytes() != null) {
                    metrics.devicePeakMemory(c.metrics().device(), c.metrics().peakMemoryBytes());
                }
            }
            return true;
        } catch (TrialCancelledException e) {
            TrialControl c = instructions.get(key);
            if (c == null) {
                LOG.warn("{}; left uncommitted so another worker re-runs it", e.getMessage());
                return false;
            }
            // Told to stop or cancel: the trial is over, so it is reported and committed, not redelivered.
            boolean stop = c.action() == TrialControl.Action.STOP;
            publish(new TrialResult.Failed(ExperimentSpec.SCHEMA_VERSION, req.experimentId(), req.trialId(),
                    req.attempt(), workerId, (stop ? "stopped" : "cancelled") + ": " + c.reason(), false));
            metrics.failed(stop ? WorkerMetrics.FailureReason.STOPPED : WorkerMetrics.FailureReason.CANCELLED);
            return true;
        } catch (RuntimeException e) {
            // An unexpected engine error: report it as a retriable failure rather than losing the worker.
            LOG.error("trial {} attempt {} crashed", req.trialId(), req.attempt(), e);
            try {
                publish(new TrialResult.Failed(ExperimentSpec.SCHEMA_VERSION, req.experimentId(), req.trialId(),
                        req.attempt(), workerId, "worker error: " + e, true));
                metrics.failed(WorkerMetrics.FailureReason.CRASHED);
                return true;
            } catch (RuntimeException publishFailure) {
                LOG.error("cannot report the failure of trial {}; it stays uncommitted", req.trialId(), publishFailure);
                return false;
            }
        } finally {
            runningAttempts.remove(key);
            instructions.remove(key);
        }
    }

    /** Applies stop/cancel broadcasts to the attempts running here; others are not this worker's business. */
    void readControl(ConsumerRecords<String, byte[]> records) {
        for (ConsumerRecord<String, byte[]> r : records) {
            TrialControl c;
            try {
                c = JsonCodec.read(r.value(), TrialControl.class);
            } catch (InvalidInputException e) {
                LOG.warn("ignoring unreadable trial-control record at {}@{}: {}", r.partition(), r.offset(), e.getMessage());
                continue;
            }
            String key = c.trialId() + "#" + c.attempt();
            if (runningAttempts.contains(key)) {
                LOG.info("worker {}: {} {} ({})", workerId, c.action(), key, c.reason());
                instructions.put(key, c);
            }
        }
    }

    /** Makes every running trial end at its next check, uncommitted, so the group redelivers it. */
    void abandonAll() {
        abandon.set(true);
    }

    /** Sends and waits for the broker's acknowledgement, so a committed offset always has its result stored. */
    private void publish(TrialEvent event) {
        KafkaSends.awaitAck(producer.send(new ProducerRecord<>(Topics.TRIAL_RESULTS, event.experimentId(), JsonCodec.write(event))),
                "publish " + event.getClass().getSimpleName() + " for " + event.trialId(), Duration.ofSeconds(60));
    }

    /** Publishes progress without waiting (a lost progress report costs nothing) and times the phases. */
    private final class Listener implements ProgressListener {
        @Override
        public void onEpoch(TrialEvent.Progress progress) {
            producer.send(new ProducerRecord<>(Topics.TRIAL_RESULTS, progress.experimentId(), JsonCodec.write(progress)));
        }

        @Override
        public void onPhase(String phase, double seconds) {
            metrics.phase(phase, seconds);
        }
    }
}
