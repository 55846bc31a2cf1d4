package org.naspipeline.controller.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.kafka.streams.state.HostInfo;
import org.junit.jupiter.api.Test;

class ExperimentQueriesTest {
    @Test
    void onlyAHostAndAPortInRangeAreAnAddressToForwardTo() {
        assertThat(ExperimentQueries.usable(new HostInfo("controller-1", 8080))).isTrue();
        assertThat(ExperimentQueries.usable(new HostInfo("localhost", 65_535))).isTrue();
        assertThat(ExperimentQueries.usable(HostInfo.unavailable())).as("a member without application.server").isFalse();
        assertThat(ExperimentQueries.usable(new HostInfo("localhost", -1))).isFalse();
        assertThat(ExperimentQueries.usable(new HostInfo("localhost", 0))).isFalse();
        assertThat(ExperimentQueries.usable(new HostInfo("localhost", 65_536))).isFalse();
        assertThat(ExperimentQueries.usable(new HostInfo(" ", 8080))).isFalse();
        assertThat(ExperimentQueries.usable(null)).isFalse();
        assertThat(ExperimentQueries.address(new HostInfo("controller-1", 8080))).isEqualTo("controller-1:8080");
        assertThat(ExperimentQueries.address(HostInfo.unavailable())).doesNotContain("HostInfo");
    }
}
