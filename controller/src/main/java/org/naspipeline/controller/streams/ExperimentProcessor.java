package org.naspipeline.controller.streams;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.naspipeline.api.ExperimentCommand;
import org.naspipeline.api.ExperimentEvent;
import org.naspipeline.api.ExperimentSpec;
import org.naspipeline.api.InvalidInputException;
import org.naspipeline.api.JsonCodec;
import org.naspipeline.api.RecordChecks;
import org.naspipeline.api.Topics;
import org.naspipeline.api.TrialEvent;
import org.naspipeline.api.TrialRequest;
import org.naspipeline.api.ValidationError;
import org.naspipeline.controller.logic.ActorHeaders;
import org.naspipeline.controller.logic.Effects;
import org.naspipeline.controller.logic.ExperimentLogic;
import org.naspipeline.controller.logic.ExperimentState;
import org.naspipeline.controller.logic.TrialRecord;
import org.naspipeline.controller.logic.WarmStart;
import org.naspipeline.controller.logic.WarmStartExchange;
import org.naspipeline.controller.metrics.ControllerMetrics;
import org.naspipeline.strategy.StrategyRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Thin Streams adapter around {@link ExperimentLogic}: reads submissions, commands and worker reports (keyed by
 * experimentId by {@link InputRouter}), keeps one {@link ExperimentState} per experiment in the store, and forwards
 * trial requests, events and dead letters. Every record is checked field by field before use; what is invalid
 * goes to the DLQ with the reason and processing continues. Anything that still throws reaches
 * {@link ProcessingErrorHandler}, which dead-letters the record too.
 */
public final class ExperimentProcessor implements Processor<String, byte[], String, Object> {
    private static final Logger LOG = LoggerFactory.getLogger(ExperimentProcessor.class);
    private final ExperimentLogic logic;
    private final Duration timeoutCheckInterval;
    /** Forwards typed records to the sinks: requests, controls and events, and the original bytes to the DLQ. */
    private ProcessorContext<String, Object> context;
    private KeyValueStore<String, byte[]> store;
    private KeyValueStore<String, byte[]> specStore;
    private KeyValueStore<String, byte[]> trialStore;
    private KeyValueStore<String, String> logStore;

    private final ControllerMetrics metrics;
    /**
     * This task's experiments, decoded: each header with its spec and its trial table, which keeps the trials in
     * flight decoded too, so a result neither reads nor parses them again. They are exactly what was last
     * written: every store write goes through {@link #save}, which updates this map; it starts empty whenever
     * the task is (re)initialized, e.g. after a rollback restored the stores from the changelogs; and it is
     * emptied when processing throws, since an object may be half-changed.
     */
    private final Map<String, ExperimentState> headers = new java.util.HashMap<>();

    ExperimentProcessor(StrategyRegistry registry, Duration timeoutCheckInterval, ControllerMetrics metrics) {
        this.logic = new ExperimentLogic(registry);
        this.timeoutCheckInterval = timeoutCheckInterval;
        this.metrics = metrics;
    }

    @Override
    public void init(ProcessorContext<String, Object> context) {
        this.context = context;
        headers.clear();
        this.store = context.getStateStore(ControllerTopology.STORE);
        this.specStore = context.getStateStore(ControllerTopology.SPEC_STORE);
        this.trialStore = context.getStateStore(ControllerTopology.TRIAL_STORE);
        this.logStore = context.getStateStore(ControllerTopology.STRATEGY_LOG_STORE);
        // Wall-clock, not stream time: a lost trial produces no records, so only real time can notice it.
        context.schedule(timeoutCheckInterval, PunctuationType.WALL_CLOCK_TIME,
                this::expireStaleTrials);
    }

