package org.naspipeline.strategy.pareto;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * An incrementally maintained set of mutually non-dominated points (all objectives minimized), each with a
 * label such as a trial id. Adding a point costs O(front size).
 */
public final class ParetoFront<T> {
    private final List<Entry<T>> entries = new ArrayList<>();

    /** A point of the front. */
    public record Entry<T>(double[] objectives, T label) {}

    /**
     * Offers a point; returns true when it joined the front (it is dominated by no member and equal to none),
     * in which case the members it dominates leave.
     */
    public boolean add(double[] objectives, T label) {
        for (Entry<T> e : entries) {
            if (Dominance.dominates(e.objectives(), objectives) || java.util.Arrays.equals(e.objectives(), objectives)) {
                return false;
            }
        }
        for (Iterator<Entry<T>> it = entries.iterator(); it.hasNext(); ) {
            if (Dominance.dominates(objectives, it.next().objectives())) {
                it.remove();
            }
        }
        entries.add(new Entry<>(objectives.clone(), label));
        return true;
    }

    /** The current members, in insertion order. */
    public List<Entry<T>> entries() {
        return List.copyOf(entries);
    }

    /** Objective vectors of the members. */
    public List<double[]> points() {
        return entries.stream().map(Entry::objectives).toList();
    }

    /** Number of members. */
    public int size() {
        return entries.size();
    }
}
