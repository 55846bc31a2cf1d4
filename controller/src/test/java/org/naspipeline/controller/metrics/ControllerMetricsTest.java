package org.naspipeline.controller.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import org.naspipeline.api.ExperimentStatus;
import org.naspipeline.api.TrialStatus;
import org.junit.jupiter.api.Test;
import org.naspipeline.controller.logic.ExperimentViews;

class ControllerMetricsTest {
    static final Duration RETENTION = Duration.ofMinutes(10);

    static ExperimentViews.Summary summary(String id, ExperimentStatus status) {
        return new ExperimentViews.Summary(id, "n", "default", status, "random", 4, 2, 4, 0, 4, 0, id + "-t0001", 0.9, 2, 0.5, 0L);
    }

    static long seriesOf(SimpleMeterRegistry registry, String experiment) {
        return registry.getMeters().stream().filter(m -> experiment.equals(m.getId().getTag("experiment"))).count();
    }

    @Test
    void anEndedExperimentsSeriesGoAfterTheRetentionAndARunningOnesStay() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        ControllerMetrics metrics = new ControllerMetrics(registry, RETENTION);
        metrics.trialFinished("done", TrialStatus.COMPLETED, 10);
        metrics.trialFinished("done", TrialStatus.FAILED, 10);
        metrics.trialFinished("live", TrialStatus.COMPLETED, 10);
        long t0 = 1_000_000;

        metrics.refresh(List.of(summary("done", ExperimentStatus.COMPLETED), summary("live", ExperimentStatus.RUNNING)), t0);
        // two trial counters + best objective + front size + hypervolume + running
        assertThat(seriesOf(registry, "done")).isEqualTo(6);
        assertThat(seriesOf(registry, "live")).isEqualTo(5);
        assertThat(registry.get("nas.experiment.running").tag("experiment", "done").gauge().value()).isZero();
        assertThat(registry.get("nas.experiment.running").tag("experiment", "live").gauge().value()).isEqualTo(1.0);

        metrics.refresh(List.of(summary("done", ExperimentStatus.COMPLETED), summary("live", ExperimentStatus.RUNNING)),
                t0 + RETENTION.toMillis() - 1);
        assertThat(seriesOf(registry, "done")).as("still within the retention").isEqualTo(6);

        metrics.refresh(List.of(summary("done", ExperimentStatus.COMPLETED), summary("live", ExperimentStatus.RUNNING)),
                t0 + RETENTION.toMillis());
        assertThat(seriesOf(registry, "done")).isZero();
        assertThat(seriesOf(registry, "live")).isEqualTo(5);
        // The ended experiment still counts by status.
        assertThat(registry.get("nas.experiments").tag("status", "completed").gauge().value()).isEqualTo(1.0);
        assertThat(registry.get("nas.experiments").tag("status", "running").gauge().value()).isEqualTo(1.0);
    }

    @Test
    void aResumedClockStartsAgainWhenAnExperimentIsNoLongerEnded() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        ControllerMetrics metrics = new ControllerMetrics(registry, RETENTION);
        metrics.trialFinished("e", TrialStatus.COMPLETED, 10);
        metrics.refresh(List.of(summary("e", ExperimentStatus.CANCELLED)), 0);
        metrics.refresh(List.of(summary("e", ExperimentStatus.RUNNING)), RETENTION.toMillis() / 2);
        metrics.refresh(List.of(summary("e", ExperimentStatus.FAILED)), RETENTION.toMillis());
        assertThat(seriesOf(registry, "e")).as("ended again only half a retention ago").isEqualTo(5);
    }

    @Test
    void anExperimentThatMovedToAnotherInstanceLeavesNoSeriesHere() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        ControllerMetrics metrics = new ControllerMetrics(registry, RETENTION);
        metrics.trialFinished("moved", TrialStatus.COMPLETED, 10);
        metrics.refresh(List.of(summary("moved", ExperimentStatus.RUNNING)), 0);
        assertThat(seriesOf(registry, "moved")).isEqualTo(5);
        metrics.refresh(List.of(summary("stays", ExperimentStatus.RUNNING)), 1);
        assertThat(seriesOf(registry, "moved")).isZero();
        assertThat(seriesOf(registry, "stays")).isEqualTo(4);
    }

    @Test
    void deadLettersAndReactionTimesAreCounted() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        ControllerMetrics metrics = new ControllerMetrics(registry, RETENTION);
        metrics.deadLettered("nas.experiments");
        metrics.deadLettered("nas.experiments");
        metrics.deadLettered("nas.trial-results");
        metrics.reacted(250);
        metrics.reacted(-5);
        assertThat(registry.get("nas.dlq.records").tag("topic", "nas.experiments").counter().count()).isEqualTo(2.0);
        assertThat(registry.get("nas.dlq.records").tag("topic", "nas.trial-results").counter().count()).isEqualTo(1.0);
        assertThat(registry.get("nas.controller.reaction").timer().count()).isEqualTo(2);
        assertThat(registry.get("nas.controller.reaction").timer().max(java.util.concurrent.TimeUnit.MILLISECONDS)).isEqualTo(250.0);
    }
}