    private void expireStaleTrials(long nowMillis) {
        // Decide while iterating, write after the iterator is closed: the store is not modified under its iterator.
        // Each experiment on its own: one whose strategy throws is skipped this round, the others are still checked.
        Map<String, ExperimentState> changed = new LinkedHashMap<>();
        Map<String, Effects> effectsById = new LinkedHashMap<>();
        try (KeyValueIterator<String, byte[]> all = store.all()) {
            while (all.hasNext()) {
                String id = all.next().key;
                try {
                    ExperimentState state = header(id);
                    if (!state.active() || state.inFlight.isEmpty()) {
                        continue;
                    }
                    Effects effects = new Effects();
                    logic.expireStaleTrials(state, nowMillis, effects);
                    if (!effects.controls.isEmpty()) {
                        changed.put(id, state);
                        effectsById.put(id, effects);
                    }
                } catch (RuntimeException e) {
                    if (e instanceof org.apache.kafka.common.KafkaException) {
                        headers.clear();
                        throw e;
                    }
                    headers.remove(id); // it may be half-changed: read it again from the store next time
                    logic.forget(id);
                    LOG.error("experiment {}: the check for silent trials failed and is skipped this round", id, e);
                }
            }
        }
        keepingDecodedOnlyOnSuccess(() -> changed.forEach((id, state) -> save(id, state, nowMillis, effectsById.get(id))));
        if (!changed.isEmpty()) {
            LOG.warn("gave up silent trial attempts in experiments {}", changed.keySet());
        }
    }

    @Override
    public void process(Record<String, byte[]> record) {
        String unroutable = InputRouter.header(record.headers(), InputRouter.UNROUTABLE_REASON);
        keepingDecodedOnlyOnSuccess(() -> {
            if (unroutable != null) {
                deadLetter(record.withKey(null), unroutable);
            } else if (Topics.TRIAL_RESULTS.equals(input(record))) {
                report(record);
            } else if (record.value() == null) {
                deadLetter(record, "a tombstone (null value): experiments are ended with a cancel command, not deleted");
            } else {
                ExperimentInput in = ExperimentInput.read(record.value()); // parsed once, bound as a command or a spec
                if (in.isInternal() && in.error() != null) {
                    deadLetter(record, "unreadable internal record: " + in.error().getMessage());
                } else if (in.isInternal()) {
                    internal(record, in.internal());
                } else if (in.isCommand()) {
                    command(record, in);
                } else {
                    submit(record, in);
                }
            }
        });
    }

    /** The topic the record was first written to (the router's header; records read directly: their topic). */
    private String input(Record<String, byte[]> record) {
        String input = InputRouter.header(record.headers(), InputRouter.INPUT);
        return input != null ? input : context.recordMetadata().map(RecordMetadata::topic).orElse("");
    }

    /**
     * Who sent a record: the REST API's {@code nas.actor} header, else {@code topic} (with the tenant header's
     * value when there is one). Headers from the topic are only as trustworthy as its ACLs.
     */
    static String actor(Headers headers) {
        String actor = InputRouter.header(headers, ActorHeaders.ACTOR);
        if (actor != null) {
            return RecordChecks.abbreviate(actor);
        }
        String tenant = InputRouter.header(headers, ActorHeaders.TENANT);
        return tenant == null ? "topic" : "topic:tenant:" + RecordChecks.abbreviate(tenant);
    }

    /** Runs {@code work}; if it throws, drops every decoded experiment, since an object may be changed but not saved. */
    private void keepingDecodedOnlyOnSuccess(Runnable work) {
        try {
            work.run();
        } catch (RuntimeException e) {
            headers.clear();
            logic.forgetAll();
            throw e; // to ProcessingErrorHandler: dead-lettered, or the thread fails on a Kafka error
        }
    }

    @Override
    public void close() {
        headers.clear();
    }

    /** The header of experiment {@code id} with its spec, trial table and trials in flight attached, or null. */
    private ExperimentState header(String id) {
        ExperimentState state = headers.get(id);
        if (state == null) {
            byte[] raw = store.get(id);
            if (raw == null) {
                return null;
            }
            state = JsonCodec.readStoredState(raw, ExperimentState.class).attach(
                    ExperimentState.storedSpec(id, specStore.get(id)),
                    new StoredTrialTable(trialStore, id), new StoredStrategyLog(logStore, id));
            headers.put(id, state);
        }
        return state;
    }

    /** Whether a record of {@code nas.experiments} is a command (a JSON object with a {@code command} field). */
    static boolean isCommand(byte[] value) {
        return hasField(value, "command");
    }

