package org.naspipeline.controller.streams;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.naspipeline.controller.logic.StrategyLog;

/**
 * The experiment's entries of the strategy-log store, keyed {@code experimentId NUL index} (zero-padded, so a
 * prefix scan returns them in order). {@link #flush()} writes what was appended.
 */
public final class StoredStrategyLog implements StrategyLog {
    private final KeyValueStore<String, String> store;
    private final String experimentId;
    private final Map<Integer, String> pending = new TreeMap<>();

    public StoredStrategyLog(KeyValueStore<String, String> store, String experimentId) {
        this.store = store;
        this.experimentId = experimentId;
    }

    public static String key(String experimentId, int index) {
        String digits = Integer.toString(index);
        return experimentId + '\u0000' + "0000000000".substring(digits.length()) + digits; // zero-padded to 10
    }

    @Override
    public void append(int index, String call) {
        pending.put(index, call);
    }

    @Override
    public List<String> all(int count) {
        List<String> calls = new ArrayList<>(count);
        try (KeyValueIterator<String, String> it = store.prefixScan(experimentId + '\u0000', new StringSerializer())) {
            while (it.hasNext() && calls.size() < count) {
                calls.add(it.next().value);
            }
        }
        for (Map.Entry<Integer, String> e : pending.entrySet()) {
            if (e.getKey() >= calls.size() && calls.size() < count) {
                calls.add(e.getValue());
            }
        }
        if (calls.size() != count) {
            throw new IllegalStateException("strategy log of " + experimentId + " has " + calls.size() + " of " + count + " calls");
        }
        return calls;
    }

    /** Writes the calls appended since the last flush. */
    public void flush() {
        pending.forEach((i, call) -> store.put(key(experimentId, i), call));
        pending.clear();
    }
}
