package org.naspipeline.controller.streams;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProductionExceptionHandler;
import org.naspipeline.api.Topics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The controller's production exception handler. A record the broker refuses for good (too large) goes to
 * {@code nas.dlq} as its key, the reason and where it was headed, and processing continues, so one oversized
 * event cannot stop every experiment of the partition; transient errors are retried; anything else fails the
 * stream thread, which is replaced and restarts from the last committed state.
 */
public final class OutputErrorHandler implements ProductionExceptionHandler {
    private static final Logger LOG = LoggerFactory.getLogger(OutputErrorHandler.class);

    @Override
    public void configure(Map<String, ?> configs) {
        // nothing to configure
    }

    @Override
    public Response handleError(ErrorHandlerContext context, ProducerRecord<byte[], byte[]> record, Exception exception) {
        if (exception instanceof RetriableException) {
            return Response.retry();
        }
        if (exception instanceof RecordTooLargeException) {
            String reason = "cannot write to " + record.topic() + ": " + exception.getMessage();
            LOG.error("{} (input {}-{}@{}); the record goes to {} without its value", reason, context.topic(),
                    context.partition(), context.offset(), Topics.DLQ);
            return deadLetter(context, record.topic(), record.key(), reason);
        }
        return Response.fail();
    }

    /**
     * A record a sink cannot serialize (the sinks serialize the processor's records themselves; a pipeline record that
     * cannot be written as JSON is a bug) goes to {@code nas.dlq} as its key and the reason, and processing continues,
     * as it did when the processor serialized and {@link ProcessingErrorHandler} caught the failure.
     */
    @Override
    public Response handleSerializationError(ErrorHandlerContext context, ProducerRecord record, Exception exception,
                                             SerializationExceptionOrigin origin) {
        String reason = "cannot serialize the " + origin.name().toLowerCase(java.util.Locale.ROOT) + " of a record for "
                + record.topic() + ": " + exception.getMessage();
        LOG.error("{} (input {}-{}@{}); the record goes to {} without its value", reason, context.topic(), context.partition(),
                context.offset(), Topics.DLQ, exception);
        return deadLetter(context, record.topic(), record.key() instanceof String k ? k.getBytes(StandardCharsets.UTF_8) : null, reason);
    }

    /** Resumes with a dead letter of {@code key} (no value) and the reason, where the record came from and was headed. */
    private static Response deadLetter(ErrorHandlerContext context, String destination, byte[] key, String reason) {
        RecordHeaders headers = new RecordHeaders();
        headers.add("nas.reason", reason.getBytes(StandardCharsets.UTF_8));
        headers.add("nas.source", (context.topic() + "-" + context.partition() + "@" + context.offset()).getBytes(StandardCharsets.UTF_8));
        headers.add("nas.destination", destination.getBytes(StandardCharsets.UTF_8));
        return Response.resume(List.of(new ProducerRecord<>(Topics.DLQ, null, key, null, headers)));
    }
}
