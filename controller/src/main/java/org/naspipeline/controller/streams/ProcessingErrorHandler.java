package org.naspipeline.controller.streams;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.processor.api.Record;
import org.naspipeline.api.ExperimentEvent;
import org.naspipeline.api.ExperimentSpec;
import org.naspipeline.api.JsonCodec;
import org.naspipeline.api.RecordChecks;
import org.naspipeline.api.SafeMessages;
import org.naspipeline.api.Topics;
import org.naspipeline.api.ValidationError;
import org.naspipeline.controller.metrics.ControllerMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last line of defence (KIP-1033): a record whose processing still throws after the processor's own checks is
 * written to {@code nas.dlq}, in the same transaction, with the reason ({@code nas.reason}, without Java names), the
 * exception for operators ({@code nas.error}), the first frame of the stack ({@code nas.frame}) and where it came
 * from ({@code nas.source}), and processing goes on with the next
 * record. The processor drops its decoded caches when it throws, so nothing half-changed is kept. Kafka's own
 * errors (a fenced producer, a failed store) still fail the stream thread: skipping them would lose data.
 */
public final class ProcessingErrorHandler implements ProcessingExceptionHandler {
    /** The Streams config key under which {@code ControllerService} passes the {@link ControllerMetrics}. */
    public static final String METRICS_CONFIG = "nas.controller.metrics";
    private static final Logger LOG = LoggerFactory.getLogger(ProcessingErrorHandler.class);
    private ControllerMetrics metrics = ControllerMetrics.none();

    @Override
    public void configure(Map<String, ?> configs) {
        if (configs.get(METRICS_CONFIG) instanceof ControllerMetrics m) {
            metrics = m;
        }
    }

    @Override
    public Response handleError(ErrorHandlerContext context, Record<?, ?> record, Exception exception) {
        if (exception instanceof KafkaException) {
            return Response.fail();
        }
        Headers in = context.headers();
        String source = in == null ? null : InputRouter.header(in, InputRouter.SOURCE);
        if (source == null) {
            source = context.topic() + "-" + context.partition() + "@" + context.offset();
        }
        String input = in == null ? null : InputRouter.header(in, InputRouter.INPUT);
        String reason = "processing failed: " + SafeMessages.of(exception, "an unexpected error in the controller")
                + " (details in nas.error and nas.frame)";
        String frame = firstFrame(exception);
        LOG.error("{} sent to {}: {} at {}", source, Topics.DLQ, reason, frame, exception);
        metrics.deadLettered(input != null ? input : context.topic());
        if (record == null) {
            return Response.resume(); // a punctuation failed: no record to dead-letter; the next one runs as scheduled
        }
        Headers headers = ExperimentProcessor.dlqHeaders(reason, source);
        headers.add("nas.frame", frame.getBytes(StandardCharsets.UTF_8));
        headers.add("nas.error", RecordChecks.abbreviate(describe(exception)).getBytes(StandardCharsets.UTF_8));
        List<ProducerRecord<byte[], byte[]>> out = new ArrayList<>();
        out.add(new ProducerRecord<>(Topics.DLQ, null, context.sourceRawKey(), context.sourceRawValue(), headers));
        rejection(input, record, reason).ifPresent(out::add);
        return Response.resume(out);
    }

    /**
     * For a submission (not a command, nor a warm-start record) with a valid experiment id, the {@code Rejected}
     * event its submitter waits for: nothing was started, and the same id may be submitted again.
     */
    private static Optional<ProducerRecord<byte[], byte[]>> rejection(String input, Record<?, ?> record, String reason) {
        if (!Topics.EXPERIMENTS.equals(input) || !(record.key() instanceof String id) || !ExperimentSpec.ID_PATTERN.matcher(id).matches()
                || !(record.value() instanceof byte[] value) || ExperimentProcessor.isCommand(value)
                || ExperimentProcessor.isInternal(value)) {
            return Optional.empty();
        }
        ExperimentEvent event = new ExperimentEvent.Rejected(ExperimentSpec.SCHEMA_VERSION, id,
                List.of(new ValidationError("$", reason)), ExperimentProcessor.actor(record.headers()));
        return Optional.of(new ProducerRecord<>(Topics.EXPERIMENT_EVENTS, id.getBytes(StandardCharsets.UTF_8), JsonCodec.write(event)));
    }

    /** The exception's type and message, for operators ({@code nas.error}; the log has the whole stack). */
    static String describe(Throwable e) {
        String message = e.getMessage();
        return message == null || message.isBlank() ? e.getClass().getName() : e.getClass().getName() + ": " + message;
    }

    static String firstFrame(Throwable e) {
        StackTraceElement[] trace = e.getStackTrace();
        return trace.length == 0 ? "unknown" : trace[0].toString();
    }
}