    /** Whether a record of {@code nas.experiments} is the controller's own (a JSON object with an {@code internal} field). */
    static boolean isInternal(byte[] value) {
        return hasField(value, ExperimentInput.INTERNAL);
    }

    private static boolean hasField(byte[] value, String field) {
        try {
            com.fasterxml.jackson.databind.JsonNode tree = JsonCodec.readTree(value);
            return tree.isObject() && tree.has(field);
        } catch (InvalidInputException e) {
            return false; // not JSON: the submission path reports it
        }
    }

    private void command(Record<String, byte[]> record, ExperimentInput in) {
        if (in.error() != null) {
            deadLetter(record, "unreadable command: " + in.error().getMessage());
            return;
        }
        ExperimentCommand command = in.command();
        ExperimentState state = header(record.key());
        if (state == null) {
            deadLetter(record, command.command() + " for unknown experiment '" + RecordChecks.abbreviate(record.key()) + "'");
            return;
        }
        String tenant = InputRouter.header(record.headers(), ActorHeaders.TENANT);
        String claimed = InputRouter.header(record.headers(), ActorHeaders.ACTOR);
        if (tenant != null && !tenant.equals(state.tenant) && (claimed == null || !claimed.startsWith(ActorHeaders.ADMIN + ":"))) {
            // headers are claims: this stops a tenant's service from touching another's experiment by mistake; only
            // the topic's ACLs stop a client that forges them (docs/operations.md, "Tenants and access")
            deadLetter(record, command.command() + " for experiment '" + record.key() + "' from tenant '"
                    + RecordChecks.abbreviate(tenant) + "', which does not own it");
            return;
        }
        Effects effects = new Effects();
        long now = context.currentSystemTimeMs();
        String actor = actor(record.headers());
        switch (command.command()) {
            case CANCEL -> logic.cancel(state, command.reason(), actor, effects);
            case PAUSE -> logic.pauseOrResume(state, true, command.reason(), actor, now, effects);
            case RESUME -> logic.pauseOrResume(state, false, command.reason(), actor, now, effects);
        }
        if (effects.dropped) {
            LOG.info("experiment {}: {} ignored in status {}", record.key(), command.command(), state.status);
        } else {
            LOG.info("experiment {}: {} ({} running trial(s) told to stop)", record.key(), command.command(), effects.controls.size());
            save(record.key(), state, now, effects);
        }
    }

    private void submit(Record<String, byte[]> record, ExperimentInput in) {
        String id = record.key(); // the router keyed it: the record key, or the spec's id when the record had none
        String eventKey = ExperimentSpec.ID_PATTERN.matcher(id).matches() ? id : null; // no event keyed by garbage
        if (in.error() != null) {
            List<ValidationError> errors = in.error().errors();
            reject(record, eventKey, errors, errors.stream().anyMatch(err -> err.path().equals("$")) ? "unreadable" : "invalid");
            return;
        }
        ExperimentSpec spec = in.spec();
        if (eventKey == null) {
            reject(record, null, List.of(new ValidationError("id", "the record key '" + RecordChecks.abbreviate(id)
                    + "' is not a valid experiment id (" + ExperimentSpec.ID_PATTERN.pattern() + ")")), "invalid");
            return;
        }
        if (spec.id() != null && !spec.id().equals(id)) {
            reject(record, id, List.of(new ValidationError("id", "'" + RecordChecks.abbreviate(spec.id())
                    + "' differs from the record key '" + id + "'")), "invalid");
            return;
        }
        spec = spec.withId(id);
        List<ValidationError> errors = logic.validate(spec);
        if (!errors.isEmpty()) {
            reject(record, id, errors, "invalid");
            return;
        }
        if (store.get(id) != null) {
            reject(record, id, List.of(new ValidationError("id", "experiment '" + id + "' already exists")), "duplicate");
            return;
        }
        logic.forget(id);
        Effects effects = new Effects();
        String actor = actor(record.headers());
        ExperimentState state = logic.start(spec, new StoredTrialTable(trialStore, id), new StoredStrategyLog(logStore, id),
                context.currentSystemTimeMs(), actor, effects);
        specStore.put(id, JsonCodec.write(spec)); // after start, which may throw: then nothing of the experiment is stored
        String tenant = InputRouter.header(record.headers(), ActorHeaders.TENANT);
        state.tenant = tenant == null ? null : RecordChecks.abbreviate(tenant);
        LOG.info("experiment {} accepted from {}: strategy {}, {} trials, parallelism {}", id, actor, spec.strategy().name(),
                spec.budget().maxTrials(), spec.budget().parallelism());
        save(id, state, record.timestamp(), effects);
        if (spec.warmStart() != null) {
            // in the same transaction as the stored state: the request is sent exactly once
            WarmStartExchange.Request request = WarmStart.request(spec, state.tenant);
            context.forward(new Record<>(request.fromExperiment(), request, record.timestamp()), ControllerTopology.EXPERIMENTS_SINK);
        }
    }

