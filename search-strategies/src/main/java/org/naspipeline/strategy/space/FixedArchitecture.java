package org.naspipeline.strategy.space;

import java.util.List;
import org.naspipeline.api.ArchitectureSpec;

/** A compression-only space: the base model fixes the architecture, which has no genes. */
record FixedArchitecture(ArchitectureSpec architecture) implements ArchitectureGenes {
    @Override
    public List<Gene> genes() {
        return List.of();
    }

    @Override
    public boolean isActive(int[] x, int g) {
        return true;
    }

    @Override
    public ArchitectureSpec decode(int[] x) {
        return architecture;
    }

    @Override
    public void encode(ArchitectureSpec a, int[] x) {
        if (!architecture.equals(a)) {
            throw new IllegalArgumentException("architecture: differs from searchSpace.baseModel.architecture");
        }
    }
}
