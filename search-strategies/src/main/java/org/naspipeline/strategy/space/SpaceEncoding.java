package org.naspipeline.strategy.space;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.naspipeline.api.Candidate;
import org.naspipeline.api.CompressionSpace;
import org.naspipeline.api.CompressionSpec;
import org.naspipeline.api.DistillationSpec;
import org.naspipeline.api.ParameterSpec;
import org.naspipeline.api.PruningMethod;
import org.naspipeline.api.PruningSpec;
import org.naspipeline.api.SearchSpace;

/**
 * The canonical encoding of a search space as a vector of categorical decisions ("genes"), the form every
 * strategy searches in: first the architecture's genes, which its family defines ({@link ArchitectureGenes}: for a
 * CNN the stage count, then for each possible stage its blocks, filters, kernel, conv type, skip, batch-norm and
 * pooling, then the head's dense units and dropout; for an MLP the layer count, each layer's width, the head),
 * then the compression decisions, and one gene per generic parameter. Genes of stages or layers beyond the chosen
 * count are inactive and always 0 in canonical form, so equal candidates have equal vectors.
 */
public final class SpaceEncoding {
    private final SearchSpace space;
    /** The architecture's genes, first in the vector: its family's, or none in a compression-only space. */
    private final ArchitectureGenes architecture;
    /** Index of the first compression gene: the number of architecture genes. */
    private final int compressionStart;
    private final List<PruningSpec> pruningChoices = new ArrayList<>();
    private final List<DistillationSpec> distillChoices = new ArrayList<>();
    private final List<String> parameterNames;
    private final List<List<Object>> parameterValues = new ArrayList<>();
    private final Gene[] genes;

    /** The encoding of a validated space. */
    public SpaceEncoding(SearchSpace space) {
        this.space = space;
        this.architecture = ArchitectureGenes.of(space);
        CompressionSpace c = space.compression();
        if (c.pruningMethods().contains(PruningMethod.NONE)) {
            pruningChoices.add(PruningSpec.NONE);
        }
        for (PruningMethod m : c.pruningMethods()) {
            if (m != PruningMethod.NONE) {
                c.pruningRatios().forEach(r -> pruningChoices.add(c.pruning(m, r)));
            }
        }
        if (c.distillation().contains(false)) {
            distillChoices.add(DistillationSpec.OFF);
        }
        if (c.distillation().contains(true)) {
            for (double t : c.temperatures()) {
                c.alphas().forEach(a -> distillChoices.add(c.distillation(t, a)));
            }
        }
        this.parameterNames = List.copyOf(space.parameters().keySet());
        space.parameters().values().forEach(p -> parameterValues.add(p.values()));

        List<Gene> all = new ArrayList<>(architecture.genes());
        this.compressionStart = all.size();
        all.add(new Gene("compression.pruning", pruningChoices.size(), false));
        all.add(new Gene("compression.quantization", c.quantization().size(), false));
        all.add(new Gene("compression.distillation", distillChoices.size(), false));
        all.add(new Gene("compression.lowRankRatio", c.lowRankRatios().size(), Choices.monotone(c.lowRankRatios())));
        for (int i = 0; i < parameterNames.size(); i++) {
            ParameterSpec p = space.parameters().get(parameterNames.get(i));
            all.add(new Gene("parameters." + parameterNames.get(i), parameterValues.get(i).size(),
                    p.type() != ParameterSpec.Type.CATEGORICAL));
        }
        this.genes = all.toArray(Gene[]::new);
    }

    /** The space this encodes. */
    public SearchSpace space() {
        return space;
    }

    /** Number of genes. */
    public int genes() {
        return genes.length;
    }

    /** Number of values gene {@code g} can take. */
    public int arity(int g) {
        return genes[g].arity();
    }

    /** A readable name of gene {@code g}, e.g. {@code stage[1].filters}. */
    public String name(int g) {
        return genes[g].name();
    }

    /**
     * Whether neighbouring values of gene {@code g} are neighbouring values of what it decides: a count, numbers
     * listed in increasing or decreasing order, a non-categorical parameter's grid.
     */
    public boolean ordinal(int g) {
        return genes[g].ordinal();
    }

