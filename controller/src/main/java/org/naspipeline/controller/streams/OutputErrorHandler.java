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
            RecordHeaders headers = new RecordHeaders();
            headers.add("nas.reason", reason.getBytes(StandardCharsets.UTF_8));
            headers.add("nas.source", (context.topic() + "-" + context.partition() + "@" + context.offset()).getBytes(StandardCharsets.UTF_8));
            headers.add("nas.destination", record.topic().getBytes(StandardCharsets.UTF_8));
            return Response.resume(List.of(new ProducerRecord<>(Topics.DLQ, null, record.key(), null, headers)));
        }
        return Response.fail();
    }
}
