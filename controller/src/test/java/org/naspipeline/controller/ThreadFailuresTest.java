package org.naspipeline.controller;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Liveness turns KO when stream threads keep dying, and recovers once the failures are old. */
class ThreadFailuresTest {
    @Test
    void threeReplacementsWithinTheWindowCountAndOlderOnesExpire() {
        ControllerService.ThreadFailures f = new ControllerService.ThreadFailures();
        long t = 1_000_000_000L;
        f.record(t);
        f.record(t + 60_000);
        assertThat(f.recent(t + 60_000)).isEqualTo(2);
        f.record(t + 120_000);
        assertThat(f.recent(t + 120_000)).isGreaterThanOrEqualTo(ControllerService.ThreadFailures.LIMIT);
        long window = ControllerService.ThreadFailures.WINDOW_MINUTES * 60_000L;
        assertThat(f.recent(t + window + 60_001)).isEqualTo(1); // the first two are older than the window
        assertThat(f.recent(t + window + 120_001)).isZero();
        assertThat(f.total()).isEqualTo(3);
    }
}
