package org.naspipeline.controller.logic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ExperimentStateTest {
    @Test
    void trialIdsArePaddedToFourDigitsAndListedInCreationOrderPastTenThousand() {
        assertThat(ExperimentState.trialId("e", 7)).isEqualTo("e-t0007");
        assertThat(ExperimentState.trialId("e", 1001)).isEqualTo("e-t1001");
        assertThat(ExperimentState.trialId("e", 10000)).isEqualTo("e-t10000");
        List<String> ids = new ArrayList<>(List.of("e-t10000", "e-t1001", "e-teacher", "e-t0002", "e-t9999", "e-t100000", "e-t0001"));
        ids.sort(ExperimentState.creationOrder("e"));
        assertThat(ids).containsExactly("e-teacher", "e-t0001", "e-t0002", "e-t1001", "e-t9999", "e-t10000", "e-t100000");
    }

    @Test
    void aHeaderWithoutAStoredSpecIsAClearError() {
        assertThatThrownBy(() -> ExperimentState.storedSpec("old", null))
                .hasMessageContaining("experiment 'old' has a header but no stored spec").hasMessageContaining("NAS_CONTROLLER_APP_ID");
    }
}
