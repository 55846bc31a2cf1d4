package org.naspipeline.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class DurationsTest {
    @Test
    void readsDurationsAsPeopleWriteThemAndIso8601() {
        assertThat(Durations.parse("90s")).isEqualTo(Duration.ofSeconds(90));
        assertThat(Durations.parse("10m")).isEqualTo(Duration.ofMinutes(10));
        assertThat(Durations.parse("1h30m")).isEqualTo(Duration.ofMinutes(90));
        assertThat(Durations.parse("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(Durations.parse("1.5h")).isEqualTo(Duration.ofMinutes(90));
        assertThat(Durations.parse("2d")).isEqualTo(Duration.ofDays(2));
        assertThat(Durations.parse(" 10M ")).isEqualTo(Duration.ofMinutes(10));
        assertThat(Durations.parse("0s")).isZero();
        assertThat(Durations.parse("PT30M")).isEqualTo(Duration.ofMinutes(30));
        assertThat(Durations.parse("pt1h")).isEqualTo(Duration.ofHours(1));
        assertThat(Durations.parse("P1D")).isEqualTo(Duration.ofDays(1));
    }

    @Test
    void refusesWhatIsNotADurationSayingWhatToWrite() {
        for (String bad : new String[] {"", " ", "10", "m", "10x", "10 m", "1e3s", "-5m", "5m-", "1h 30m", "PT", "P1Y", "PTxM",
                "99999999999999999999d", "１０m", "10m;", "ten minutes"}) {
            assertThatThrownBy(() -> Durations.parse(bad)).as(bad).isInstanceOf(CommandLine.TypeConversionException.class)
                    .hasMessageContaining("is not a duration: write e.g. 90s, 10m, 1h30m, 2d, or ISO-8601 PT10M");
        }
        assertThatThrownBy(() -> Durations.parse("-PT5M")).isInstanceOf(CommandLine.TypeConversionException.class)
                .hasMessageContaining("is negative");
    }
}
