package org.naspipeline.strategy.space;

import java.util.ArrayList;
import java.util.List;
import org.naspipeline.api.ArchitectureSpace;
import org.naspipeline.api.ArchitectureSpec;
import org.naspipeline.api.HeadSpec;
import org.naspipeline.api.ModelFamily;
import org.naspipeline.api.StageSpec;

/** The CNN family: the stage count, then for each possible stage its blocks, filters, kernel, conv type, skip, batch norm and pooling. */
final class CnnGenes extends SlotGenes {
    CnnGenes(ArchitectureSpace arch) {
        super(arch, arch.stages(), "stages", s -> {
            String at = "stage[" + s + "].";
            return List.of(new Gene(at + "blocks", arch.blocksPerStage().size(), true),
                    new Gene(at + "filters", arch.filters().size(), Choices.monotone(arch.filters())),
                    new Gene(at + "kernelSize", arch.kernelSizes().size(), Choices.monotone(arch.kernelSizes())),
                    new Gene(at + "convType", arch.convTypes().size(), false),
                    new Gene(at + "skip", arch.skip().size(), false),
                    new Gene(at + "batchNorm", arch.batchNorm().size(), false),
                    new Gene(at + "pooling", arch.pooling().size(), false));
        });
    }

    @Override
    ArchitectureSpec decode(int[] x, int slots, HeadSpec head) {
        List<StageSpec> stages = new ArrayList<>(slots);
        for (int s = 0; s < slots; s++) {
            int b = slotStart(s);
            stages.add(new StageSpec(arch.blocksPerStage().min() + x[b], arch.filters().get(x[b + 1]),
                    arch.kernelSizes().get(x[b + 2]), arch.convTypes().get(x[b + 3]), arch.skip().get(x[b + 4]),
                    arch.batchNorm().get(x[b + 5]), arch.pooling().get(x[b + 6])));
        }
        return new ArchitectureSpec(ModelFamily.CNN, stages, List.of(), head);
    }

    @Override
    String countPath() {
        return "architecture.stages";
    }

    @Override
    int slotCount(ArchitectureSpec a) {
        return a.stages().size();
    }

    @Override
    void encodeSlots(ArchitectureSpec a, int[] x) {
        for (int s = 0; s < a.stages().size(); s++) {
            StageSpec st = a.stages().get(s);
            int b = slotStart(s);
            String at = "architecture.stages[" + s + "].";
            x[b] = Choices.index(at + "blocks", st.blocks() - arch.blocksPerStage().min(), arch.blocksPerStage().size());
            x[b + 1] = Choices.find(at + "filters", arch.filters(), st.filters());
            x[b + 2] = Choices.find(at + "kernelSize", arch.kernelSizes(), st.kernelSize());
            x[b + 3] = Choices.find(at + "convType", arch.convTypes(), st.convType());
            x[b + 4] = Choices.find(at + "skip", arch.skip(), st.skip());
            x[b + 5] = Choices.find(at + "batchNorm", arch.batchNorm(), st.batchNorm());
            x[b + 6] = Choices.find(at + "pooling", arch.pooling(), st.pooling());
        }
    }
}
