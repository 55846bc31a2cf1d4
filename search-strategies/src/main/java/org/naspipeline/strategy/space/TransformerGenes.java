package org.naspipeline.strategy.space;

import java.util.List;
import org.naspipeline.api.ArchitectureSpec;
import org.naspipeline.api.HeadSpec;
import org.naspipeline.api.TransformerArchitecture;
import org.naspipeline.api.TransformerSpace;

/**
 * The transformer family: one gene per setting the encoder layers of a candidate share (layers, width, heads, MLP
 * ratio, patch size, norm placement, pooling, dropout), then the head's dense units and dropout. Every gene is
 * active: the layers of one candidate are alike, so the layer count adds no per-layer genes.
 */
final class TransformerGenes implements ArchitectureGenes {
    private final TransformerSpace space;
    private final List<Gene> genes;

    TransformerGenes(TransformerSpace space) {
        this.space = space;
        this.genes = List.of(new Gene("layers", space.layers().size(), true),
                new Gene("width", space.widths().size(), Choices.monotone(space.widths())),
                new Gene("heads", space.heads().size(), Choices.monotone(space.heads())),
                new Gene("mlpRatio", space.mlpRatios().size(), Choices.monotone(space.mlpRatios())),
                new Gene("patchSize", space.patchSizes().size(), Choices.monotone(space.patchSizes())),
                new Gene("norm", space.norms().size(), false),
                new Gene("pooling", space.poolings().size(), false),
                new Gene("blockDropout", space.blockDropout().size(), Choices.monotone(space.blockDropout())),
                new Gene("head.denseUnits", space.denseUnits().size(), Choices.monotone(space.denseUnits())),
                new Gene("head.dropout", space.dropout().size(), Choices.monotone(space.dropout())));
    }

    @Override
    public List<Gene> genes() {
        return genes;
    }

    @Override
    public boolean isActive(int[] x, int g) {
        return true;
    }

    @Override
    public TransformerArchitecture decode(int[] x) {
        return new TransformerArchitecture(space.layers().min() + x[0], space.widths().get(x[1]), space.heads().get(x[2]),
                space.mlpRatios().get(x[3]), space.patchSizes().get(x[4]), space.norms().get(x[5]), space.poolings().get(x[6]),
                space.blockDropout().get(x[7]), new HeadSpec(space.denseUnits().get(x[8]), space.dropout().get(x[9])));
    }

    @Override
    public void encode(ArchitectureSpec architecture, int[] x) {
        if (!(architecture instanceof TransformerArchitecture a)) {
            throw new IllegalArgumentException("architecture.family: " + architecture.family() + " is not in the space");
        }
        x[0] = Choices.index("architecture.layers", a.layers() - space.layers().min(), space.layers().size());
        x[1] = Choices.find("architecture.width", space.widths(), a.width());
        x[2] = Choices.find("architecture.heads", space.heads(), a.heads());
        x[3] = Choices.find("architecture.mlpRatio", space.mlpRatios(), a.mlpRatio());
        x[4] = Choices.find("architecture.patchSize", space.patchSizes(), a.patchSize());
        x[5] = Choices.find("architecture.norm", space.norms(), a.norm());
        x[6] = Choices.find("architecture.pooling", space.poolings(), a.pooling());
        x[7] = Choices.find("architecture.dropout", space.blockDropout(), a.dropout());
        if (a.head() == null) {
            throw new IllegalArgumentException("architecture.head: is required (the space's candidates all have one)");
        }
        x[8] = Choices.find("architecture.head.denseUnits", space.denseUnits(), a.head().denseUnits());
        x[9] = Choices.find("architecture.head.dropout", space.dropout(), a.head().dropout());
    }
}
