package org.naspipeline.strategy;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.naspipeline.api.ArchitectureSpace;
import org.naspipeline.api.ArchitectureSpec;
import org.naspipeline.api.Candidate;
import org.naspipeline.api.CompressionSpace;
import org.naspipeline.api.CompressionSpec;
import org.naspipeline.api.DistillationSpec;
import org.naspipeline.api.HeadSpec;
import org.naspipeline.api.IntRange;
import org.naspipeline.api.ModelFamily;
import org.naspipeline.api.PruningMethod;
import org.naspipeline.api.PruningSpec;
import org.naspipeline.api.SearchSpace;
import org.naspipeline.api.StageSpec;

/** Draws uniformly distributed choices from a search space, one decision at a time. */
public final class SpaceSampler {
    private final SearchSpace space;

    /** A sampler over a validated space. */
    public SpaceSampler(SearchSpace space) {
        this.space = space;
    }

    /** One candidate; every factorized decision is drawn independently and uniformly. */
    public Candidate sample(SplittableRandom rnd) {
        return new Candidate(sampleArchitecture(space.architecture(), rnd), sampleCompression(space.compression(), rnd));
    }

    private static ArchitectureSpec sampleArchitecture(ArchitectureSpace a, SplittableRandom rnd) {
        HeadSpec head = new HeadSpec(pick(a.denseUnits(), rnd), pick(a.dropout(), rnd));
        if (a.family() == ModelFamily.MLP) {
            int layers = pick(a.hiddenLayers(), rnd);
            List<Integer> units = new ArrayList<>(layers);
            for (int i = 0; i < layers; i++) {
                units.add(pick(a.hiddenUnits(), rnd));
            }
            return new ArchitectureSpec(ModelFamily.MLP, List.of(), units, head);
        }
        int stageCount = pick(a.stages(), rnd);
        List<StageSpec> stages = new ArrayList<>(stageCount);
        for (int i = 0; i < stageCount; i++) {
            stages.add(new StageSpec(
                    pick(a.blocksPerStage(), rnd),
                    pick(a.filters(), rnd),
                    pick(a.kernelSizes(), rnd),
                    pick(a.convTypes(), rnd),
                    pick(a.skip(), rnd),
                    pick(a.batchNorm(), rnd),
                    pick(a.pooling(), rnd)));
        }
        return new ArchitectureSpec(ModelFamily.CNN, stages, List.of(), head);
    }

    private static CompressionSpec sampleCompression(CompressionSpace c, SplittableRandom rnd) {
        PruningMethod method = pick(c.pruningMethods(), rnd);
        PruningSpec pruning = method == PruningMethod.NONE ? PruningSpec.NONE
                : new PruningSpec(method, pick(c.pruningRatios(), rnd));
        boolean distill = pick(c.distillation(), rnd);
        DistillationSpec distillation = distill
                ? new DistillationSpec(true, pick(c.temperatures(), rnd), pick(c.alphas(), rnd))
                : DistillationSpec.OFF;
        return new CompressionSpec(pruning, pick(c.quantization(), rnd), distillation, pick(c.lowRankRatios(), rnd));
    }

    private static <T> T pick(List<T> choices, SplittableRandom rnd) {
        return choices.get(rnd.nextInt(choices.size()));
    }

    private static int pick(IntRange range, SplittableRandom rnd) {
        return range.min() + rnd.nextInt(range.size());
    }
}
