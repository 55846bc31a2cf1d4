package org.naspipeline.controller.streams;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProductionExceptionHandler;
import org.apache.kafka.streams.processor.TaskId;
import org.naspipeline.api.Topics;
import org.junit.jupiter.api.Test;

class OutputErrorHandlerTest {
    static final ErrorHandlerContext CONTEXT = new ErrorHandlerContext() {
        public String topic() { return Topics.TRIAL_RESULTS; }
        public int partition() { return 2; }
        public long offset() { return 41; }
        public Headers headers() { return new RecordHeaders(); }
        public String processorNodeId() { return ControllerTopology.EVENTS_SINK; }
        public TaskId taskId() { return new TaskId(0, 2); }
        public long timestamp() { return 0; }
        public byte[] sourceRawKey() { return null; }
        public byte[] sourceRawValue() { return null; }
    };
    final ProducerRecord<byte[], byte[]> event = new ProducerRecord<>(Topics.EXPERIMENT_EVENTS, "exp".getBytes(StandardCharsets.UTF_8), new byte[10]);

    @Test
    void aRecordTooLargeGoesToTheDlqWithoutItsValueAndProcessingContinues() {
        ProductionExceptionHandler.Response r = new OutputErrorHandler().handleError(CONTEXT, event, new RecordTooLargeException("17 MB"));
        assertThat(r.result()).isEqualTo(ProductionExceptionHandler.Result.RESUME);
        assertThat(r.deadLetterQueueRecords()).singleElement().satisfies(dlq -> {
            assertThat(dlq.topic()).isEqualTo(Topics.DLQ);
            assertThat(dlq.key()).isEqualTo("exp".getBytes(StandardCharsets.UTF_8));
            assertThat(dlq.value()).isNull();
            assertThat(new String(dlq.headers().lastHeader("nas.reason").value(), StandardCharsets.UTF_8))
                    .isEqualTo("cannot write to nas.experiment-events: 17 MB");
            assertThat(new String(dlq.headers().lastHeader("nas.source").value(), StandardCharsets.UTF_8)).isEqualTo("nas.trial-results-2@41");
        });
    }

    @Test
    void transientErrorsAreRetriedAndOthersFail() {
        assertThat(new OutputErrorHandler().handleError(CONTEXT, event, new NotLeaderOrFollowerException("moved")).result())
                .isEqualTo(ProductionExceptionHandler.Result.RETRY);
        assertThat(new OutputErrorHandler().handleError(CONTEXT, event, new IllegalStateException("bug")).result())
                .isEqualTo(ProductionExceptionHandler.Result.FAIL);
    }

    @Test
    void aRecordASinkCannotSerializeGoesToTheDlqAsItsKeyAndProcessingContinues() {
        ProducerRecord<String, Object> unwritable = new ProducerRecord<>(Topics.TRIALS, "exp-t0001", new Object());
        ProductionExceptionHandler.Response r = new OutputErrorHandler().handleSerializationError(CONTEXT, unwritable,
                new IllegalArgumentException("cannot serialize Object"), ProductionExceptionHandler.SerializationExceptionOrigin.VALUE);
        assertThat(r.result()).isEqualTo(ProductionExceptionHandler.Result.RESUME);
        assertThat(r.deadLetterQueueRecords()).singleElement().satisfies(dlq -> {
            assertThat(dlq.topic()).isEqualTo(Topics.DLQ);
            assertThat(dlq.key()).isEqualTo("exp-t0001".getBytes(StandardCharsets.UTF_8));
            assertThat(dlq.value()).isNull();
            assertThat(new String(dlq.headers().lastHeader("nas.reason").value(), StandardCharsets.UTF_8))
                    .isEqualTo("cannot serialize the value of a record for nas.trials: cannot serialize Object");
            assertThat(new String(dlq.headers().lastHeader("nas.destination").value(), StandardCharsets.UTF_8)).isEqualTo(Topics.TRIALS);
        });
    }
}
