package org.naspipeline.worker.service;

import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.InvalidOffsetException;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.errors.RetriableException;

/**
 * Sorts the errors of the consumer loop into the three groups of Kafka's own consumer example: fatal ones stop
 * the service (authorization, authentication, unsupported version, anything not known to be safe), an invalid
 * offset is repaired by seeking, and transient ones (timeouts, a commit that lost a rebalance) are retried.
 */
public final class KafkaErrors {
    private KafkaErrors() {}

    /** What the consumer loop does about an error. */
    public enum Handling {
        /** Stop the service; running trials are abandoned uncommitted and redelivered elsewhere. */
        FATAL,
        /** Seek the affected partitions to their earliest offset and continue, so no trial is skipped. */
        SEEK,
        /** Log and continue with the next poll; what was not committed is retried. */
        RETRY
    }

    /** How to handle {@code error}. */
    public static Handling classify(Throwable error) {
        if (error instanceof InvalidOffsetException) {
            return Handling.SEEK;
        }
        if (error instanceof RetriableException || error instanceof CommitFailedException
                || error instanceof RebalanceInProgressException) {
            return Handling.RETRY;
        }
        return Handling.FATAL;
    }
}
