package org.naspipeline.worker.service;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.NoOffsetForPartitionException;
import org.apache.kafka.clients.consumer.OffsetOutOfRangeException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.junit.jupiter.api.Test;

class KafkaErrorsTest {
    static final TopicPartition TP = new TopicPartition("nas.trials", 0);

    @Test
    void authorizationAuthenticationAndVersionErrorsAreFatal() {
        assertThat(KafkaErrors.classify(new TopicAuthorizationException(Set.of("nas.trials")))).isEqualTo(KafkaErrors.Handling.FATAL);
        assertThat(KafkaErrors.classify(new GroupAuthorizationException("nas-workers"))).isEqualTo(KafkaErrors.Handling.FATAL);
        assertThat(KafkaErrors.classify(new SaslAuthenticationException("bad password"))).isEqualTo(KafkaErrors.Handling.FATAL);
        assertThat(KafkaErrors.classify(new UnsupportedVersionException("old broker"))).isEqualTo(KafkaErrors.Handling.FATAL);
        assertThat(KafkaErrors.classify(new IllegalStateException("a bug"))).as("unknown errors are not retried blindly")
                .isEqualTo(KafkaErrors.Handling.FATAL);
    }

    @Test
    void invalidOffsetsAreRepairedBySeeking() {
        assertThat(KafkaErrors.classify(new OffsetOutOfRangeException(Map.of(TP, 5L)))).isEqualTo(KafkaErrors.Handling.SEEK);
        assertThat(KafkaErrors.classify(new NoOffsetForPartitionException(TP))).isEqualTo(KafkaErrors.Handling.SEEK);
    }

    @Test
    void transientErrorsAreRetried() {
        assertThat(KafkaErrors.classify(new TimeoutException("slow"))).isEqualTo(KafkaErrors.Handling.RETRY);
        assertThat(KafkaErrors.classify(new NotLeaderOrFollowerException("moved"))).isEqualTo(KafkaErrors.Handling.RETRY);
        assertThat(KafkaErrors.classify(new CommitFailedException())).isEqualTo(KafkaErrors.Handling.RETRY);
        assertThat(KafkaErrors.classify(new RebalanceInProgressException())).isEqualTo(KafkaErrors.Handling.RETRY);
    }
}
