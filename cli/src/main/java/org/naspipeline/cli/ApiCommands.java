package org.naspipeline.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.naspipeline.api.JsonCodec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code nas submit | status | cancel | pareto}: the controller's REST API from the shell. */
final class ApiCommands {
    private ApiCommands() {}

    /** Options every API command shares. */
    static class Target {
        @Option(names = "--url", description = "controller REST API (default: NAS_API_URL or http://localhost:8080); token: NAS_API_TOKEN")
        String url;

        @Option(names = "--token", description = "bearer token (default: NAS_API_TOKEN)")
        String token;

        ApiClient client() {
            return ApiClient.fromEnvironment(url, token);
        }
    }

    static int fail(ApiClient.ApiException e) {
        System.err.println(e.getMessage());
        return e.status == ApiClient.ApiException.BAD_SETTING || e.status == 400 || e.status == 404 || e.status == 409
                || e.status == 413 ? 2 : 1;
    }

    /** {@code nas submit FILE [--watch]}. */
    @Command(name = "submit", mixinStandardHelpOptions = true, description = "Submit an experiment spec (JSON) to the controller.")
    static final class Submit extends Target implements Callable<Integer> {
        @Parameters(index = "0", description = "experiment spec file")
        Path file;

        @Option(names = "--watch", description = "follow the experiment until it ends: trials completed, failed and in flight, "
                + "best so far, ETA, and each running trial's epoch (survives a controller restart)")
        boolean watch;

        @Option(names = {"-q", "--quiet"}, description = "print only the experiment's id (for scripts: id=$(nas submit -q spec.json))")
        boolean quiet;

        @Option(names = "--wait", defaultValue = "0s", description = "wait up to this long for a controller that is starting "
                + "or not reachable yet, e.g. 2m (default: ${DEFAULT-VALUE}: fail at once)")
        java.time.Duration waitFor;

        @Override
        public Integer call() throws Exception {
            byte[] body;
            try {
                body = Files.readAllBytes(file);
            } catch (NoSuchFileException e) {
                System.err.println(file + ": no such file");
                return 2;
            }
            ApiClient api = client();
            long deadline = System.nanoTime() + waitFor.toNanos();
            while (true) {
                try {
                    String id = api.post("/api/v1/experiments", body).path("id").asText();
                    System.out.println(quiet ? id : "submitted " + id);
                    return watch ? Watch.onStdout(api, id).run() : 0;
                } catch (ApiClient.ApiException e) {
                    // nothing listening yet (nothing was sent), or not ready (503): worth waiting for when asked to; a
                    // request that may have arrived is never sent twice
                    if ((e.status != 0 && e.status != 503) || System.nanoTime() > deadline) {
                        return fail(e);
                    }
                    Thread.sleep(1000);
                }
            }
        }
    }

    /** {@code nas status [ID] [--watch]}. */
    @Command(name = "status", mixinStandardHelpOptions = true, description = "Show one experiment, or list them all.")
    static final class Status extends Target implements Callable<Integer> {
        @Parameters(index = "0", arity = "0..1", description = "experiment id (omit to list all)")
        String id;

        @Option(names = "--watch", description = "follow the experiment until it ends (as submit --watch)")
        boolean watch;

        @Option(names = "--json", description = "print the API's JSON")
        boolean json;

        @Override
        public Integer call() throws Exception {
            ApiClient api = client();
            try {
                if (id == null) {
                    JsonNode all = api.get("/api/v1/experiments");
                    if (json) {
                        System.out.println(JsonCodec.writePretty(all));
                    } else {
                        System.out.printf(Locale.ROOT, "%-24s %-10s %-22s %9s %9s%n", "ID", "STATUS", "STRATEGY", "TRIALS", "BEST");
                        all.forEach(e -> System.out.printf(Locale.ROOT, "%-24s %-10s %-22s %4d/%-4d %9s%n", e.path("id").asText(),
                                e.path("status").asText(), e.path("strategy").asText(), e.path("completed").asInt() + e.path("failed").asInt(),
                                e.path("maxTrials").asInt(), e.path("bestAccuracy").isNumber()
                                        ? String.format(Locale.ROOT, "%.4f", e.path("bestAccuracy").asDouble()) : "-"));
                    }
                    return 0;
                }
                if (watch) {
                    return Watch.onStdout(api, id).run();
                }
                JsonNode e = api.get(ApiClient.experiment(id, ""));
                System.out.println(json ? JsonCodec.writePretty(e) : line(e));
                return 0;
            } catch (ApiClient.ApiException e) {
                return fail(e);
            }
        }

