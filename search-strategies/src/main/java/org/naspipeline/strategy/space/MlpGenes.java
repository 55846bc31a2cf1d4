package org.naspipeline.strategy.space;

import java.util.ArrayList;
import java.util.List;
import org.naspipeline.api.HeadSpec;
import org.naspipeline.api.MlpArchitecture;
import org.naspipeline.api.MlpSpace;

/** The MLP family: the hidden-layer count, then each possible layer's width. */
final class MlpGenes extends SlotGenes<MlpArchitecture> {
    private final MlpSpace space;

    MlpGenes(MlpSpace arch) {
        super(arch, MlpArchitecture.class, arch.hiddenLayers(), "hiddenLayers",
                s -> List.of(new Gene("hidden[" + s + "].units", arch.hiddenUnits().size(), Choices.monotone(arch.hiddenUnits()))));
        this.space = arch;
    }

    @Override
    MlpArchitecture decode(int[] x, int slots, HeadSpec head) {
        List<Integer> units = new ArrayList<>(slots);
        for (int s = 0; s < slots; s++) {
            units.add(space.hiddenUnits().get(x[slotStart(s)]));
        }
        return new MlpArchitecture(units, head);
    }

    @Override
    String countPath() {
        return "architecture.hiddenUnits";
    }

    @Override
    int slotCount(MlpArchitecture a) {
        return a.hiddenUnits().size();
    }

    @Override
    void encodeSlots(MlpArchitecture a, int[] x) {
        for (int s = 0; s < a.hiddenUnits().size(); s++) {
            x[slotStart(s)] = Choices.find("architecture.hiddenUnits[" + s + "]", space.hiddenUnits(), a.hiddenUnits().get(s));
        }
    }
}
