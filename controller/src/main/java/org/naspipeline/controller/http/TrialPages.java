package org.naspipeline.controller.http;

import io.vertx.core.MultiMap;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.naspipeline.api.RecordChecks;
import org.naspipeline.api.TrialMetrics;
import org.naspipeline.api.TrialStatus;
import org.naspipeline.api.ValidationError;
import org.naspipeline.controller.logic.ExperimentState;
import org.naspipeline.controller.logic.ExperimentViews;
import org.naspipeline.controller.logic.ParetoTracker;

/**
 * One page of an experiment's trials, sorted and filtered on the server, for the web UI's trial table
 * ({@code GET /api/v1/experiments/{id}/trial-page}): {@code offset}, {@code limit} (1 to {@value #MAX_LIMIT}),
 * {@code sort} (a column), {@code order} ({@code asc}, {@code desc}), {@code status}, and {@code q} (text the
 * trial id, worker, architecture or compression contains, case-insensitive). Missing values sort last either way;
 * ties keep creation order.
 */
public final class TrialPages {
    /** The largest page. */
    static final int MAX_LIMIT = 500;
    /** The longest filter text. */
    static final int MAX_QUERY = 200;
    private static final Set<String> PARAMETERS = Set.of("offset", "limit", "sort", "order", "status", "q");
    private static final Map<String, Function<ExperimentViews.TrialRow, Comparable<?>>> COLUMNS = Map.ofEntries(
            Map.entry("trialId", r -> null), // creation order: the rows' own order, never compared
            Map.entry("status", r -> r.status().name()),
            Map.entry("attempt", ExperimentViews.TrialRow::attempt),
            Map.entry("workerId", ExperimentViews.TrialRow::workerId),
            Map.entry("accuracy", r -> metric(r, TrialMetrics::accuracy)),
            Map.entry("testAccuracy", r -> metric(r, TrialMetrics::testAccuracy)),
            Map.entry("latencyMs", r -> metric(r, TrialMetrics::latencyMsP50)),
            Map.entry("params", r -> r.metrics() == null ? null : r.metrics().params()),
            Map.entry("macs", r -> r.metrics() == null ? null : r.metrics().macs()),
            Map.entry("sizeBytes", r -> r.metrics() == null ? null : r.metrics().sizeBytes()),
            Map.entry("durationSeconds", ExperimentViews.TrialRow::durationSeconds),
            Map.entry("rung", ExperimentViews.TrialRow::rung));

    /** What the client asked for. */
    record Query(int offset, int limit, String sort, boolean descending, TrialStatus status, String text) {}

    /** A table row: the trial, its candidate in short, and where it stands against the spec's objectives. */
    record Row(ExperimentViews.TrialRow trial, String architecture, String compression, Boolean feasible, boolean onParetoFront) {}

    /**
     * The page: {@code total} rows match the filter; {@code rows} are those from {@code offset}; {@code rungEpochs}
     * the epochs of each rung under a promoting scheduler, or {@code rungExamples} the training examples of each when
     * its rungs count examples (both null without one: the rows carry no rung).
     */
    record Page(String id, int total, int offset, int limit, String sort, String order, List<String> objectives,
                List<Integer> rungEpochs, List<Row> rows, List<Long> rungExamples) {}

    private TrialPages() {}

