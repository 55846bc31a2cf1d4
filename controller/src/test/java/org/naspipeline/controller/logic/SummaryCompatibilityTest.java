package org.naspipeline.controller.logic;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.naspipeline.api.ExperimentStatus;
import org.naspipeline.api.JsonCodec;

/** Summaries forwarded between controller instances of two versions during a rolling upgrade. */
class SummaryCompatibilityTest {
    @Test
    void aSummaryFromAnInstanceOlderThanStartedAtMillisReadsWithNull() {
        ExperimentViews.Summary now = new ExperimentViews.Summary("e1", "n", "default", ExperimentStatus.RUNNING, "random",
                4, 2, 1, 1, 0, 0, null, null, 0, null, 1_700_000_000_000L);
        String json = new String(JsonCodec.write(new ExperimentViews.Summary[] {now}), StandardCharsets.UTF_8);
        assertThat(JsonCodec.readStoredState(json.getBytes(StandardCharsets.UTF_8), ExperimentViews.Summary[].class))
                .containsExactly(now);
        String older = json.replace(",\"startedAtMillis\":1700000000000", "");
        assertThat(older).doesNotContain("startedAtMillis");
        ExperimentViews.Summary[] read = JsonCodec.readStoredState(older.getBytes(StandardCharsets.UTF_8),
                ExperimentViews.Summary[].class);
        assertThat(read[0].startedAtMillis()).isNull();
        assertThat(read[0].id()).isEqualTo("e1");
    }

    @Test
    void aSummaryFromAnInstanceOlderThanTheSchedulerReadsWithNull() {
        ExperimentViews.Summary now = new ExperimentViews.Summary("e2", "n", "default", ExperimentStatus.RUNNING, "random",
                9, 1, 3, 1, 2, 0, null, null, 0, null, 1_700_000_000_000L,
                new ExperimentViews.Scheduler("asha", java.util.List.of(1, 3, 9), 3, 1));
        String json = new String(JsonCodec.write(new ExperimentViews.Summary[] {now}), StandardCharsets.UTF_8);
        assertThat(json).contains("\"scheduler\":{\"type\":\"asha\",\"rungEpochs\":[1,3,9],\"reductionFactor\":3,\"brackets\":1,"
                + "\"resource\":\"epochs\",\"rungExamples\":null}");
        // an instance older than rungs of examples writes neither field: read as null
        String beforeExamples = json.replace(",\"resource\":\"epochs\",\"rungExamples\":null", "");
        ExperimentViews.Scheduler older0 = JsonCodec.readStoredState(beforeExamples.getBytes(StandardCharsets.UTF_8),
                ExperimentViews.Summary[].class)[0].scheduler();
        assertThat(older0.rungEpochs()).containsExactly(1, 3, 9);
        assertThat(older0.resource()).isNull();
        assertThat(older0.rungExamples()).isNull();
        assertThat(older0.promotes()).isTrue();
        assertThat(JsonCodec.readStoredState(json.getBytes(StandardCharsets.UTF_8), ExperimentViews.Summary[].class))
                .containsExactly(now);
        String older = json.substring(0, json.indexOf(",\"scheduler\"")) + "}]";
        ExperimentViews.Summary[] read = JsonCodec.readStoredState(older.getBytes(StandardCharsets.UTF_8),
                ExperimentViews.Summary[].class);
        assertThat(read[0].scheduler()).isNull();
        assertThat(read[0]).isEqualTo(new ExperimentViews.Summary("e2", "n", "default", ExperimentStatus.RUNNING, "random",
                9, 1, 3, 1, 2, 0, null, null, 0, null, 1_700_000_000_000L));
    }
}
