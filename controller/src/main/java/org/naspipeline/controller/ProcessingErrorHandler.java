package org.naspipeline.controller;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.processor.api.Record;
import org.naspipeline.api.Topics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last line of defence (KIP-1033): a record whose processing still throws after the processor's own checks is
 * written to {@code nas.dlq}, in the same transaction, with the reason ({@code nas.reason}), the first frame of
 * the stack ({@code nas.frame}) and where it came from ({@code nas.source}), and processing goes on with the next
 * record. The processor drops its decoded caches when it throws, so nothing half-changed is kept. Kafka's own
 * errors (a fenced producer, a failed store) still fail the stream thread: skipping them would lose data.
 */
public final class ProcessingErrorHandler implements ProcessingExceptionHandler {
    /** The Streams config key under which {@link ControllerService} passes the {@link ControllerMetrics}. */
    static final String METRICS_CONFIG = "nas.controller.metrics";
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
        String reason = "processing failed: " + describe(exception);
        String frame = firstFrame(exception);
        LOG.error("{} sent to {}: {} at {}", source, Topics.DLQ, reason, frame, exception);
        metrics.deadLettered(input != null ? input : context.topic());
        if (record == null) {
            return Response.resume(); // a punctuation failed: no record to dead-letter; the next one runs as scheduled
        }
        Headers headers = ExperimentProcessor.dlqHeaders(reason, source);
        headers.add("nas.frame", frame.getBytes(StandardCharsets.UTF_8));
        return Response.resume(List.of(new ProducerRecord<>(Topics.DLQ, null, context.sourceRawKey(), context.sourceRawValue(), headers)));
    }

    /** The exception's message, or its kind when it has none (an operator's header, not an API answer). */
    static String describe(Throwable e) {
        String message = e.getMessage();
        return message == null || message.isBlank() ? e.getClass().getSimpleName() : e.getClass().getSimpleName() + ": " + message;
    }

    static String firstFrame(Throwable e) {
        StackTraceElement[] trace = e.getStackTrace();
        return trace.length == 0 ? "unknown" : trace[0].toString();
    }
}
