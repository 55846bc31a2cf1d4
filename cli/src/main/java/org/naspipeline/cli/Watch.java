package org.naspipeline.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.LongSupplier;
import org.naspipeline.api.InvalidInputException;
import org.naspipeline.api.JsonCodec;

/**
 * {@code nas submit --watch} and {@code nas status ID --watch}: follows one experiment until it ends.
 *
 * <ul>
 *   <li>A line with its status, completed / failed / in flight of the budget, the best so far, the elapsed time and
 *       an ETA (the mean time per ended trial so far, times the trials left), from the experiment's summary, read
 *       once a second (one small JSON object, not a page).</li>
 *   <li>Under it the running trials with their epoch and latest validation accuracy, from the experiment's event
 *       stream ({@code GET …/events}, Server-Sent Events of {@code nas.trial-results}), so progress shows long before
 *       the first trial ends.</li>
 *   <li>The controller going away (a restart, a rolling upgrade) is survived: both reads retry with backoff up to
 *       10 s, and the watch says so once per outage. It exits when the experiment ends (0 if completed, 1 if
 *       cancelled or failed), or on Ctrl-C.</li>
 *   <li>On a terminal the block is redrawn in place; otherwise (a pipe, a file) a block is printed only when it
 *       changes, without control characters.</li>
 * </ul>
 */
final class Watch {
    private static final int MAX_RUNNING_SHOWN = 8;
    private static final long MAX_BACKOFF_MILLIS = 10_000;

    /** What the event stream said about a running trial. */
    record Running(int attempt, int epoch, int epochs, double validationAccuracy) {}

    private final ApiClient api;
    private final String id;
    private final PrintStream out;
    private final boolean terminal;
    private final LongSupplier clock;
    private final Map<String, Running> running = new ConcurrentSkipListMap<>();
    private volatile boolean done;
    private int drawnLines;

    Watch(ApiClient api, String id, PrintStream out, boolean terminal, LongSupplier clock) {
        this.api = api;
        this.id = id;
        this.out = out;
        this.terminal = terminal;
        this.clock = clock;
    }

    /** A watch on standard output, redrawn in place when it is a terminal (and TERM is not {@code dumb}). */
    static Watch onStdout(ApiClient api, String id) {
        boolean terminal = System.console() != null && !"dumb".equals(System.getenv("TERM"));
        return new Watch(api, id, System.out, terminal, System::currentTimeMillis);
    }

    /** Follows the experiment until it ends; 0 if it completed, 1 if it was cancelled or failed. */
    int run() throws InterruptedException {
        Thread events = new Thread(this::followEvents, "nas-watch-events");
        events.setDaemon(true);
        events.start();
        long backoff = 500;
        String outage = null;
        String last = "";
        try {
            while (true) {
                JsonNode summary;
                try {
                    summary = api.get(ApiClient.experiment(id, ""));
                    backoff = 500;
                    if (outage != null) {
                        say("the controller answers again");
                        outage = null;
                    }
                } catch (ApiClient.ApiException e) {
                    if (e.status != 0 && e.status != ApiClient.ApiException.NO_ANSWER && e.status != 404 && e.status != 503
                            && e.status != 502) {
                        throw e; // 401, 403, a bad URL: retrying would not help
                    }
                    String why = e.status == 404 ? "the experiment is not known yet (or its owner is moving)" : e.getMessage();
                    if (!why.equals(outage)) {
                        say(why + "; retrying every " + MAX_BACKOFF_MILLIS / 1000 + " s at most, Ctrl-C to stop");
                        outage = why;
                    }
                    Thread.sleep(backoff);
                    backoff = Math.min(MAX_BACKOFF_MILLIS, backoff * 2);
                    continue;
                }
                List<String> block = block(summary);
                // on a terminal the clock ticks in place; in a file a block is worth a line only when something else moved
                String now = terminal ? String.join("\n", block) : String.join("\n", block(summary, false));
                if (!now.equals(last)) {
                    draw(block);
                    last = now;
                }
                String status = summary.path("status").asText();
                if (!"running".equals(status) && !"paused".equals(status)) {
                    return "completed".equals(status) ? 0 : 1;
                }
                Thread.sleep(1000); // the summary is one small object; the epochs arrive by the event stream
            }
        } finally {
            done = true;
            events.interrupt();
        }
    }

    /** The lines shown for {@code summary} and the running trials. */
    List<String> block(JsonNode summary) {
        return block(summary, true);
    }