    /** Whether gene {@code g} matters for {@code x} (genes of unused stages or layers do not). */
    public boolean isActive(int[] x, int g) {
        return g >= compressionStart || architecture.isActive(x, g);
    }

    /** A copy with every inactive gene set to 0. */
    public int[] canonical(int[] x) {
        int[] y = x.clone();
        for (int g = 0; g < compressionStart; g++) {
            if (!isActive(y, g)) {
                y[g] = 0;
            }
        }
        return y;
    }

    /** A 64-bit key of the canonical vector, for duplicate detection. */
    public long key(int[] x) {
        int[] y = canonical(x);
        long h = 0x9E3779B97F4A7C15L;
        for (int v : y) {
            h = mix(h ^ v);
        }
        return h;
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Draws every active gene uniformly. */
    public int[] sample(SplittableRandom rnd) {
        int[] x = new int[genes.length];
        for (int g = 0; g < x.length; g++) {
            x[g] = rnd.nextInt(genes[g].arity());
        }
        return canonical(x);
    }

    /**
     * A neighbour: one active gene with more than one value changed to a different value, chosen uniformly.
     * Returns a canonical copy; when no gene can change (a one-point space) the copy equals {@code x}.
     */
    public int[] mutate(int[] x, SplittableRandom rnd) {
        int[] y = canonical(x);
        int mutable = 0;
        for (int g = 0; g < y.length; g++) {
            if (arity(g) > 1 && isActive(y, g)) {
                mutable++;
            }
        }
        if (mutable == 0) {
            return y;
        }
        int pick = rnd.nextInt(mutable);
        for (int g = 0; g < y.length; g++) {
            if (arity(g) > 1 && isActive(y, g) && pick-- == 0) {
                int v = rnd.nextInt(arity(g) - 1);
                y[g] = v >= y[g] ? v + 1 : v;
                if (g < compressionStart) {
                    // genes this change activates (a stage or layer more) start from a random value, not all-zeros
                    for (int h = 0; h < compressionStart; h++) {
                        if (isActive(y, h) && !isActive(x, h)) {
                            y[h] = rnd.nextInt(arity(h));
                        }
                    }
                }
                break;
            }
        }
        return canonical(y);
    }

    /** The candidate a vector stands for. */
    public Candidate decode(int[] x) {
        int c = compressionStart;
        CompressionSpace cs = space.compression();
        CompressionSpec compression = new CompressionSpec(pruningChoices.get(x[c]), cs.quantization().get(x[c + 1]),
                distillChoices.get(x[c + 2]), cs.lowRankRatios().get(x[c + 3]), cs.fineTuneEpochs(),
                cs.fineTuneLearningRate(), space.baseModel() == null ? null : space.baseModel().artifact(), cs.lowRankLayers(),
                cs.layerDropping());
        TreeMap<String, Object> params = new TreeMap<>();
        for (int i = 0; i < parameterNames.size(); i++) {
            params.put(parameterNames.get(i), parameterValues.get(i).get(x[c + 4 + i]));
        }
        return new Candidate(architecture.decode(x), compression, params);
    }

    /**
     * The canonical vector of a candidate of this space.
     *
     * @throws IllegalArgumentException naming the first part that is not in the space
     */
    public int[] encode(Candidate candidate) {
        int[] x = new int[genes.length];
        architecture.encode(candidate.architecture(), x);
        int c = compressionStart;
        CompressionSpec cc = candidate.compression();
        x[c] = Choices.find("compression.pruning", pruningChoices, cc.pruning());
        x[c + 1] = Choices.find("compression.quantization", space.compression().quantization(), cc.quantization());
        x[c + 2] = Choices.find("compression.distillation", distillChoices, cc.distillation());
        x[c + 3] = Choices.find("compression.lowRankRatio", space.compression().lowRankRatios(), cc.lowRankRatio());
        for (int i = 0; i < parameterNames.size(); i++) {
            x[c + 4 + i] = Choices.find("parameters." + parameterNames.get(i), parameterValues.get(i),
                    candidate.parameters().get(parameterNames.get(i)));
        }
        return x;
    }

    /** Number of distinct candidates. */
    public BigInteger cardinality() {
        return space.cardinality();
    }

    @Override
    public String toString() {
        return "SpaceEncoding" + Arrays.stream(genes).map(Gene::name).toList();
    }
}
