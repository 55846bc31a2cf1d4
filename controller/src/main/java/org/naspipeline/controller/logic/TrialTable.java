package org.naspipeline.controller.logic;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The trials of one experiment. Changes are recorded with {@link #put}; a stored table (the Streams adapter's) writes them on flush. */
public interface TrialTable {
    /** The trial, or null. */
    TrialRecord get(String trialId);

    /** Records a new or changed trial. */
    void put(TrialRecord trial);

    /** Every trial, in creation order. */
    List<TrialRecord> all();

    /** A table in memory (new experiments in tests, read models built from a forwarded answer). */
    final class InMemory implements TrialTable {
        private final Map<String, TrialRecord> trials = new LinkedHashMap<>();

        public InMemory() {}

        public InMemory(List<TrialRecord> rows) {
            rows.forEach(this::put);
        }

        @Override
        public TrialRecord get(String trialId) {
            return trials.get(trialId);
        }

        @Override
        public void put(TrialRecord trial) {
            trials.put(trial.trialId, trial);
        }

        @Override
        public List<TrialRecord> all() {
            return new ArrayList<>(trials.values());
        }
    }

}
