package org.naspipeline.strategy.space;

import java.util.ArrayList;
import java.util.List;
import org.naspipeline.api.ArchitectureSpace;
import org.naspipeline.api.ArchitectureSpec;
import org.naspipeline.api.HeadSpec;
import org.naspipeline.api.ModelFamily;

/** The MLP family: the hidden-layer count, then each possible layer's width. */
final class MlpGenes extends SlotGenes {
    MlpGenes(ArchitectureSpace arch) {
        super(arch, arch.hiddenLayers(), "hiddenLayers",
                s -> List.of(new Gene("hidden[" + s + "].units", arch.hiddenUnits().size(), Choices.monotone(arch.hiddenUnits()))));
    }

    @Override
    ArchitectureSpec decode(int[] x, int slots, HeadSpec head) {
        List<Integer> units = new ArrayList<>(slots);
        for (int s = 0; s < slots; s++) {
            units.add(arch.hiddenUnits().get(x[slotStart(s)]));
        }
        return new ArchitectureSpec(ModelFamily.MLP, List.of(), units, head);
    }

    @Override
    String countPath() {
        return "architecture.hiddenUnits";
    }

    @Override
    int slotCount(ArchitectureSpec a) {
        return a.hiddenUnits().size();
    }

    @Override
    void encodeSlots(ArchitectureSpec a, int[] x) {
        for (int s = 0; s < a.hiddenUnits().size(); s++) {
            x[slotStart(s)] = Choices.find("architecture.hiddenUnits[" + s + "]", arch.hiddenUnits(), a.hiddenUnits().get(s));
        }
    }
}
