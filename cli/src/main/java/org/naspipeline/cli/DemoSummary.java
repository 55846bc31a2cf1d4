package org.naspipeline.cli;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.naspipeline.api.Candidate;
import org.naspipeline.api.ExperimentEvent;
import org.naspipeline.api.TrialMetrics;
import org.naspipeline.api.TrialStatus;

/**
 * The demo's {@code summary.json}. Field names are a stable contract for other tools:
 * {@code experimentId}, {@code trials[]} ({@code trialId, candidate, status, accuracy, latencyMsP50, sizeBytes,
 * params}) and {@code best}. {@code accuracy} is the validation accuracy the search optimized; {@code testAccuracy}
 * is measured on the separate test split.
 */
record DemoSummary(
        String experimentId, String status, String strategy, String dataset, double wallSeconds,
        List<TrialRow> trials, TrialRow best) {

    /** One finished trial. Metrics are null for a failed trial, which carries a reason instead. */
    record TrialRow(String trialId, Candidate candidate, TrialStatus status, Double accuracy, Double testAccuracy,
                    Double latencyMsP50, Double latencyMsP95, Long sizeBytes, Long params, Long macs, Double trainSeconds,
                    String reason) {}

    /** Builds the summary from the experiment's events. */
    static DemoSummary from(String experimentId, String strategy, String dataset, double wallSeconds,
                            List<ExperimentEvent> events) {
        List<TrialRow> rows = new ArrayList<>();
        String status = "unknown";
        for (ExperimentEvent e : events) {
            if (e instanceof ExperimentEvent.TrialFinished f) {
                TrialMetrics m = f.metrics();
                rows.add(new TrialRow(f.trialId(), f.candidate(), f.status(),
                        m == null ? null : m.accuracy(), m == null ? null : m.testAccuracy(),
                        m == null ? null : m.latencyMsP50(), m == null ? null : m.latencyMsP95(),
                        m == null ? null : m.sizeBytes(), m == null ? null : m.params(), m == null ? null : m.macs(),
                        m == null ? null : m.trainSeconds(), f.reason()));
            } else if (e instanceof ExperimentEvent.Completed c) {
                status = c.status().name().toLowerCase(java.util.Locale.ROOT);
            } else if (e instanceof ExperimentEvent.Rejected) {
                status = "rejected";
            }
        }
        rows.sort(Comparator.comparing(TrialRow::trialId));
        TrialRow best = rows.stream().filter(r -> r.accuracy() != null)
                .max(Comparator.comparingDouble(TrialRow::accuracy)).orElse(null);
        return new DemoSummary(experimentId, status, strategy, dataset, wallSeconds, rows, best);
    }
}
