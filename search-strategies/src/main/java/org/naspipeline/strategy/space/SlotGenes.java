package org.naspipeline.strategy.space;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.naspipeline.api.ArchitectureSpace;
import org.naspipeline.api.ArchitectureSpec;
import org.naspipeline.api.HeadSpec;
import org.naspipeline.api.IntRange;

/**
 * A family built of a searched number of slots (stages, layers), each with the same genes, then a head: gene 0 is the
 * count, then every possible slot's genes, then the head's dense units and dropout. The genes of slots beyond the
 * chosen count are inactive.
 */
abstract class SlotGenes<A extends ArchitectureSpec> implements ArchitectureGenes {
    final ArchitectureSpace arch;
    private final Class<A> family;
    private final IntRange count;
    private final int slotGenes;
    private final int headStart;
    private final List<Gene> genes;

    /**
     * @param family the architecture type of the family
     * @param countGene the name of gene 0 (e.g. {@code stages})
     * @param slot the genes of one slot, named for slot {@code s}
     */
    SlotGenes(ArchitectureSpace arch, Class<A> family, IntRange count, String countGene, java.util.function.IntFunction<List<Gene>> slot) {
        this.arch = arch;
        this.family = family;
        this.count = count;
        List<Gene> g = new ArrayList<>();
        g.add(new Gene(countGene, count.size(), true));
        for (int s = 0; s < count.max(); s++) {
            g.addAll(slot.apply(s));
        }
        this.slotGenes = count.max() == 0 ? 0 : (g.size() - 1) / count.max();
        this.headStart = g.size();
        g.add(new Gene("head.denseUnits", arch.denseUnits().size(), Choices.monotone(arch.denseUnits())));
        g.add(new Gene("head.dropout", arch.dropout().size(), Choices.monotone(arch.dropout())));
        this.genes = Collections.unmodifiableList(g);
    }

    /** The slots that {@code x} uses. */
    final int activeSlots(int[] x) {
        return count.min() + x[0];
    }

    /** The index of the first gene of slot {@code s}. */
    final int slotStart(int s) {
        return 1 + s * slotGenes;
    }

    @Override
    public final List<Gene> genes() {
        return genes;
    }

    @Override
    public final boolean isActive(int[] x, int g) {
        if (g == 0 || g >= headStart) {
            return true;
        }
        return (g - 1) / slotGenes < activeSlots(x);
    }

    @Override
    public final ArchitectureSpec decode(int[] x) {
        HeadSpec head = new HeadSpec(arch.denseUnits().get(x[headStart]), arch.dropout().get(x[headStart + 1]));
        return decode(x, activeSlots(x), head);
    }

    /** The architecture of the first {@code slots} slots of {@code x}, with {@code head}. */
    abstract A decode(int[] x, int slots, HeadSpec head);

    @Override
    public final void encode(ArchitectureSpec a, int[] x) {
        if (!family.isInstance(a)) {
            throw new IllegalArgumentException("architecture.family: " + a.family() + " is not in the space");
        }
        A own = family.cast(a);
        x[0] = Choices.index(countPath(), slotCount(own) - count.min(), count.size());
        encodeSlots(own, x);
        x[headStart] = Choices.find("architecture.head.denseUnits", arch.denseUnits(), a.head().denseUnits());
        x[headStart + 1] = Choices.find("architecture.head.dropout", arch.dropout(), a.head().dropout());
    }

    /** The path of the count in a candidate, for errors. */
    abstract String countPath();

    /** The slots {@code a} has. */
    abstract int slotCount(A a);

    /** Writes the genes of each of {@code a}'s slots. */
    abstract void encodeSlots(A a, int[] x);
}
