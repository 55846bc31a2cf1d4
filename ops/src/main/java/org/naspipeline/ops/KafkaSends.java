package org.naspipeline.ops;

import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.TimeoutException;

/** Waiting for the broker's acknowledgement of a send, with the same errors everywhere. */
public final class KafkaSends {
    private KafkaSends() {}

    /**
     * Waits for {@code sent}. A refused send throws {@link IllegalStateException} naming {@code what} (the cause
     * is the broker's error); no answer within {@code timeout} throws Kafka's retriable {@link TimeoutException}.
     */
    public static RecordMetadata awaitAck(Future<RecordMetadata> sent, String what, Duration timeout) {
        try {
            return sent.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot " + what, e.getCause());
        } catch (java.util.concurrent.TimeoutException e) {
            throw new TimeoutException(what + ": no acknowledgement within " + timeout, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting to " + what, e);
        }
    }
}
