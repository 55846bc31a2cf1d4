package org.naspipeline.controller.logic;

import java.util.ArrayList;
import java.util.List;

/** An experiment's strategy call log: append-only, read in full only to rebuild the strategy. */
public interface StrategyLog {
    /** Records call number {@code index} (0-based, consecutive). */
    void append(int index, String call);

    /** The first {@code count} calls, in order. */
    List<String> all(int count);

    /** A log in memory (tests). */
    final class InMemory implements StrategyLog {
        private final List<String> calls = new ArrayList<>();

        @Override
        public void append(int index, String call) {
            calls.add(call);
        }

        @Override
        public List<String> all(int count) {
            return new ArrayList<>(calls.subList(0, count));
        }
    }
}
