package org.naspipeline.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.naspipeline.api.JsonCodec;

class WatchTest {
    final Watch watch = new Watch(ApiClient.fromEnvironment("http://localhost:1", null), "e1",
            new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), false, () -> 1_000_000L + 90_000);

    static com.fasterxml.jackson.databind.JsonNode summary(String json) {
        return JsonCodec.readTree(json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void theLineCountsEndedAndInFlightTrialsAndEstimatesTheRest() {
        List<String> block = watch.block(summary("{\"status\":\"running\",\"completed\":2,\"failed\":1,\"inFlight\":2,\"maxTrials\":9,"
                + "\"bestAccuracy\":0.8712,\"bestTrialId\":\"e1-t0002\",\"startedAtMillis\":1000000}"));
        // 90 s for 3 ended trials: 30 s each, 6 left
        assertThat(block).containsExactly("e1 running: 2 completed, 1 failed, 2 in flight of 9, best 0.8712 (e1-t0002), "
                + "1 min 30 s elapsed, ETA 3 min 00 s");
        assertThat(watch.block(summary("{\"status\":\"running\",\"completed\":0,\"failed\":0,\"inFlight\":2,\"maxTrials\":9}")).get(0))
                .isEqualTo("e1 running: 0 completed, 0 failed, 2 in flight of 9, best -");
    }

    @Test
    void runningTrialsShowTheirLatestEpochAndAnyEventThatIsNotOneIsSkipped() {
        watch.onTrialEvent("{\"type\":\"started\",\"trialId\":\"e1-t0001\",\"attempt\":1}");
        watch.onTrialEvent("{\"type\":\"progress\",\"trialId\":\"e1-t0002\",\"attempt\":2,\"epoch\":2,\"epochs\":3,\"validationAccuracy\":0.81}");
        watch.onTrialEvent("{\"type\":\"progress\",\"trialId\":\"e1-t0002\",\"attempt\":1,\"epoch\":3,\"epochs\":3,\"validationAccuracy\":0.5}");
        for (String bad : List.of("", "not json", "[1]", "{}", "{\"type\":\"progress\"}", "{\"type\":\"exploded\",\"trialId\":\"x\"}",
                "{\"type\":\"progress\",\"trialId\":\"e1-t0003\",\"epoch\":\"two\"}")) {
            watch.onTrialEvent(bad);
        }
        List<String> block = watch.block(summary("{\"status\":\"running\",\"completed\":0,\"failed\":0,\"inFlight\":2,\"maxTrials\":4}"));
        assertThat(block.subList(1, block.size())).startsWith("  e1-t0001 started",
                "  e1-t0002 epoch 2/3, validation accuracy 0.8100");
        watch.onTrialEvent("{\"type\":\"completed\",\"trialId\":\"e1-t0001\",\"attempt\":1}");
        for (int i = 10; i < 30; i++) {
            watch.onTrialEvent("{\"type\":\"started\",\"trialId\":\"e1-t00" + i + "\",\"attempt\":1}");
        }
        block = watch.block(summary("{\"status\":\"running\",\"completed\":1,\"failed\":0,\"inFlight\":21,\"maxTrials\":40}"));
        assertThat(block).hasSize(1 + 8 + 1).last().asString().contains("more running");
        assertThat(block).noneMatch(l -> l.contains("e1-t0001"));
    }

    @Test
    void durationsReadEasily() {
        assertThat(Watch.duration(42_000)).isEqualTo("42 s");
        assertThat(Watch.duration(185_000)).isEqualTo("3 min 05 s");
        assertThat(Watch.duration(3_720_000)).isEqualTo("1 h 02 min");
    }
}
