package org.naspipeline.api;

import java.math.BigInteger;
import java.util.Collections;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The joint search space: architectures × compression configs × generic parameters. A compression-only space
 * names a trained {@code baseModel} instead of an architecture space: its architecture is fixed and only the
 * compression configs and parameters are searched.
 */
public record SearchSpace(ArchitectureSpace architecture, CompressionSpace compression,
                          SortedMap<String, ParameterSpec> parameters, BaseModelSpec baseModel) {
    /** Parameter names are identifiers, so they are safe in paths and metric tags. */
    private static final Pattern PARAMETER_NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_]{0,63}");

    /** An absent compression space means "search architectures only"; absent parameters mean none. */
    public SearchSpace {
        compression = compression == null ? CompressionSpace.NONE : compression;
        parameters = parameters == null ? Collections.emptySortedMap() : Collections.unmodifiableSortedMap(new TreeMap<>(parameters));
    }

    /** A space without generic parameters. */
    public SearchSpace(ArchitectureSpace architecture, CompressionSpace compression) {
        this(architecture, compression, null, null);
    }

    /** An architecture × compression space with generic parameters. */
    public SearchSpace(ArchitectureSpace architecture, CompressionSpace compression, SortedMap<String, ParameterSpec> parameters) {
        this(architecture, compression, parameters, null);
    }

    /** The family of the candidates: the architecture space's, or the base model's; null when neither says. */
    public ModelFamily family() {
        return architecture != null ? architecture.family()
                : baseModel != null && baseModel.architecture() != null ? baseModel.architecture().family() : null;
    }

    /** Validates under {@code path}. */
    public void validate(Errors errors, String path) {
        if (baseModel != null) {
            baseModel.validate(errors, path + ".baseModel");
            if (architecture != null) {
                errors.add(path + ".architecture", "must be absent when baseModel is set (a compression-only experiment "
                        + "fixes the architecture to the base model's)");
            }
        } else if (errors.required(path + ".architecture", architecture)) {
            architecture.validate(errors, path + ".architecture");
        }
        compression.validate(errors, path + ".compression");
        ModelFamily family = family();
        if (family == ModelFamily.TRANSFORMER) {
            tokenCompression(errors, path + ".compression");
        } else if (family != null && compression.pruningMethods() != null
                && compression.pruningMethods().contains(PruningMethod.HEADS)) {
            errors.add(path + ".compression.pruningMethods", "heads prunes attention heads: it applies to the transformer "
                    + "family only");
        }
        if (family != null && family != ModelFamily.TRANSFORMER) {
            if (compression.layerDropping() != null) {
                errors.add(path + ".compression.layerDropping", "drops encoder layers: it applies to the transformer family only");
            }
            if (compression.intermediateDistillation() != null) {
                errors.add(path + ".compression.intermediateDistillation", "distils encoder layers' hidden states and "
                        + "attention: it applies to the transformer family only");
            }
        }
        parameters.forEach((name, spec) -> {
            String at = path + ".parameters." + name;
            if (!PARAMETER_NAME.matcher(name).matches()) {
                errors.add(at, "parameter names must match " + PARAMETER_NAME.pattern());
            } else if (errors.required(at, spec)) {
                spec.validate(errors, at);
            }
        });
    }

    /**
     * What compression does not apply to a transformer's token layers: L1 filter pruning (it removes conv filters and
     * dense units, which an encoder's fixed widths do not allow).
     */
    private void tokenCompression(Errors errors, String path) {
        if (compression.pruningMethods() != null && compression.pruningMethods().contains(PruningMethod.L1_FILTER)) {
            errors.add(path + ".pruningMethods", "l1-filter does not apply to the transformer family (an encoder's "
                    + "widths are fixed); use magnitude");
        }
        layerMapFits(errors, path + ".intermediateDistillation.layerMap");
    }

    /**
     * An explicit intermediate-distillation layer map names one teacher layer per student layer, so it must fit every
     * student depth of the space (its encoder layers, halved when layers are dropped): a map that fits only some would
     * fail the others' trials.
     */
    private void layerMapFits(Errors errors, String path) {
        IntermediateDistillation d = compression.intermediateDistillation();
        if (d == null || d.layerMap() == null) {
            return;
        }
        int lo;
        int hi;
        if (architecture instanceof TransformerSpace t && t.layers() != null && t.layers().min() != null && t.layers().max() != null) {
            lo = t.layers().min();
            hi = t.layers().max();
        } else if (architecture == null && baseModel != null && baseModel.architecture() instanceof TransformerArchitecture a) {
            lo = a.layers();
            hi = a.layers();
        } else {
            return;
        }
        java.util.SortedSet<Integer> depths = new java.util.TreeSet<>();
        for (int layers = lo; layers <= hi && layers <= lo + IntermediateDistillation.MAX_LAYERS; layers++) {
            depths.add(compression.layerDropping() != null ? (layers + 1) / 2 : layers);
        }
        if (!depths.isEmpty() && !depths.equals(new java.util.TreeSet<>(List.of(d.layerMap().size())))) {
            errors.add(path, "names " + d.layerMap().size() + " teacher layers, one per student layer, but the students of "
                    + "this space have " + depths + " encoder layers" + (compression.layerDropping() != null
                    ? " (layers " + lo + "–" + hi + ", every other one kept)" : "")
                    + "; leave layerMap out for the uniform map, which fits every depth");
        }
    }

    /** Number of distinct candidates (only meaningful once validated). */
    public BigInteger cardinality() {
        BigInteger total = (architecture == null ? BigInteger.ONE : architecture.cardinality()).multiply(compression.cardinality());
        for (ParameterSpec p : parameters.values()) {
            total = total.multiply(BigInteger.valueOf(p.values().size()));
        }
        return total;
    }
}