    /**
     * A warm-start record: a request keyed by the earlier experiment, answered from its stored trials by a record
     * keyed by the new experiment, which seeds the new experiment's strategy. Each step is one transaction.
     */
    private void internal(Record<String, byte[]> record, String kind) {
        try {
            if (WarmStartExchange.REQUEST.equals(kind)) {
                WarmStartExchange.Request request = WarmStartRecords.request(record.key(), record.value());
                WarmStartExchange.Answer answer = answer(request);
                LOG.info("experiment {}: warm-start request from {} answered with {} seed(s), {} skipped, {} left out{}",
                        request.fromExperiment(), request.experimentId(), answer.seeds().size(), answer.skipped(), answer.leftOut(),
                        answer.errors().isEmpty() ? "" : ", refused: " + answer.errors());
                context.forward(new Record<>(answer.experimentId(), answer, record.timestamp()), ControllerTopology.EXPERIMENTS_SINK);
            } else if (WarmStartExchange.ANSWER.equals(kind)) {
                warmStart(record, WarmStartRecords.answer(record.key(), record.value()));
            } else {
                deadLetter(record, "unknown internal record '" + RecordChecks.abbreviate(kind) + "' (known: "
                        + WarmStartExchange.REQUEST + ", " + WarmStartExchange.ANSWER + ")");
            }
        } catch (InvalidInputException e) {
            deadLetter(record, "invalid " + kind + ": " + e.getMessage());
        }
    }

    /**
     * The answer to a checked request. Should reading the earlier experiment fail on a bug, the answer is a refusal
     * (the error is logged): dead-lettering the request instead would leave the new experiment waiting for good.
     */
    private WarmStartExchange.Answer answer(WarmStartExchange.Request request) {
        try {
            return WarmStart.answer(header(request.fromExperiment()), request);
        } catch (RuntimeException e) {
            if (e instanceof org.apache.kafka.common.KafkaException) {
                throw e;
            }
            headers.remove(request.fromExperiment());
            LOG.error("experiment {}: the warm-start request of {} could not be answered", request.fromExperiment(),
                    request.experimentId(), e);
            return WarmStart.refused(request, List.of(new ValidationError("warmStart.fromExperiment", "the results of experiment '"
                    + request.fromExperiment() + "' could not be read (the controller's log has the details)")));
        }
    }

    private void warmStart(Record<String, byte[]> record, WarmStartExchange.Answer answer) {
        ExperimentState state = header(answer.experimentId());
        if (state == null) {
            deadLetter(record, "warm-start answer for unknown experiment '" + answer.experimentId() + "'");
            return;
        }
        Effects effects = new Effects();
        logic.warmStart(state, answer, context.currentSystemTimeMs(), effects);
        if (effects.deadLetterReason != null) {
            deadLetter(record, effects.deadLetterReason);
            return;
        }
        if (!answer.errors().isEmpty()) {
            metrics.rejected("warm-start");
        }
        LOG.info("experiment {}: warm start from {}: {}", answer.experimentId(), answer.fromExperiment(),
                answer.errors().isEmpty() ? state.warmStart.seeded + " seed(s) told" : "refused " + answer.errors());
        save(answer.experimentId(), state, record.timestamp(), effects);
    }