        static String line(JsonNode e) {
            int done = e.path("completed").asInt() + e.path("failed").asInt();
            int max = Math.max(1, e.path("maxTrials").asInt());
            int width = 30;
            int filled = Math.min(width, done * width / max);
            return String.format(Locale.ROOT, "%s [%s%s] %d/%d %-9s best %s%s", e.path("id").asText(), "#".repeat(filled),
                    ".".repeat(width - filled), done, max, e.path("status").asText(),
                    e.path("bestAccuracy").isNumber() ? String.format(Locale.ROOT, "%.4f (%s)", e.path("bestAccuracy").asDouble(),
                            e.path("bestTrialId").asText()) : "-",
                    e.path("hypervolume").isNumber() ? String.format(Locale.ROOT, ", front %d, hypervolume %.4g",
                            e.path("paretoFrontSize").asInt(), e.path("hypervolume").asDouble()) : "");
        }
    }

    /** A command about one experiment. */
    abstract static class OnExperiment extends Target implements Callable<Integer> {
        @Parameters(index = "0", description = "experiment id")
        String id;

        abstract void send(ApiClient api);

        abstract String verb();

        @Override
        public Integer call() {
            try {
                send(client());
                System.out.println(verb() + " " + id);
                return 0;
            } catch (ApiClient.ApiException e) {
                return fail(e);
            }
        }
    }

    /** {@code nas cancel ID}. */
    @Command(name = "cancel", mixinStandardHelpOptions = true, description = "Cancel an experiment: running trials are stopped.")
    static final class Cancel extends OnExperiment {
        void send(ApiClient api) {
            api.delete(ApiClient.experiment(id, ""));
        }

        String verb() {
            return "cancelling";
        }
    }

    /** {@code nas pause ID}. */
    @Command(name = "pause", mixinStandardHelpOptions = true, description = "Pause an experiment: running trials finish, no new ones start.")
    static final class Pause extends OnExperiment {
        void send(ApiClient api) {
            api.post(ApiClient.experiment(id, "/pause"), new byte[0]);
        }

        String verb() {
            return "pausing";
        }
    }

    /** {@code nas resume ID}. */
    @Command(name = "resume", mixinStandardHelpOptions = true, description = "Resume a paused experiment.")
    static final class Resume extends OnExperiment {
        void send(ApiClient api) {
            api.post(ApiClient.experiment(id, "/resume"), new byte[0]);
        }

        String verb() {
            return "resuming";
        }
    }

    /** {@code nas pareto ID}. */
    @Command(name = "pareto", mixinStandardHelpOptions = true, description = "Print an experiment's Pareto front.")
    static final class Pareto extends Target implements Callable<Integer> {
        @Parameters(index = "0", description = "experiment id")
        String id;

        @Option(names = "--json", description = "print the API's JSON")
        boolean json;

