package org.naspipeline.controller.http;

import io.vertx.core.Future;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.naspipeline.controller.logic.ExperimentState;

/**
 * Shares one load of an experiment's snapshot among the REST reads that arrive while it is in progress, so the few
 * requests one page view makes at once (summary, table page, chart columns) read and decode an experiment's trial
 * table once, not once each. Nothing is kept after a load completes: a read that starts later loads afresh, so a
 * client never reads older state than a read it made before. A load is also dropped for new readers as soon as any
 * record of its experiment appears on {@code nas.experiment-events} or {@code nas.trial-results}
 * ({@link #invalidate}): it may have read the store before the change that record announces.
 */
public final class ReadCache {
    private final Map<String, Future<Optional<ExperimentState>>> loading = new HashMap<>();

    /** The load of {@code id} in progress, or a new one from {@code load}. */
    public synchronized Future<Optional<ExperimentState>> get(String id, Supplier<Future<Optional<ExperimentState>>> load) {
        Future<Optional<ExperimentState>> current = loading.get(id);
        if (current != null) {
            return current;
        }
        Future<Optional<ExperimentState>> started = load.get();
        if (started.isComplete()) {
            return started;
        }
        loading.put(id, started);
        started.onComplete(r -> {
            synchronized (this) {
                loading.remove(id, started);
            }
        });
        return started;
    }

    /** New readers of {@code id} start a new load: a record of it was seen, so its stored state may have changed. */
    public synchronized void invalidate(String id) {
        loading.remove(id);
    }

    synchronized int size() {
        return loading.size();
    }
}
