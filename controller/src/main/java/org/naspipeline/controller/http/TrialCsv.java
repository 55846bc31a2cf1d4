package org.naspipeline.controller.http;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import org.naspipeline.api.TrialMetrics;
import org.naspipeline.controller.logic.ExperimentState;
import org.naspipeline.controller.logic.ExperimentViews;
import org.naspipeline.controller.logic.ParetoTracker;

/**
 * An experiment's trials as CSV (RFC 4180: a header row, CRLF line ends, a field quoted when it holds a comma, a
 * quote, CR or LF, quotes doubled), one row per trial in creation order, for pandas and spreadsheets. Generic
 * parameters get one {@code param.<name>} column each (the union over the trials, sorted); an empty field is a
 * missing value (a trial without metrics, a parameter the trial lacks, the rung of a trial without a promoting
 * scheduler).
 */
public final class TrialCsv {
    /** The columns before the parameters. */
    static final List<String> LEADING = List.of("trialId", "status", "attempt", "workerId", "architecture", "compression");
    /** The columns after the parameters. */
    static final List<String> TRAILING = List.of("accuracy", "testAccuracy", "trainLoss", "latencyMsP50", "latencyMsP95",
            "latencyCv", "params", "nonZeroParams", "macs", "sizeBytes", "peakMemoryBytes", "trainSeconds", "samplesPerSecond",
            "device", "feasible", "onParetoFront", "rung", "rungEpochs", "rungExamples", "durationSeconds", "artifactUri",
            "reason");

    private TrialCsv() {}

    /** The CSV of every trial of {@code state}. */
    static String of(ExperimentState state) {
        List<ExperimentViews.TrialRow> rows = ExperimentViews.trials(state);
        Set<String> front = new HashSet<>(ParetoTracker.ids(state));
        TreeSet<String> parameterNames = new TreeSet<>();
        rows.forEach(r -> {
            if (r.candidate() != null) {
                parameterNames.addAll(r.candidate().parameters().keySet());
            }
        });
        List<String> header = new ArrayList<>(LEADING);
        parameterNames.forEach(n -> header.add("param." + n));
        header.addAll(TRAILING);
        StringBuilder out = new StringBuilder(256 * (rows.size() + 1));
        line(out, header);
        for (ExperimentViews.TrialRow r : rows) {
            List<Object> fields = new ArrayList<>(header.size());
            fields.add(r.trialId());
            fields.add(r.status() == null ? null : r.status().name().toLowerCase(Locale.ROOT));
            fields.add(r.attempt());
            fields.add(r.workerId());
            fields.add(CandidateText.architecture(r.candidate()));
            fields.add(CandidateText.compression(r.candidate()));
            for (String name : parameterNames) {
                fields.add(r.candidate() == null ? null : r.candidate().parameters().get(name));
            }
            TrialMetrics m = r.metrics();
            if (m == null) {
                for (int i = 0; i < TRAILING.indexOf("rung"); i++) {
                    fields.add(null); // every measured column; the rung, duration, artifact and reason follow
                }
            } else {
                fields.addAll(List.of(m.accuracy(), m.testAccuracy(), m.trainLoss(), m.latencyMsP50(), m.latencyMsP95(),
                        m.latencyCv(), m.params(), m.nonZeroParams(), m.macs(), m.sizeBytes()));
                fields.add(m.peakMemoryBytes());
                fields.addAll(List.of(m.trainSeconds(), m.samplesPerSecond()));
                fields.add(m.device());
                fields.add(state.spec.objectives().constraints().stream().noneMatch(k -> k.violation(m) > 0));
                fields.add(front.contains(r.trialId()));
            }
            fields.add(r.rung());
            fields.add(r.rungEpochs());
            fields.add(r.rungExamples());
            fields.add(r.durationSeconds());
            fields.add(r.artifactUri());
            fields.add(r.reason());
            line(out, fields);
        }
        return out.toString();
    }

    private static void line(StringBuilder out, List<?> fields) {
        for (int i = 0; i < fields.size(); i++) {
            if (i > 0) {
                out.append(',');
            }
            field(out, fields.get(i));
        }
        out.append("\r\n");
    }

    /** Appends one field, quoted when it must be. */
    static void field(StringBuilder out, Object value) {
        if (value == null) {
            return;
        }
        String text = value instanceof Double d ? number(d) : value.toString();
        boolean quote = text.indexOf(',') >= 0 || text.indexOf('"') >= 0 || text.indexOf('\n') >= 0 || text.indexOf('\r') >= 0;
        if (!quote) {
            out.append(text);
            return;
        }
        out.append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '"') {
                out.append('"');
            }
            out.append(c);
        }
        out.append('"');
    }

    /** A double as the shortest text that reads back to it; whole numbers without a fraction. */
    private static String number(double d) {
        if (!Double.isFinite(d)) {
            return ""; // never in stored metrics (refused at the topic); a missing value rather than text pandas misreads
        }
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
    }
}
