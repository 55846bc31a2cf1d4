package org.naspipeline.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import org.naspipeline.api.config.Settings;
import org.naspipeline.controller.metrics.ControllerMetrics;

class ControllerConfigTest {
    @Test
    void theCommitIntervalComesFromTheEnvironmentAndReachesStreams() {
        ControllerConfig defaults = ControllerConfig.from(new Settings(Map.of()));
        assertThat(ControllerService.streamsProps(defaults).get(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG))
                .isEqualTo(ControllerConfig.DEFAULT_COMMIT_INTERVAL_MS);
        ControllerConfig set = ControllerConfig.from(new Settings(Map.of("NAS_CONTROLLER_COMMIT_INTERVAL_MS", "250")));
        assertThat(ControllerService.streamsProps(set).get(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG)).isEqualTo(250);
        assertThat(ControllerService.streamsProps(set).get(StreamsConfig.PROCESSING_GUARANTEE_CONFIG)).isEqualTo(StreamsConfig.EXACTLY_ONCE_V2);
    }

    @Test
    void aCommitIntervalBelowOneMillisecondIsRefusedNamingTheVariable() {
        assertThatThrownBy(() -> ControllerConfig.from(new Settings(Map.of("NAS_CONTROLLER_COMMIT_INTERVAL_MS", "0"))))
                .hasMessage("NAS_CONTROLLER_COMMIT_INTERVAL_MS: must be ≥ 1 (got 0)");
        assertThatThrownBy(() -> ControllerConfig.from(new Settings(Map.of("NAS_CONTROLLER_COMMIT_INTERVAL_MS", "soon"))))
                .hasMessageStartingWith("NAS_CONTROLLER_COMMIT_INTERVAL_MS: cannot read 'soon'");
    }

    @Test
    void theMetricsRetentionIsReadAndBadValuesAreRefusedNamingTheVariable() {
        assertThat(ControllerConfig.from(new Settings(Map.of())).metricsRetention()).isEqualTo(ControllerMetrics.DEFAULT_RETENTION);
        assertThat(ControllerConfig.from(new Settings(Map.of("NAS_METRICS_RETENTION_SECONDS", "120"))).metricsRetention())
                .isEqualTo(java.time.Duration.ofSeconds(120));
        assertThatThrownBy(() -> ControllerConfig.from(new Settings(Map.of("NAS_METRICS_RETENTION_SECONDS", "-1"))))
                .hasMessage("NAS_METRICS_RETENTION_SECONDS: must be ≥ 0 (got -1)");
        for (String bad : new String[] {"1h", "1.5", "99999999999", "NaN", "\u0000"}) {
            assertThatThrownBy(() -> ControllerConfig.from(new Settings(Map.of("NAS_METRICS_RETENTION_SECONDS", bad))))
                    .as(bad).hasMessageStartingWith("NAS_METRICS_RETENTION_SECONDS: cannot read");
        }
    }

    @Test
    void anUnknownLauncherArgumentGivesTheUsageAndStatusTwoWithoutStarting() {
        assertThat(ControllerMain.run("topcis")).isEqualTo(2);
        assertThat(ControllerMain.run("topics", "extra")).isEqualTo(2);
    }

    @Test
    void readsAndTheInternalSecretAreReadAndBadValuesAreRefusedNamingTheVariable() {
        ControllerConfig defaults = ControllerConfig.from(new Settings(Map.of()));
        assertThat(defaults.reads()).isEqualTo(ControllerConfig.Reads.TENANT);
        assertThat(defaults.internalSecret()).as("no tokens, no secret: the API is open").isNull();
        ControllerConfig tokens = ControllerConfig.from(new Settings(Map.of("NAS_API_TOKEN", "acme=t1", "NAS_API_READS", "Open")));
        assertThat(tokens.reads()).isEqualTo(ControllerConfig.Reads.OPEN);
        assertThat(tokens.internalSecret()).isEqualTo(tokens.apiTokens().derivedInternalSecret()).isNotNull();
        ControllerConfig explicit = ControllerConfig.from(new Settings(Map.of("NAS_API_TOKEN", "acme=t1",
                "NAS_INTERNAL_SECRET", "0123456789abcdef-shared", "NAS_API_READS", "authenticated")));
        assertThat(explicit.internalSecret()).isEqualTo("0123456789abcdef-shared");
        assertThat(explicit.reads()).isEqualTo(ControllerConfig.Reads.AUTHENTICATED);
        assertThat(explicit.toString()).doesNotContain("0123456789abcdef", "t1");
        assertThatThrownBy(() -> ControllerConfig.from(new Settings(Map.of("NAS_INTERNAL_SECRET", "short"))))
                .hasMessage("NAS_INTERNAL_SECRET: must be at least 16 characters (got 5)");
        assertThatThrownBy(() -> ControllerConfig.from(new Settings(Map.of("NAS_API_READS", "everyone"))))
                .hasMessage("NAS_API_READS: must be 'tenant', 'authenticated' or 'open' (got 'everyone')");
        assertThatThrownBy(() -> ControllerConfig.from(new Settings(Map.of("NAS_API_READS", "x".repeat(10_000)))))
                .hasMessageStartingWith("NAS_API_READS: must be").hasMessageEndingWith("…')");
    }
}
