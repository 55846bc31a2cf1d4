package org.naspipeline.worker.service;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.naspipeline.api.Topics;

class ControlReaderTest {
    @Test
    void aWorkerStartedBeforeTheControlTopicExistedPollsNothingUntilItAppearsThenReadsItFromTheStart() {
        MockControlConsumer control = new MockControlConsumer();
        List<String> read = new ArrayList<>();
        ControlReader reader = new ControlReader("w1", control, records -> records.forEach(r -> read.add(r.key())), Duration.ZERO);
        reader.start(System.currentTimeMillis());
        assertThat(reader.caughtUp()).isTrue();
        reader.poll(); // the topic is still missing: no poll of an unassigned consumer (which would throw)
        reader.poll();
        assertThat(control.assignment()).isEmpty();

        TopicPartition tp = new TopicPartition(Topics.TRIAL_CONTROL, 0);
        control.updatePartitions(Topics.TRIAL_CONTROL, List.of(new PartitionInfo(Topics.TRIAL_CONTROL, 0, Node.noNode(),
                new Node[0], new Node[0])));
        control.updateBeginningOffsets(Map.of(tp, 0L));
        reader.poll();
        assertThat(control.assignment()).containsExactly(tp);
        control.addRecord(new ConsumerRecord<>(Topics.TRIAL_CONTROL, 0, 0, "e1-t0001", "{}".getBytes(StandardCharsets.UTF_8)));
        reader.poll();
        assertThat(read).containsExactly("e1-t0001");
    }
}