    private void report(Record<String, byte[]> record) {
        TrialEvent event;
        try {
            event = RecordChecks.trialEvent(record.key(), record.value());
        } catch (InvalidInputException e) {
            deadLetter(record, "invalid trial report: " + e.getMessage());
            return;
        }
        ExperimentState state = header(event.experimentId());
        if (state == null) {
            deadLetter(record, "report for unknown experiment '" + event.experimentId() + "'");
            return;
        }
        Effects effects = new Effects();
        logic.apply(state, event, context.currentSystemTimeMs(), effects);
        metrics.ingested();
        if (!effects.controls.isEmpty()) {
            LOG.info("{}", effects.controls.get(0).reason() + " → stopping " + event.trialId());
        }
        if (effects.deadLetterReason != null) {
            deadLetter(record, effects.deadLetterReason);
        } else if (!effects.dropped) {
            save(event.experimentId(), state, record.timestamp(), effects);
            if (!effects.requests.isEmpty()) {
                // Result written by the worker → its replacement handed to the sink (the commit interval follows).
                metrics.reacted(context.currentSystemTimeMs() - record.timestamp());
            }
        }
    }

    private void save(String id, ExperimentState state, long timestamp, Effects effects) {
        long now = context.currentSystemTimeMs();
        for (ExperimentEvent event : effects.events) {
            if (event instanceof ExperimentEvent.TrialFinished f) {
                TrialRecord trial = state.trials.get(f.trialId()); // before the flush, which forgets ended trials
                metrics.trialFinished(id, f.status(), trial == null ? -1 : now - trial.scheduledAtMillis);
            }
        }
        store.put(id, JsonCodec.write(state));
        headers.put(id, state);
        ((StoredTrialTable) state.trials).flush();
        ((StoredStrategyLog) state.strategyLog).flush();
        for (TrialRequest request : effects.requests) {
            context.forward(new Record<>(request.trialId(), request, timestamp), ControllerTopology.TRIALS_SINK);
        }
        for (org.naspipeline.api.TrialControl control : effects.controls) {
            context.forward(new Record<>(control.trialId(), control, timestamp), ControllerTopology.CONTROL_SINK);
        }
        for (ExperimentEvent event : effects.events) {
            context.forward(new Record<>(id, event, timestamp), ControllerTopology.EVENTS_SINK);
        }
    }

    /** Dead-letters a submission; {@code reason} is the bounded tag of {@code nas_submissions_rejected_total}. */
    private void reject(Record<String, byte[]> record, String id, List<ValidationError> errors, String reason) {
        metrics.rejected(reason);
        deadLetter(record, "rejected experiment: " + errors);
        if (id != null) {
            context.forward(new Record<>(id, new ExperimentEvent.Rejected(ExperimentSpec.SCHEMA_VERSION, id, errors,
                    actor(record.headers())), record.timestamp()), ControllerTopology.EVENTS_SINK);
        }
    }

    private void deadLetter(Record<String, byte[]> record, String reason) {
        String source = InputRouter.header(record.headers(), InputRouter.SOURCE);
        if (source == null) {
            source = context.recordMetadata().map(m -> m.topic() + "-" + m.partition() + "@" + m.offset()).orElse("?");
        }
        String input = input(record);
        metrics.deadLettered(input);
        LOG.warn("{} sent to {}: {}", source, Topics.DLQ, reason);
        context.forward(new Record<>(record.key(), record.value(), record.timestamp(), dlqHeaders(reason, source)),
                ControllerTopology.DLQ_SINK);
    }

    /** The headers of a dead letter: {@code nas.reason} (at most 4 KiB) and {@code nas.source}. */
    static Headers dlqHeaders(String reason, String source) {
        Headers headers = new RecordHeaders();
        String bounded = reason.length() <= 4096 ? reason : reason.substring(0, 4093) + "…";
        headers.add("nas.reason", bounded.getBytes(StandardCharsets.UTF_8));
        headers.add(InputRouter.SOURCE, source.getBytes(StandardCharsets.UTF_8));
        return headers;
    }
}
