package org.naspipeline.worker.service;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.RetriableException;
import org.naspipeline.api.RecordChecks;
import org.naspipeline.api.Topics;
import org.naspipeline.ops.KafkaSends;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes invalid trial requests and control records to {@code nas.dlq}: the original key and bytes, the reason in the
 * {@code nas.reason} header, where it came from in {@code nas.source}, and for a defect of ours (not of the
 * record) the first stack frame in {@code nas.frame}. A copy too large for the producer goes without its value
 * ({@code nas.value-dropped} gives the size) rather than failing, so no record size can stop the worker.
 */
final class DeadLetters {
    private static final Logger LOG = LoggerFactory.getLogger(DeadLetters.class);
    private static final Duration ACK_TIMEOUT = Duration.ofSeconds(30);

    private final String workerId;
    private final Producer<String, byte[]> producer;
    private final WorkerMetrics metrics;

    DeadLetters(String workerId, Producer<String, byte[]> producer, WorkerMetrics metrics) {
        this.workerId = workerId;
        this.producer = producer;
        this.metrics = metrics;
    }

    /**
     * Writes {@code record} with {@code reason}; true once the broker has it, false when the write timed out (the
     * caller takes the record again later). A refused write (e.g. not authorized) throws: the service cannot work.
     */
    boolean send(ConsumerRecord<String, byte[]> record, String reason, Throwable defect) {
        LOG.warn("worker {}: record at {}-{}@{} is invalid, sent to {}: {}", workerId, record.topic(),
                record.partition(), record.offset(), Topics.DLQ, reason);
        try {
            try {
                KafkaSends.awaitAck(producer.send(copy(record, reason, defect, record.value())), "write to " + Topics.DLQ, ACK_TIMEOUT);
            } catch (IllegalStateException e) {
                if (!(e.getCause() instanceof RecordTooLargeException)) {
                    throw e;
                }
                // the reason and source only: the value, and a key longer than any id, are what made it too large
                boolean keepKey = record.key() == null || record.key().length() <= RecordChecks.MAX_ID_LENGTH;
                ProducerRecord<String, byte[]> slim = new ProducerRecord<>(Topics.DLQ, keepKey ? record.key() : null, null);
                copy(record, reason, defect, null).headers().forEach(h -> slim.headers().add(h));
                slim.headers().add("nas.value-dropped", ((record.value() == null ? 0 : record.value().length)
                        + " bytes of value" + (keepKey ? "" : " and a key of " + record.key().length() + " characters")
                        + ", too large to copy").getBytes(StandardCharsets.UTF_8));
                KafkaSends.awaitAck(producer.send(slim), "write to " + Topics.DLQ, ACK_TIMEOUT);
            }
        } catch (RetriableException e) {
            LOG.warn("worker {}: cannot write to {} now ({}); the record will be read again", workerId, Topics.DLQ, e.getMessage());
            return false;
        }
        metrics.deadLettered(record.topic());
        return true;
    }

    private static ProducerRecord<String, byte[]> copy(ConsumerRecord<String, byte[]> record, String reason, Throwable defect,
                                                       byte[] value) {
        ProducerRecord<String, byte[]> dlq = new ProducerRecord<>(Topics.DLQ, record.key(), value);
        dlq.headers().add("nas.reason", reason.getBytes(StandardCharsets.UTF_8));
        dlq.headers().add("nas.source", (record.topic() + "-" + record.partition() + "@" + record.offset()).getBytes(StandardCharsets.UTF_8));
        if (defect != null && defect.getStackTrace().length > 0) {
            dlq.headers().add("nas.frame", defect.getStackTrace()[0].toString().getBytes(StandardCharsets.UTF_8));
        }
        return dlq;
    }
}