        @Override
        public Integer call() {
            try {
                JsonNode p = client().get(ApiClient.experiment(id, "/pareto"));
                if (json) {
                    System.out.println(JsonCodec.writePretty(p));
                    return 0;
                }
                System.out.printf(Locale.ROOT, "Pareto front of %s: %d trial(s), hypervolume %s%n", id, p.path("front").size(),
                        p.path("hypervolume").isNumber() ? String.format(Locale.ROOT, "%.6g", p.path("hypervolume").asDouble()) : "-");
                ApiClient api = client();
                for (JsonNode pt : p.path("front")) {
                    String trialId = pt.path("trialId").asText();
                    StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "  %-28s", trialId));
                    pt.path("objectives").fields().forEachRemaining(f -> row.append(String.format(Locale.ROOT, " %s=%.4g", f.getKey(), f.getValue().asDouble())));
                    JsonNode trial = api.get(ApiClient.experiment(id, "/trials/" + ApiClient.encode(trialId))).path("row");
                    row.append("  ").append(trial.path("architecture").asText("-"));
                    if (!trial.path("compression").asText("none").equals("none")) {
                        row.append(" | ").append(trial.path("compression").asText());
                    }
                    System.out.println(row);
                }
                return 0;
            } catch (ApiClient.ApiException e) {
                return fail(e);
            }
        }
    }

    /** {@code nas trials ID}: the trial table, sorted and filtered by the controller (its {@code /trial-page}). */
    @Command(name = "trials", mixinStandardHelpOptions = true,
            description = "Print an experiment's trials as a table: candidate in short, metrics, worker, and under ASHA or Hyperband the rung "
                    + "each reached; * marks the Pareto front.")
    static final class Trials extends Target implements Callable<Integer> {
        @Parameters(index = "0", description = "experiment id")
        String id;

        @Option(names = "--sort", defaultValue = "trialId", description = "trialId, status, attempt, workerId, accuracy, testAccuracy, "
                + "latencyMs, params, macs, sizeBytes, durationSeconds or rung (default: ${DEFAULT-VALUE}; metrics sort best first, rung highest first)")
        String sort;

        @Option(names = "--asc", description = "sort a metric ascending (default: accuracies and rung descending, the others ascending)")
        boolean ascending;

        @Option(names = "--status", description = "only trials with this status: scheduled, running, completed, failed")
        String status;

        @Option(names = "--filter", paramLabel = "TEXT", description = "only trials whose id, worker, architecture or compression contains TEXT")
        String filter;

        @Option(names = "--limit", defaultValue = "50", description = "at most this many rows, 1 to 500 (default: ${DEFAULT-VALUE})")
        int limit;

        @Option(names = "--offset", defaultValue = "0", description = "skip this many rows first (default: ${DEFAULT-VALUE})")
        int offset;

        @Option(names = "--json", description = "print the API's JSON page")
        boolean json;

        @Option(names = "--csv", description = "print every trial as CSV (as `nas export ID --csv -`), ignoring the other options")
        boolean csv;

        @Override
        public Integer call() {
            try {
                ApiClient api = client();
                if (csv) {
                    return ExportCommand.export(api, id, "-");
                }
                boolean descending = !ascending && (sort.equals("accuracy") || sort.equals("testAccuracy") || sort.equals("rung"));
                StringBuilder query = new StringBuilder("/trial-page?sort=" + ApiClient.encode(sort) + "&order=" + (descending ? "desc" : "asc")
                        + "&limit=" + limit + "&offset=" + offset);
                if (status != null) {
                    query.append("&status=").append(ApiClient.encode(status));
                }
                if (filter != null) {
                    query.append("&q=").append(ApiClient.encode(filter));
                }
                JsonNode page = api.get(ApiClient.experiment(id, query.toString()));
                if (json) {
                    System.out.println(JsonCodec.writePretty(page));
                    return 0;
                }
                // the rung column only under a promoting scheduler, so other experiments' tables stay as they were
                boolean rungs = page.path("rungEpochs").isArray() || page.path("rungExamples").isArray();
                System.out.printf(Locale.ROOT, "%-26s %-9s %3s%s %-44s %-22s %7s %7s %8s %10s %11s %-14s%n", "TRIAL", "STATUS", "ATT",
                        rungs ? String.format(Locale.ROOT, " %-12s", "RUNG") : "",
                        "ARCHITECTURE", "COMPRESSION", "VAL", "TEST", "P50 MS", "PARAMS", "BYTES", "WORKER");
                for (JsonNode row : page.path("rows")) {
                    JsonNode t = row.path("trial");
                    JsonNode m = t.path("metrics");
                    System.out.printf(Locale.ROOT, "%-26s %-9s %3d%s %-44s %-22s %7s %7s %8s %10s %11s %-14s%n",
                            cut((row.path("onParetoFront").asBoolean() ? "* " : "  ") + t.path("trialId").asText(), 26),
                            t.path("status").asText(), t.path("attempt").asInt(), rungs ? String.format(Locale.ROOT, " %-12s", rung(t)) : "",
                            cut(row.path("architecture").asText("-"), 44),
                            cut(row.path("compression").asText("-"), 22), number(m.path("accuracy"), "%.4f"),
                            number(m.path("testAccuracy"), "%.4f"), number(m.path("latencyMsP50"), "%.3f"),
                            number(m.path("params"), "%,d"), number(m.path("sizeBytes"), "%,d"), cut(t.path("workerId").asText("-"), 14));
                }
                int shown = page.path("rows").size();
                System.out.printf(Locale.ROOT, "%d of %d trial(s)%s; * on the Pareto front%n", shown, page.path("total").asInt(),
                        offset + shown < page.path("total").asInt() ? " (--offset " + (offset + shown) + " for more)" : "");
                return 0;
            } catch (ApiClient.ApiException e) {
                return fail(e);
            }
        }
    }

    /**
     * The highest rung a trial row of the API reached, as {@code 2 (9 ep)}, or {@code 2 (108k ex)} when the rungs count
     * training examples; {@code -} for none.
     */
    static String rung(JsonNode trial) {
        if (!trial.path("rung").isInt()) {
            return "-";
        }
        JsonNode examples = trial.path("rungExamples");
        return trial.path("rung").asInt() + (examples.isIntegralNumber() ? " (" + shortCount(examples.asLong()) + " ex)"
                : " (" + trial.path("rungEpochs").asInt() + " ep)");
    }

    /** 13,500 as {@code 13.5k}, 216,000 as {@code 216k}, 1,250,000 as {@code 1.3M}; below 10,000 as it is. */
    static String shortCount(long n) {
        if (n >= 1_000_000) {
            return trimmed(n / 1e6) + "M";
        }
        return n >= 10_000 ? trimmed(n / 1e3) + "k" : Long.toString(n);
    }

    private static String trimmed(double v) {
        String s = String.format(Locale.ROOT, "%.1f", v);
        return s.endsWith(".0") ? s.substring(0, s.length() - 2) : s;
    }

    /** {@code s} in at most {@code width} characters, cut with ASCII dots (a console in any locale shows them). */
    static String cut(String s, int width) {
        return s.length() <= width ? s : s.substring(0, width - 3) + "...";
    }

    /** A JSON number in {@code format}, or {@code -} when absent. */
    static String number(JsonNode n, String format) {
        if (!n.isNumber()) {
            return "-";
        }
        return format.endsWith("d") ? String.format(Locale.ROOT, format, n.asLong()) : String.format(Locale.ROOT, format, n.asDouble());
    }
}
