package org.naspipeline.controller.logic;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The median of the median stopping rule (the rule itself is driven end to end in ControllerTopologyTest). */
class MedianStoppingTest {
    @Test
    void anOddCountTakesTheMiddleValueAnEvenCountTheMeanOfTheMiddleTwo() {
        assertThat(MedianStopping.median(List.of(0.8, 0.72, 0.75))).isEqualTo(0.75);
        assertThat(MedianStopping.median(List.of(0.9, 0.1, 0.5, 0.7))).isEqualTo(0.6);
        assertThat(MedianStopping.median(List.of(0.42))).isEqualTo(0.42);
    }
}
