package org.naspipeline.strategy.space;

import java.util.List;
import org.naspipeline.api.ArchitectureSpace;
import org.naspipeline.api.ArchitectureSpec;
import org.naspipeline.api.CnnSpace;
import org.naspipeline.api.MlpSpace;
import org.naspipeline.api.SearchSpace;
import org.naspipeline.api.TransformerSpace;

/**
 * The genes of a search space's architecture, one implementation per model family: which genes there are, which of
 * them matter for a vector, and how a vector decodes to an architecture and back. They come first in a
 * {@link SpaceEncoding}'s vector, at indices 0 to {@code genes().size() - 1}. A family is added here: its genes, and
 * a case in {@link #of}.
 */
interface ArchitectureGenes {
    /** The genes of {@code space}'s architecture: its family's, or none when a base model fixes the architecture. */
    static ArchitectureGenes of(SearchSpace space) {
        if (space.architecture() == null) {
            return new FixedArchitecture(space.baseModel().architecture());
        }
        return space.architecture().accept(new ArchitectureSpace.Cases<ArchitectureGenes>() {
            @Override
            public ArchitectureGenes cnn(CnnSpace cnn) {
                return new CnnGenes(cnn);
            }

            @Override
            public ArchitectureGenes mlp(MlpSpace mlp) {
                return new MlpGenes(mlp);
            }

            @Override
            public ArchitectureGenes transformer(TransformerSpace transformer) {
                return new TransformerGenes(transformer);
            }
        });
    }

    /** The genes, in vector order. */
    List<Gene> genes();

    /** Whether architecture gene {@code g} matters for {@code x} (genes of unused stages or layers do not). */
    boolean isActive(int[] x, int g);

    /** The architecture the first genes of {@code x} stand for. */
    ArchitectureSpec decode(int[] x);

    /**
     * Writes the genes of {@code architecture} into the first entries of {@code x}.
     *
     * @throws IllegalArgumentException naming the first part that is not in the space, at its path
     */
    void encode(ArchitectureSpec architecture, int[] x);
}
