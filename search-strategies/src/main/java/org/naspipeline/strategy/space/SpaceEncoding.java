package org.naspipeline.strategy.space;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeMap;
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

/**
 * The canonical encoding of a search space as a vector of categorical decisions ("genes"), the form every
 * strategy searches in. CNN: the stage count, then for each possible stage its blocks, filters, kernel, conv
 * type, skip, batch-norm and pooling; MLP: the layer count, then each layer's width; then the head's dense
 * units and dropout, the compression decisions, and one gene per generic parameter. Genes of stages or layers
 * beyond the chosen count are inactive and always 0 in canonical form, so equal candidates have equal vectors.
 */
public final class SpaceEncoding {
    private static final int STAGE_GENES = 7;

    private final SearchSpace space;
    private final ArchitectureSpace arch;
    private final int slots;
    private final int slotGenes;
    private final int headStart;
    /** Index of the first compression gene; 0 in a compression-only space, which has no architecture genes. */
    private final int compressionStart;
    /** The architecture of a compression-only space, else null. */
    private final ArchitectureSpec fixedArchitecture;
    private final List<PruningSpec> pruningChoices = new ArrayList<>();
    private final List<DistillationSpec> distillChoices = new ArrayList<>();
    private final List<String> parameterNames;
    private final List<List<Object>> parameterValues = new ArrayList<>();
    private final int[] arity;
    private final String[] names;

    /** The encoding of a validated space. */
    public SpaceEncoding(SearchSpace space) {
        this.space = space;
        this.arch = space.architecture();
        this.fixedArchitecture = space.baseModel() == null ? null : space.baseModel().architecture();
        boolean cnn = arch != null && arch.family() == ModelFamily.CNN;
        IntRange count = arch == null ? null : cnn ? arch.stages() : arch.hiddenLayers();
        this.slots = arch == null ? 0 : count.max();
        this.slotGenes = cnn ? STAGE_GENES : 1;
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

        List<Integer> ar = new ArrayList<>();
        List<String> nm = new ArrayList<>();
        if (arch != null) {
            addArchitectureGenes(ar, nm, cnn, count);
        }
        this.headStart = arch == null ? 0 : 1 + slots * slotGenes;
        this.compressionStart = ar.size();
        add(ar, nm, "compression.pruning", pruningChoices.size());
        add(ar, nm, "compression.quantization", c.quantization().size());
        add(ar, nm, "compression.distillation", distillChoices.size());
        add(ar, nm, "compression.lowRankRatio", c.lowRankRatios().size());
        for (int i = 0; i < parameterNames.size(); i++) {
            add(ar, nm, "parameters." + parameterNames.get(i), parameterValues.get(i).size());
        }
        this.arity = ar.stream().mapToInt(Integer::intValue).toArray();
        this.names = nm.toArray(String[]::new);
    }

    private void addArchitectureGenes(List<Integer> ar, List<String> nm, boolean cnn, IntRange count) {
        add(ar, nm, cnn ? "stages" : "hiddenLayers", count.size());
        for (int s = 0; s < slots; s++) {
            if (cnn) {
                String at = "stage[" + s + "].";
                add(ar, nm, at + "blocks", arch.blocksPerStage().size());
                add(ar, nm, at + "filters", arch.filters().size());
                add(ar, nm, at + "kernelSize", arch.kernelSizes().size());
                add(ar, nm, at + "convType", arch.convTypes().size());
                add(ar, nm, at + "skip", arch.skip().size());
                add(ar, nm, at + "batchNorm", arch.batchNorm().size());
                add(ar, nm, at + "pooling", arch.pooling().size());
            } else {
                add(ar, nm, "hidden[" + s + "].units", arch.hiddenUnits().size());
            }
        }
        add(ar, nm, "head.denseUnits", arch.denseUnits().size());
        add(ar, nm, "head.dropout", arch.dropout().size());
    }

    private static void add(List<Integer> arity, List<String> names, String name, int n) {
        arity.add(n);
        names.add(name);
    }

