package org.naspipeline.controller.logic;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The trials of one experiment that are in flight (scheduled or running) and the parallelism slot each holds.
 * It is not stored on its own: it is exactly the trials of the trial table whose status is in flight, and is
 * rebuilt from them ({@link #of}) when an experiment is loaded. Iteration is in slot order, a function of the
 * stored state alone, so a controller that restored an experiment decides as one that never stopped.
 */
public final class InFlightTrials {
    private final Map<String, Integer> slotOf = new HashMap<>();
    private final BitSet busy = new BitSet();
    private String[] bySlot = new String[16];

    /** The in-flight trials among {@code trials}. */
    public static InFlightTrials of(Iterable<TrialRecord> trials) {
        InFlightTrials out = new InFlightTrials();
        for (TrialRecord t : trials) {
            if (t.inFlight()) {
                out.hold(t.trialId, t.slot);
            }
        }
        return out;
    }

    public int size() {
        return slotOf.size();
    }

    public boolean isEmpty() {
        return slotOf.isEmpty();
    }

    /** The lowest slot no trial in flight holds: the one a finished trial just left, if one did. */
    public int freeSlot() {
        return busy.nextClearBit(0);
    }

    /** Puts a trial in flight on a free {@code slot}. */
    public void hold(String trialId, int slot) {
        if (busy.get(slot) || slotOf.containsKey(trialId)) {
            throw new IllegalStateException("slot " + slot + " or trial " + trialId + " is already in flight");
        }
        if (slot >= bySlot.length) {
            bySlot = Arrays.copyOf(bySlot, Math.max(slot + 1, 2 * bySlot.length));
        }
        slotOf.put(trialId, slot);
        bySlot[slot] = trialId;
        busy.set(slot);
    }

    /** Takes a trial out of flight, freeing its slot; nothing if it was not in flight. */
    public void release(String trialId) {
        Integer slot = slotOf.remove(trialId);
        if (slot != null) {
            bySlot[slot] = null;
            busy.clear(slot);
        }
    }

    /** Takes every trial out of flight. */
    public void clear() {
        slotOf.clear();
        busy.clear();
        Arrays.fill(bySlot, null);
    }

    /** The trial ids in slot order. */
    public List<String> ids() {
        List<String> out = new ArrayList<>(slotOf.size());
        for (int s = busy.nextSetBit(0); s >= 0; s = busy.nextSetBit(s + 1)) {
            out.add(bySlot[s]);
        }
        return out;
    }
}
