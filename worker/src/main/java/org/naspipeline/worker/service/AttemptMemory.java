package org.naspipeline.worker.service;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.naspipeline.api.TrialControl;
import org.naspipeline.api.TrialRequest;

/**
 * What this worker knows about trial attempts, to decide whether a request is still wanted: the stop and cancel
 * instructions seen on {@code nas.trial-control} (for any attempt, running here or not, since a request can be
 * taken after its cancel was sent) and the attempts this worker already finished (a redelivered request after a
 * commit that did not happen). Both are keyed by "trialId#attempt", never by experiment: a cancel's reason is
 * free text, and the controller cancels every in-flight attempt of a cancelled experiment one by one.
 *
 * <p>Bounded: at most {@link #MAX_INSTRUCTIONS} instructions and {@link #MAX_FINISHED} finished attempts, the oldest
 * forgotten first; ids are at most {@code RecordChecks.MAX_ID_LENGTH} characters and a reason is kept to {@link #MAX_REASON_CHARS} characters. With ids at their 256-character limit
 * that is at most about 20 MB, typically (40-character ids) under 5 MB. An experiment has at most its parallelism in
 * flight, so 10,000 remembered instructions cover thousands of cancelled experiments. Thread-safe.
 */
final class AttemptMemory {
    /** Most instructions remembered. */
    static final int MAX_INSTRUCTIONS = 10_000;
    /** Most finished attempts remembered. */
    static final int MAX_FINISHED = 10_000;
    /** Longest reason kept from an instruction. */
    static final int MAX_REASON_CHARS = 200;

    /** Why a request is not run, as the bounded tag value of {@code nas_worker_requests_skipped_total{reason}}. */
    enum SkipReason {
        /** The attempt was cancelled (its experiment was cancelled, or the controller timed it out). */
        CANCELLED,
        /** The attempt was stopped by early stopping (a redelivery of a trial that had already run). */
        STOPPED,
        /** This worker already ran the attempt and published its result (a redelivery). */
        FINISHED;

        String tag() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** A request not to run: why, the text of its report, and whether a report is published at all. */
    record Skip(SkipReason reason, String message, boolean report) {}

    /** A remembered instruction: what was asked, and why (shortened). */
    record Instruction(TrialControl.Action action, String reason) {}

    private final Map<String, Instruction> instructions = bounded(MAX_INSTRUCTIONS);
    private final Map<String, Boolean> finished = bounded(MAX_FINISHED);

    /** The key of an attempt. */
    static String key(String trialId, int attempt) {
        return trialId + "#" + attempt;
    }

    /** Remembers an instruction; a later one for the same attempt replaces it (a cancel after a stop wins). */
    synchronized void instructed(TrialControl c) {
        String key = key(c.trialId(), c.attempt());
        instructions.remove(key); // re-inserted as the newest
        String reason = c.reason() == null || c.reason().isBlank() ? "no reason given" : shorten(c.reason());
        instructions.put(key, new Instruction(c.action(), reason));
    }

    /** The instruction seen for an attempt, or null. */
    synchronized Instruction instruction(String trialId, int attempt) {
        return instructions.get(key(trialId, attempt));
    }

    /** Remembers that this worker published the attempt's final result. */
    synchronized void finished(String trialId, int attempt) {
        String key = key(trialId, attempt);
        finished.remove(key);
        finished.put(key, Boolean.TRUE);
    }

    /** Null when the request should run; otherwise why not and what to report. */
    synchronized Skip skip(TrialRequest request) {
        String key = key(request.trialId(), request.attempt());
        if (finished.containsKey(key)) {
            // its result is already on nas.trial-results: a second, different report would contradict it
            return new Skip(SkipReason.FINISHED, "skipped: attempt " + request.attempt() + " already finished on this worker", false);
        }
        Instruction i = instructions.get(key);
        if (i == null) {
            return null;
        }
        boolean stop = i.action() == TrialControl.Action.STOP;
        return new Skip(stop ? SkipReason.STOPPED : SkipReason.CANCELLED,
                "skipped: the attempt was " + (stop ? "stopped" : "cancelled") + " before it started (" + i.reason() + ")", true);
    }

    /** Instructions and finished attempts remembered now (for tests and the bound). */
    synchronized int size() {
        return instructions.size() + finished.size();
    }

    private static String shorten(String reason) {
        return reason.length() <= MAX_REASON_CHARS ? reason : reason.substring(0, MAX_REASON_CHARS - 1) + "…";
    }

    private static <V> Map<String, V> bounded(int max) {
        return new LinkedHashMap<>(16, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, V> eldest) {
                return size() > max;
            }
        };
    }
}