    /** The space this encodes. */
    public SearchSpace space() {
        return space;
    }

    /** Number of genes. */
    public int genes() {
        return arity.length;
    }

    /** Number of values gene {@code g} can take. */
    public int arity(int g) {
        return arity[g];
    }

    /** A readable name of gene {@code g}, e.g. {@code stage[1].filters}. */
    public String name(int g) {
        return names[g];
    }

    private int activeSlots(int[] x) {
        return (arch.family() == ModelFamily.CNN ? arch.stages().min() : arch.hiddenLayers().min()) + x[0];
    }

    /** Whether gene {@code g} matters for {@code x} (genes of unused stages or layers do not). */
    public boolean isActive(int[] x, int g) {
        if (arch == null || g == 0 || g >= headStart) {
            return true;
        }
        return (g - 1) / slotGenes < activeSlots(x);
    }

    /** A copy with every inactive gene set to 0. */
    public int[] canonical(int[] x) {
        int[] y = x.clone();
        for (int g = 1; g < headStart; g++) {
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
        int[] x = new int[arity.length];
        for (int g = 0; g < x.length; g++) {
            x[g] = rnd.nextInt(arity[g]);
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
            if (arity[g] > 1 && isActive(y, g)) {
                mutable++;
            }
        }
        if (mutable == 0) {
            return y;
        }
        int pick = rnd.nextInt(mutable);
        for (int g = 0; g < y.length; g++) {
            if (arity[g] > 1 && isActive(y, g) && pick-- == 0) {
                int v = rnd.nextInt(arity[g] - 1);
                y[g] = v >= y[g] ? v + 1 : v;
                if (g == 0 && arch != null) {
                    // newly activated stages start from a random configuration rather than all-zeros
                    for (int h = 1; h < headStart; h++) {
                        if (isActive(y, h) && !isActive(x, h)) {
                            y[h] = rnd.nextInt(arity[h]);
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
        ArchitectureSpec architecture = arch == null ? fixedArchitecture : decodeArchitecture(x);
        int c = compressionStart;
        CompressionSpace cs = space.compression();
        CompressionSpec compression = new CompressionSpec(pruningChoices.get(x[c]), cs.quantization().get(x[c + 1]),
                distillChoices.get(x[c + 2]), cs.lowRankRatios().get(x[c + 3]), cs.fineTuneEpochs(),
                cs.fineTuneLearningRate(), space.baseModel() == null ? null : space.baseModel().artifact(), cs.lowRankLayers());
        TreeMap<String, Object> params = new TreeMap<>();
        for (int i = 0; i < parameterNames.size(); i++) {
            params.put(parameterNames.get(i), parameterValues.get(i).get(x[c + 4 + i]));
        }
        return new Candidate(architecture, compression, params);
    }

    private ArchitectureSpec decodeArchitecture(int[] x) {
        int n = activeSlots(x);
        ArchitectureSpec architecture;
        HeadSpec head = new HeadSpec(arch.denseUnits().get(x[headStart]), arch.dropout().get(x[headStart + 1]));
        if (arch.family() == ModelFamily.CNN) {
            List<StageSpec> stages = new ArrayList<>(n);
            for (int s = 0; s < n; s++) {
                int b = 1 + s * STAGE_GENES;
                stages.add(new StageSpec(arch.blocksPerStage().min() + x[b], arch.filters().get(x[b + 1]),
                        arch.kernelSizes().get(x[b + 2]), arch.convTypes().get(x[b + 3]), arch.skip().get(x[b + 4]),
                        arch.batchNorm().get(x[b + 5]), arch.pooling().get(x[b + 6])));
            }
            architecture = new ArchitectureSpec(ModelFamily.CNN, stages, List.of(), head);
        } else {
            List<Integer> units = new ArrayList<>(n);
            for (int s = 0; s < n; s++) {
                units.add(arch.hiddenUnits().get(x[1 + s]));
            }
            architecture = new ArchitectureSpec(ModelFamily.MLP, List.of(), units, head);
        }
        return architecture;
    }

    /**
     * The canonical vector of a candidate of this space.
     *
     * @throws IllegalArgumentException naming the first part that is not in the space
     */
    public int[] encode(Candidate candidate) {
        int[] x = new int[arity.length];
        ArchitectureSpec a = candidate.architecture();
        if (arch == null) {
            if (!fixedArchitecture.equals(a)) {
                throw new IllegalArgumentException("architecture: differs from searchSpace.baseModel.architecture");
            }
        } else {
            encodeArchitecture(a, x);
        }
        int c = compressionStart;
        CompressionSpec cc = candidate.compression();
        x[c] = find("compression.pruning", pruningChoices, cc.pruning());
        x[c + 1] = find("compression.quantization", space.compression().quantization(), cc.quantization());
        x[c + 2] = find("compression.distillation", distillChoices, cc.distillation());
        x[c + 3] = find("compression.lowRankRatio", space.compression().lowRankRatios(), cc.lowRankRatio());
        for (int i = 0; i < parameterNames.size(); i++) {
            x[c + 4 + i] = find("parameters." + parameterNames.get(i), parameterValues.get(i),
                    candidate.parameters().get(parameterNames.get(i)));
        }
        return x;
    }

    private void encodeArchitecture(ArchitectureSpec a, int[] x) {
        if (a.family() != arch.family()) {
            throw new IllegalArgumentException("architecture.family: " + a.family() + " is not in the space");
        }
        if (arch.family() == ModelFamily.CNN) {
            x[0] = index("architecture.stages", a.stages().size() - arch.stages().min(), arity[0]);
            for (int s = 0; s < a.stages().size(); s++) {
                StageSpec st = a.stages().get(s);
                int b = 1 + s * STAGE_GENES;
                String at = "architecture.stages[" + s + "].";
                x[b] = index(at + "blocks", st.blocks() - arch.blocksPerStage().min(), arity[b]);
                x[b + 1] = find(at + "filters", arch.filters(), st.filters());
                x[b + 2] = find(at + "kernelSize", arch.kernelSizes(), st.kernelSize());
                x[b + 3] = find(at + "convType", arch.convTypes(), st.convType());
                x[b + 4] = find(at + "skip", arch.skip(), st.skip());
                x[b + 5] = find(at + "batchNorm", arch.batchNorm(), st.batchNorm());
                x[b + 6] = find(at + "pooling", arch.pooling(), st.pooling());
            }
        } else {
            x[0] = index("architecture.hiddenUnits", a.hiddenUnits().size() - arch.hiddenLayers().min(), arity[0]);
            for (int s = 0; s < a.hiddenUnits().size(); s++) {
                x[1 + s] = find("architecture.hiddenUnits[" + s + "]", arch.hiddenUnits(), a.hiddenUnits().get(s));
            }
        }
        x[headStart] = find("architecture.head.denseUnits", arch.denseUnits(), a.head().denseUnits());
        x[headStart + 1] = find("architecture.head.dropout", arch.dropout(), a.head().dropout());
    }

    private static int index(String path, int i, int n) {
        if (i < 0 || i >= n) {
            throw new IllegalArgumentException(path + ": count out of the space's range");
        }
        return i;
    }

    private static <T> int find(String path, List<T> choices, Object value) {
        int i = choices.indexOf(value);
        if (i < 0 && value instanceof Number num) {
            for (int j = 0; j < choices.size(); j++) {
                if (choices.get(j) instanceof Number c && c.doubleValue() == num.doubleValue()) {
                    return j;
                }
            }
        }
        if (i < 0) {
            throw new IllegalArgumentException(path + ": " + value + " is not among the space's choices " + choices);
        }
        return i;
    }

    /** Number of distinct candidates. */
    public BigInteger cardinality() {
        return space.cardinality();
    }

    @Override
    public String toString() {
        return "SpaceEncoding" + Arrays.toString(names);
    }
}
