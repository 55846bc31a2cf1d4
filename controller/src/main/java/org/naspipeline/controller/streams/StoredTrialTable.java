package org.naspipeline.controller.streams;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.naspipeline.api.JsonCodec;
import org.naspipeline.controller.logic.ExperimentState;
import org.naspipeline.controller.logic.TrialRecord;
import org.naspipeline.controller.logic.TrialTable;

/**
 * The experiment's entries of the trials store, keyed {@code experimentId NUL trialId} so one prefix scan
 * lists them (sorted into creation order, see {@link ExperimentState#creationOrder}). {@link #flush()} writes what was put. Decoded trials
 * are kept while they are in flight (at most the experiment's parallelism), so the result that ends a trial
 * finds it without reading and parsing it again; they are the objects last written, so the table stays an
 * exact copy of the store as long as every change is flushed (the processor drops the table otherwise).
 */
public final class StoredTrialTable implements TrialTable {
    private final KeyValueStore<String, byte[]> store;
    private final String experimentId;
    private final Map<String, TrialRecord> loaded = new LinkedHashMap<>();
    private final Map<String, TrialRecord> dirty = new LinkedHashMap<>();
    /** Ids decoded or put since the last flush: the only entries of {@link #loaded} that may have left flight. */
    private final List<String> touched = new ArrayList<>();

    public StoredTrialTable(KeyValueStore<String, byte[]> store, String experimentId) {
        this.store = store;
        this.experimentId = experimentId;
    }

    public static String key(String experimentId, String trialId) {
        return experimentId + '\u0000' + trialId;
    }

    @Override
    public TrialRecord get(String trialId) {
        TrialRecord t = loaded.get(trialId);
        if (t == null) {
            byte[] raw = store.get(key(experimentId, trialId));
            if (raw != null) {
                t = JsonCodec.readStoredState(raw, TrialRecord.class);
                loaded.put(trialId, t);
                touched.add(trialId);
            }
        }
        return t;
    }

    @Override
    public void put(TrialRecord trial) {
        loaded.put(trial.trialId, trial);
        dirty.put(trial.trialId, trial);
        touched.add(trial.trialId);
    }

    @Override
    public List<TrialRecord> all() {
        Map<String, TrialRecord> byId = new LinkedHashMap<>();
        for (TrialRecord t : scan(store, experimentId)) {
            byId.put(t.trialId, loaded.getOrDefault(t.trialId, t));
        }
        dirty.values().forEach(t -> byId.putIfAbsent(t.trialId, t)); // created while processing this record, not written yet
        List<TrialRecord> out = new ArrayList<>(byId.values());
        out.sort(creationOrder(experimentId));
        return out;
    }

    /** Writes the trials put since the last flush, and forgets the decoded trials no longer in flight. */
    public void flush() {
        dirty.forEach((id, t) -> store.put(key(experimentId, id), JsonCodec.write(t)));
        dirty.clear();
        for (String id : touched) {
            TrialRecord t = loaded.get(id);
            if (t != null && !t.inFlight()) {
                loaded.remove(id);
            }
        }
        touched.clear();
    }

    /** An experiment's trials as stored, decoded, in creation order (see {@link ExperimentState#creationOrder}). */
    public static List<TrialRecord> scan(ReadOnlyKeyValueStore<String, byte[]> store, String experimentId) {
        List<TrialRecord> out = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> it = store.prefixScan(experimentId + '\u0000', new StringSerializer())) {
            it.forEachRemaining(kv -> out.add(JsonCodec.readStoredState(kv.value, TrialRecord.class)));
        }
        out.sort(creationOrder(experimentId));
        return out;
    }

    private static java.util.Comparator<TrialRecord> creationOrder(String experimentId) {
        return java.util.Comparator.comparing(t -> t.trialId, ExperimentState.creationOrder(experimentId));
    }
}
