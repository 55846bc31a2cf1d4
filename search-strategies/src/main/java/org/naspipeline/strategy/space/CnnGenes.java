package org.naspipeline.strategy.space;

import java.util.ArrayList;
import java.util.List;
import org.naspipeline.api.CnnArchitecture;
import org.naspipeline.api.CnnSpace;
import org.naspipeline.api.HeadSpec;
import org.naspipeline.api.StageSpec;

/** The CNN family: the stage count, then for each possible stage its blocks, filters, kernel, conv type, skip, batch norm and pooling. */
final class CnnGenes extends SlotGenes<CnnArchitecture> {
    private final CnnSpace space;

    CnnGenes(CnnSpace arch) {
        super(arch, CnnArchitecture.class, arch.stages(), "stages", s -> {
            String at = "stage[" + s + "].";
            return List.of(new Gene(at + "blocks", arch.blocksPerStage().size(), true),
                    new Gene(at + "filters", arch.filters().size(), Choices.monotone(arch.filters())),
                    new Gene(at + "kernelSize", arch.kernelSizes().size(), Choices.monotone(arch.kernelSizes())),
                    new Gene(at + "convType", arch.convTypes().size(), false),
                    new Gene(at + "skip", arch.skip().size(), false),
                    new Gene(at + "batchNorm", arch.batchNorm().size(), false),
                    new Gene(at + "pooling", arch.pooling().size(), false));
        });
        this.space = arch;
    }

    @Override
    CnnArchitecture decode(int[] x, int slots, HeadSpec head) {
        List<StageSpec> stages = new ArrayList<>(slots);
        for (int s = 0; s < slots; s++) {
            int b = slotStart(s);
            stages.add(new StageSpec(space.blocksPerStage().min() + x[b], space.filters().get(x[b + 1]),
                    space.kernelSizes().get(x[b + 2]), space.convTypes().get(x[b + 3]), space.skip().get(x[b + 4]),
                    space.batchNorm().get(x[b + 5]), space.pooling().get(x[b + 6])));
        }
        return new CnnArchitecture(stages, head);
    }

    @Override
    String countPath() {
        return "architecture.stages";
    }

    @Override
    int slotCount(CnnArchitecture a) {
        return a.stages().size();
    }

    @Override
    void encodeSlots(CnnArchitecture a, int[] x) {
        for (int s = 0; s < a.stages().size(); s++) {
            StageSpec st = a.stages().get(s);
            int b = slotStart(s);
            String at = "architecture.stages[" + s + "].";
            x[b] = Choices.index(at + "blocks", st.blocks() - space.blocksPerStage().min(), space.blocksPerStage().size());
            x[b + 1] = Choices.find(at + "filters", space.filters(), st.filters());
            x[b + 2] = Choices.find(at + "kernelSize", space.kernelSizes(), st.kernelSize());
            x[b + 3] = Choices.find(at + "convType", space.convTypes(), st.convType());
            x[b + 4] = Choices.find(at + "skip", space.skip(), st.skip());
            x[b + 5] = Choices.find(at + "batchNorm", space.batchNorm(), st.batchNorm());
            x[b + 6] = Choices.find(at + "pooling", space.pooling(), st.pooling());
        }
    }
}
