package org.naspipeline.controller.logic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.naspipeline.api.TrialStatus;
import org.junit.jupiter.api.Test;

class InFlightTrialsTest {
    @Test
    void freeSlotIsTheLowestOneLeftAndIterationFollowsSlots() {
        InFlightTrials f = new InFlightTrials();
        for (int s = 0; s < 40; s++) { // past the initial array size
            assertThat(f.freeSlot()).isEqualTo(s);
            f.hold("t" + s, s);
        }
        f.release("t7");
        f.release("t3");
        assertThat(f.freeSlot()).isEqualTo(3);
        f.hold("t40", 3);
        assertThat(f.freeSlot()).isEqualTo(7);
        assertThat(f.size()).isEqualTo(39);
        assertThat(f.ids()).startsWith("t0", "t1", "t2", "t40", "t4", "t5", "t6", "t8").endsWith("t39").doesNotContain("t3", "t7");
        f.release("unknown");
        assertThat(f.size()).isEqualTo(39);
        assertThatThrownBy(() -> f.hold("t41", 0)).hasMessageContaining("slot 0");
        assertThatThrownBy(() -> f.hold("t0", 100)).hasMessageContaining("t0");
        f.clear();
        assertThat(f.isEmpty()).isTrue();
        assertThat(f.freeSlot()).isZero();
        assertThat(f.ids()).isEmpty();
    }

    @Test
    void rebuiltFromTheTrialTableItHoldsExactlyTheTrialsInFlight() {
        TrialRecord running = new TrialRecord("e-t0002", null, 1, 0);
        running.status = TrialStatus.RUNNING;
        TrialRecord done = new TrialRecord("e-t0001", null, 0, 0);
        done.status = TrialStatus.COMPLETED;
        TrialRecord scheduled = new TrialRecord("e-t0003", null, 0, 0); // took the slot t0001 left
        TrialRecord failed = new TrialRecord("e-t0004", null, 2, 0);
        failed.status = TrialStatus.FAILED;
        InFlightTrials f = InFlightTrials.of(List.of(running, done, scheduled, failed));
        assertThat(f.ids()).containsExactly("e-t0003", "e-t0002");
        assertThat(f.ids()).doesNotContain("e-t0001");
        assertThat(f.freeSlot()).isEqualTo(2);
    }
}