    private List<String> block(JsonNode summary, boolean times) {
        List<String> lines = new ArrayList<>();
        int completed = summary.path("completed").asInt();
        int failed = summary.path("failed").asInt();
        int max = summary.path("maxTrials").asInt();
        int ended = completed + failed;
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%s %s: %d completed, %d failed, %d in flight of %d",
                id, summary.path("status").asText(), completed, failed, summary.path("inFlight").asInt(), max));
        line.append(", best ").append(summary.path("bestAccuracy").isNumber()
                ? String.format(Locale.ROOT, "%.4f (%s)", summary.path("bestAccuracy").asDouble(), summary.path("bestTrialId").asText())
                : "-");
        if (summary.path("hypervolume").isNumber()) {
            line.append(String.format(Locale.ROOT, ", front %d, hypervolume %.4g", summary.path("paretoFrontSize").asInt(),
                    summary.path("hypervolume").asDouble()));
        }
        if (times && summary.path("startedAtMillis").isNumber()) {
            long elapsed = Math.max(0, clock.getAsLong() - summary.path("startedAtMillis").asLong());
            line.append(", ").append(duration(elapsed)).append(" elapsed");
            if (ended > 0 && ended < max && "running".equals(summary.path("status").asText())) {
                line.append(", ETA ").append(duration(elapsed / ended * (max - ended)));
            }
        }
        lines.add(line.toString());
        int shown = 0;
        for (Map.Entry<String, Running> e : running.entrySet()) {
            if (shown++ == MAX_RUNNING_SHOWN) {
                lines.add(String.format(Locale.ROOT, "  … and %d more running", running.size() - MAX_RUNNING_SHOWN));
                break;
            }
            Running r = e.getValue();
            lines.add(r.epoch() == 0 ? String.format(Locale.ROOT, "  %s started", e.getKey())
                    : String.format(Locale.ROOT, "  %s epoch %d/%d, validation accuracy %.4f", e.getKey(), r.epoch(), r.epochs(),
                            r.validationAccuracy()));
        }
        return lines;
    }

    private void draw(List<String> block) {
        if (terminal && drawnLines > 0) {
            out.print("\033[" + drawnLines + "F\033[J"); // back to the block's first line, clear to the end
        }
        block.forEach(out::println);
        if (!terminal && block.size() > 1) {
            out.println(); // blocks apart in a file
        }
        out.flush();
        drawnLines = terminal ? block.size() : 0;
    }

    private void say(String message) {
        out.println(message);
        out.flush();
        drawnLines = 0; // the next block is drawn below the message
    }

    /** Reads the event stream until the watch ends, reconnecting with backoff when it drops. */
    private void followEvents() {
        long backoff = 500;
        while (!done) {
            try {
                java.io.InputStream stream = api.events(ApiClient.experiment(id, "/events"));
                if (stream != null) {
                    backoff = 500;
                    read(stream);
                }
            } catch (InterruptedException e) {
                return;
            } catch (java.io.IOException | RuntimeException e) {
                // the controller is away; the summary loop says so
            }
            try {
                Thread.sleep(backoff);
            } catch (InterruptedException e) {
                return;
            }
            backoff = Math.min(MAX_BACKOFF_MILLIS, backoff * 2);
        }
    }

    private void read(java.io.InputStream body) throws java.io.IOException {
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
            String event = null;
            String line;
            while (!done && (line = reader.readLine()) != null) {
                if (line.startsWith("event:")) {
                    event = line.substring(6).trim();
                } else if (line.startsWith("data:") && "trial".equals(event)) {
                    onTrialEvent(line.substring(5).trim());
                } else if (line.isEmpty()) {
                    event = null;
                }
            }
        }
    }

    /** Applies one trial event (a record of {@code nas.trial-results} as JSON) to the running trials. */
    void onTrialEvent(String json) {
        JsonNode e;
        try {
            e = JsonCodec.readTree(json.getBytes(StandardCharsets.UTF_8));
        } catch (InvalidInputException ex) {
            return; // not ours to judge: the controller checked it
        }
        String trialId = e.path("trialId").asText(null);
        if (trialId == null) {
            return;
        }
        int attempt = e.path("attempt").asInt();
        switch (e.path("type").asText()) {
            case "started" -> running.put(trialId, new Running(attempt, 0, 0, 0));
            case "progress" -> {
                Running before = running.get(trialId);
                if (before == null || before.attempt() <= attempt) {
                    running.put(trialId, new Running(attempt, e.path("epoch").asInt(), e.path("epochs").asInt(),
                            e.path("validationAccuracy").asDouble()));
                }
            }
            case "completed", "failed" -> running.remove(trialId);
            default -> { }
        }
    }

    /** {@code 42 s}, {@code 3 min 05 s}, {@code 1 h 02 min}. */
    static String duration(long millis) {
        long s = millis / 1000;
        if (s < 60) {
            return s + " s";
        }
        if (s < 3600) {
            return String.format(Locale.ROOT, "%d min %02d s", s / 60, s % 60);
        }
        return String.format(Locale.ROOT, "%d h %02d min", s / 3600, s / 60 % 60);
    }
}
