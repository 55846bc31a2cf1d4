package org.naspipeline.controller.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.MultiMap;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.naspipeline.api.ValidationError;
import org.naspipeline.controller.logic.ExperimentState;
import org.naspipeline.controller.logic.ExperimentViews;
import org.naspipeline.controller.logic.ParetoTracker;

/** Paging, sorting and filtering of the trial table, and the chart columns, on an experiment built by the real logic. */
class TrialPagesTest {
    static TrialPages.Query query(String... pairs) {
        MultiMap params = MultiMap.caseInsensitiveMultiMap();
        for (int i = 0; i < pairs.length; i += 2) {
            params.add(pairs[i], pairs[i + 1]);
        }
        List<ValidationError> errors = new ArrayList<>();
        TrialPages.Query q = TrialPages.parse(params, errors);
        assertThat(errors).isEmpty();
        return q;
    }

    @Test
    void sortsWithMissingValuesLastEitherWayAndFiltersOnTheServer() throws Exception {
        ExperimentState state = TrialCsvTest.experiment("w1", "broke");
        List<String> all = ExperimentViews.trials(state).stream().map(ExperimentViews.TrialRow::trialId).toList();
        TrialPages.Page byId = TrialPages.of(state, query());
        assertThat(byId.total()).isEqualTo(all.size());
        assertThat(byId.rows()).extracting(r -> r.trial().trialId()).isEqualTo(all);
        List<String> reversed = new ArrayList<>(all);
        java.util.Collections.reverse(reversed);
        assertThat(TrialPages.of(state, query("order", "desc")).rows()).extracting(r -> r.trial().trialId()).isEqualTo(reversed);
        for (String order : List.of("asc", "desc")) {
            List<TrialPages.Row> rows = TrialPages.of(state, query("sort", "accuracy", "order", order)).rows();
            assertThat(rows.get(0).trial().trialId()).as("the one measured trial first, " + order).isEqualTo(all.get(0));
            assertThat(rows.subList(1, rows.size())).allMatch(r -> r.trial().metrics() == null);
        }
        TrialPages.Page failed = TrialPages.of(state, query("status", "failed"));
        assertThat(failed.total()).isEqualTo(1);
        assertThat(failed.rows().get(0).trial().reason()).isEqualTo("broke");
        assertThat(TrialPages.of(state, query("q", "W1")).rows()).extracting(r -> r.trial().trialId()).containsExactly(all.get(0));
        TrialPages.Page second = TrialPages.of(state, query("offset", "1", "limit", "1"));
        assertThat(second.total()).isEqualTo(all.size());
        assertThat(second.rows()).extracting(r -> r.trial().trialId()).containsExactly(all.get(1));
        assertThat(TrialPages.of(state, query("offset", "1000")).rows()).isEmpty();
        assertThat(byId.rows().get(0).onParetoFront()).isTrue();
        assertThat(byId.rows().get(0).feasible()).isTrue();
        assertThat(byId.rows().get(1).feasible()).as("no metrics, no verdict").isNull();
    }

    @Test
    void everyBadParameterIsReportedAtItsName() {
        MultiMap params = MultiMap.caseInsensitiveMultiMap().add("offset", "-1").add("limit", "x").add("sort", "reason")
                .add("order", "sideways").add("status", "COMPLETED").add("q", "y".repeat(201)).add("colour", "red");
        List<ValidationError> errors = new ArrayList<>();
        TrialPages.parse(params, errors);
        assertThat(errors).extracting(ValidationError::path)
                .containsExactlyInAnyOrder("offset", "limit", "sort", "order", "status", "q", "colour");
        assertThat(errors).allSatisfy(e -> assertThat(e.message()).hasSizeLessThan(300).doesNotContain("Exception"));
    }

    @Test
    void pointsHoldTheCompletedTrialsAndTheHistoryReplaysTheFront() throws Exception {
        ExperimentState state = TrialCsvTest.experiment("w1", "broke");
        ExperimentPoints.Points points = ExperimentPoints.of(state);
        assertThat(points.trialIds()).hasSize(1);
        assertThat(points.metrics().get("accuracy")).containsExactly(0.875);
        assertThat(points.metrics().get("latencyMs")).containsExactly(1.25);
        assertThat(points.front()).isEqualTo(points.trialIds());
        assertThat(points.constraints()).isNotEmpty();
        assertThat(points.history().trialIds()).as("the completed and the failed trial, in the order they ended").hasSize(2);
        assertThat(points.history().endedAtMillis()).containsExactly(4_500L, 7_000L);
        assertThat(points.history().bestAccuracy()).containsExactly(0.875, 0.875);
        assertThat(points.history().hypervolume()).containsExactly(ParetoTracker.hypervolume(state), ParetoTracker.hypervolume(state));
    }
}
