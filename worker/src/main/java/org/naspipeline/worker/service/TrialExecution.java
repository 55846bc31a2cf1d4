package org.naspipeline.worker.service;

import java.time.Duration;
import java.util.List;
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
import org.naspipeline.api.RecordChecks;
import org.naspipeline.api.SafeMessages;
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
 * the broker before the caller may commit. Applies stop and cancel broadcasts to the attempts running here and
 * remembers them (with the attempts it finished) in {@link AttemptMemory}, so a request taken later for such an
 * attempt is reported as skipped instead of trained.
 */
final class TrialExecution {
    private static final Logger LOG = LoggerFactory.getLogger(TrialExecution.class);

    private final String workerId;
    private final Producer<String, byte[]> producer;
    private final WorkerMetrics metrics;
    private final AttemptMemory memory;
    private final Set<String> runningAttempts = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean abandon = new AtomicBoolean();

    TrialExecution(String workerId, Producer<String, byte[]> producer, WorkerMetrics metrics, AttemptMemory memory) {
        this.workerId = workerId;
        this.producer = producer;
        this.metrics = metrics;
        this.memory = memory;
    }

    /**
     * Runs the trial; true when it is over for good (result or stop/cancel published) and its record may be
     * committed, false when it was abandoned (shutdown past the grace period, fatal error) or its end could not be
     * published, and must be redelivered. Throws nothing: an evaluator's exception or error becomes a report.
     */
    boolean run(TrialEvaluator runner, TrialRequest req) {
        String key = AttemptMemory.key(req.trialId(), req.attempt());
        runningAttempts.add(key);
        try {
            publish(new TrialEvent.Started(ExperimentSpec.SCHEMA_VERSION, req.experimentId(), req.trialId(),
                    req.attempt(), workerId, System.currentTimeMillis()));
            TrialResult result = runner.run(req, new Listener(),
                    () -> abandon.get() || memory.instruction(req.trialId(), req.attempt()) != null);
            publish(result);
            memory.finished(req.trialId(), req.attempt());
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
            AttemptMemory.Instruction c = memory.instruction(req.trialId(), req.attempt());
            if (c == null) {
                LOG.warn("{}; left uncommitted so another worker re-runs it", e.getMessage());
                return false;
            }
            // Told to stop or cancel: the trial is over, so it is reported and committed, not redelivered.
            boolean stop = c.action() == TrialControl.Action.STOP;
            return report(req, (stop ? "stopped" : "cancelled") + ": " + c.reason(), false,
                    stop ? WorkerMetrics.FailureReason.STOPPED : WorkerMetrics.FailureReason.CANCELLED);
        } catch (RuntimeException | Error e) {
            // An unexpected engine error (native libraries throw errors too): report it as a retriable failure
            // rather than losing the worker or the slot.
            LOG.error("trial {} attempt {} crashed", req.trialId(), req.attempt(), e);
            return report(req, "worker error: " + describe(e), true, WorkerMetrics.FailureReason.CRASHED);
        } finally {
            runningAttempts.remove(key);
        }
    }

    /** Publishes a failure as the attempt's end; false when even that cannot be published (then it stays uncommitted). */
    private boolean report(TrialRequest req, String reason, boolean retriable, WorkerMetrics.FailureReason metric) {
        try {
            publish(new TrialResult.Failed(ExperimentSpec.SCHEMA_VERSION, req.experimentId(), req.trialId(),
                    req.attempt(), workerId, reason, retriable));
        } catch (RuntimeException publishFailure) {
            LOG.error("cannot report the end of trial {} attempt {}; it stays uncommitted", req.trialId(), req.attempt(), publishFailure);
            return false;
        }
        memory.finished(req.trialId(), req.attempt());
        metrics.failed(metric);
        return true;
    }

    /** Null when the request should run; otherwise why it is not run (see {@link AttemptMemory#skip}). */
    AttemptMemory.Skip skipOf(TrialRequest req) {
        return memory.skip(req);
    }

    /**
     * Reports a request that is not run (see {@link AttemptMemory#skip}) as a non-retriable failure of its attempt,
     * without a started event, and calls {@code done} once the broker has the report (or at once when there is
     * nothing to report), so its offset may be committed. A report that cannot be sent is logged and the record
     * stays uncommitted, like a trial whose result cannot be published.
     */
    void skip(TrialRequest req, AttemptMemory.Skip skip, Runnable done) {
        LOG.info("worker {}: not running trial {} attempt {} of experiment {}: {}", workerId, req.trialId(), req.attempt(),
                req.experimentId(), skip.message());
        metrics.skipped(skip.reason());
        if (!skip.report()) {
            done.run();
            return;
        }
        TrialResult.Failed failed = new TrialResult.Failed(ExperimentSpec.SCHEMA_VERSION, req.experimentId(), req.trialId(),
                req.attempt(), workerId, skip.message(), false);
        try {
            producer.send(new ProducerRecord<>(Topics.TRIAL_RESULTS, failed.experimentId(), JsonCodec.write(failed)), (meta, error) -> {
                if (error == null) {
                    done.run();
                } else {
                    LOG.error("cannot report skipped trial {} attempt {}; it stays uncommitted: {}", req.trialId(), req.attempt(),
                            error.getMessage());
                }
            });
        } catch (RuntimeException e) {
            LOG.error("cannot report skipped trial {} attempt {}; it stays uncommitted: {}", req.trialId(), req.attempt(), e.getMessage());
        }
    }

    /** A control record that failed its checks, with the reason. */
    record InvalidControl(ConsumerRecord<String, byte[]> record, String reason) {}

    /**
     * Remembers every valid stop/cancel broadcast (for requests not taken yet, too); an invalid record is logged,
     * counted and returned, for the one worker that dead-letters it (see {@code WorkerService}).
     */
    List<InvalidControl> readControl(ConsumerRecords<String, byte[]> records) {
        List<InvalidControl> invalid = new java.util.ArrayList<>();
        for (ConsumerRecord<String, byte[]> r : records) {
            TrialControl c;
            try {
                c = RecordChecks.trialControl(r.key(), r.value());
            } catch (RuntimeException e) {
                metrics.controlRecordInvalid();
                String reason = "invalid trial control: " + (e instanceof InvalidInputException ? e.getMessage() : describe(e));
                LOG.warn("worker {}: ignoring invalid record at {}-{}@{}: {}", workerId, r.topic(), r.partition(), r.offset(), reason);
                invalid.add(new InvalidControl(r, reason));
                continue;
            }
            memory.instructed(c);
            String key = AttemptMemory.key(c.trialId(), c.attempt());
            if (runningAttempts.contains(key)) {
                LOG.info("worker {}: {} {} ({})", workerId, c.action(), key, c.reason());
            } else {
                LOG.debug("worker {}: remembered {} {} for a request not running here", workerId, c.action(), key);
            }
        }
        return invalid;
    }

    /** Makes every running trial end at its next check, uncommitted, so the group redelivers it. */
    void abandonAll() {
        abandon.set(true);
    }

    /** An error's message for a report, without class names; a generic phrase when it has none. */
    static String describe(Throwable e) {
        return SafeMessages.of(e, "an unexpected error in the trial pipeline");
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
