package org.naspipeline.controller;

import io.vertx.core.Future;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * A short-lived cache of whole experiment snapshots for the REST reads, so the few requests one page view makes
 * (table page, chart columns, summary) read and decode an experiment's trial table once, not once each; concurrent
 * reads of the same experiment share one load. An entry is dropped as soon as any record of its experiment appears
 * on {@code nas.experiment-events} or {@code nas.trial-results} ({@link #invalidate}; every change of the stored
 * state is followed by such a record), after {@link #TTL_NANOS} in any case, and the cache holds at most
 * {@link #MAX_ENTRIES} experiments. A load in progress when its experiment is invalidated serves the reads that
 * already wait for it, and no later one.
 */
final class ReadCache {
    /** How long an entry is used at most. */
    static final long TTL_NANOS = 10_000_000_000L;
    /** How many experiments are kept (a 10,000-trial snapshot is tens of MB). */
    static final int MAX_ENTRIES = 2;

    private record Entry(Future<Optional<ExperimentState>> state, long loadedAtNanos) {}

    private final Map<String, Entry> entries = new LinkedHashMap<>(8, 0.75f, true);
    private final LongSupplier clock;

    ReadCache(LongSupplier clock) {
        this.clock = clock;
    }

    /** The cached snapshot of {@code id}, or what {@code load} gives (kept unless it fails or is invalidated). */
    synchronized Future<Optional<ExperimentState>> get(String id, Supplier<Future<Optional<ExperimentState>>> load) {
        purge();
        Entry hit = entries.get(id);
        if (hit != null) {
            return hit.state();
        }
        Future<Optional<ExperimentState>> loading = load.get();
        entries.put(id, new Entry(loading, clock.getAsLong()));
        while (entries.size() > MAX_ENTRIES) {
            Iterator<String> eldest = entries.keySet().iterator();
            eldest.next();
            eldest.remove();
        }
        loading.onComplete(r -> {
            synchronized (this) {
                Entry e = entries.get(id);
                if (r.failed() && e != null && e.state() == loading) {
                    entries.remove(id);
                }
            }
        });
        return loading;
    }

    /** Forgets {@code id}: a record of it was seen, so its stored state may have changed. */
    synchronized void invalidate(String id) {
        entries.remove(id); // a load in progress is not put back: the next read loads afresh
    }

    /** Drops expired entries. */
    synchronized void purge() {
        long now = clock.getAsLong();
        entries.values().removeIf(e -> now - e.loadedAtNanos() > TTL_NANOS);
    }

    synchronized int size() {
        return entries.size();
    }
}