    /** Parses the query string; every bad parameter adds an error at its name. */
    static Query parse(MultiMap params, List<ValidationError> errors) {
        for (String name : params.names()) {
            if (!PARAMETERS.contains(name)) {
                errors.add(new ValidationError(RecordChecks.abbreviate(name), "unknown parameter; known: " + String.join(", ",
                        new java.util.TreeSet<>(PARAMETERS))));
            } else if (params.getAll(name).size() > 1) {
                errors.add(new ValidationError(name, "must be given once (got " + params.getAll(name).size() + " values)"));
            }
        }
        int offset = integer(params.get("offset"), "offset", 0, 0, Integer.MAX_VALUE, errors);
        int limit = integer(params.get("limit"), "limit", 50, 1, MAX_LIMIT, errors);
        String sort = params.get("sort") == null ? "trialId" : params.get("sort");
        if (!COLUMNS.containsKey(sort)) {
            errors.add(new ValidationError("sort", "must be one of " + String.join(", ", new java.util.TreeSet<>(COLUMNS.keySet()))
                    + " (got '" + RecordChecks.abbreviate(sort) + "')"));
        }
        String order = params.get("order") == null ? "asc" : params.get("order");
        if (!order.equals("asc") && !order.equals("desc")) {
            errors.add(new ValidationError("order", "must be asc or desc (got '" + RecordChecks.abbreviate(order) + "')"));
        }
        TrialStatus status = null;
        if (params.get("status") != null) {
            for (TrialStatus s : TrialStatus.values()) {
                if (s.name().toLowerCase(Locale.ROOT).equals(params.get("status"))) {
                    status = s;
                }
            }
            if (status == null) {
                errors.add(new ValidationError("status", "must be one of scheduled, running, completed, failed (got '"
                        + RecordChecks.abbreviate(params.get("status")) + "')"));
            }
        }
        String text = params.get("q");
        if (text != null && text.length() > MAX_QUERY) {
            errors.add(new ValidationError("q", "must be at most " + MAX_QUERY + " characters (got " + text.length() + ")"));
        }
        return new Query(offset, limit, sort, order.equals("desc"), status,
                text == null || text.isBlank() ? null : text.strip().toLowerCase(Locale.ROOT));
    }

    private static int integer(String value, String name, int fallback, int min, int max, List<ValidationError> errors) {
        if (value == null) {
            return fallback;
        }
        try {
            int n = Integer.parseInt(value);
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below with the bounds
        }
        errors.add(new ValidationError(name, "must be a whole number from " + min + " to " + max + " (got '"
                + RecordChecks.abbreviate(value) + "')"));
        return fallback;
    }

    /** The page of {@code state} that {@code query} asks for. */
    static Page of(ExperimentState state, Query query) {
        List<ExperimentViews.TrialRow> all = ExperimentViews.trials(state);
        Set<String> front = new HashSet<>(ParetoTracker.ids(state));
        List<Row> matching = new ArrayList<>();
        for (ExperimentViews.TrialRow r : all) {
            if (query.status() != null && r.status() != query.status()) {
                continue;
            }
            Row row = row(state, r, front);
            if (query.text() != null && !contains(row, query.text())) {
                continue;
            }
            matching.add(row);
        }
        if (!query.sort().equals("trialId")) {
            matching.sort(comparator(query)); // stable: ties keep creation order
        } else if (query.descending()) {
            java.util.Collections.reverse(matching);
        }
        int from = (int) Math.min(matching.size(), (long) query.offset());
        int to = (int) Math.min(matching.size(), (long) from + query.limit());
        List<String> objectives = state.spec.objectives().objectives().stream().map(o -> o.metric().jsonName()).toList();
        ExperimentViews.Scheduler scheduler = ExperimentViews.scheduler(state.spec);
        return new Page(state.spec.id(), matching.size(), query.offset(), query.limit(), query.sort(),
                query.descending() ? "desc" : "asc", objectives, scheduler == null ? null : scheduler.rungEpochs(),
                List.copyOf(matching.subList(from, to)), scheduler == null ? null : scheduler.rungExamples());
    }

    /** One row with its short texts and standing. */
    static Row row(ExperimentState state, ExperimentViews.TrialRow r, Set<String> front) {
        Boolean feasible = r.metrics() == null ? null
                : state.spec.objectives().constraints().stream().noneMatch(k -> k.violation(r.metrics()) > 0);
        return new Row(r, CandidateText.architecture(r.candidate()), CandidateText.compression(r.candidate()), feasible,
                front.contains(r.trialId()));
    }

    private static boolean contains(Row row, String text) {
        for (String field : new String[] {row.trial().trialId(), row.trial().workerId(), row.architecture(), row.compression()}) {
            if (field != null && field.toLowerCase(Locale.ROOT).contains(text)) {
                return true;
            }
        }
        return false;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Comparator<Row> comparator(Query query) {
        Function<ExperimentViews.TrialRow, Comparable<?>> key = COLUMNS.get(query.sort());
        Comparator<Comparable> natural = Comparator.naturalOrder();
        Comparator<Comparable> direction = query.descending() ? natural.reversed() : natural;
        return Comparator.comparing(r -> (Comparable) key.apply(r.trial()), Comparator.nullsLast(direction));
    }

    private static Double metric(ExperimentViews.TrialRow r, java.util.function.ToDoubleFunction<TrialMetrics> f) {
        return r.metrics() == null ? null : f.applyAsDouble(r.metrics());
    }
}
