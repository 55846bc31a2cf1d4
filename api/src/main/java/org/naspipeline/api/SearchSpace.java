package org.naspipeline.api;

import java.math.BigInteger;
import java.util.Collections;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Pattern;

/** The joint search space: architectures × compression configs × generic parameters. */
public record SearchSpace(ArchitectureSpace architecture, CompressionSpace compression, SortedMap<String, ParameterSpec> parameters) {
    /** Parameter names are identifiers, so they are safe in paths and metric tags. */
    private static final Pattern PARAMETER_NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_]{0,63}");

    /** An absent compression space means "search architectures only"; absent parameters mean none. */
    public SearchSpace {
        compression = compression == null ? CompressionSpace.NONE : compression;
        parameters = parameters == null ? Collections.emptySortedMap() : Collections.unmodifiableSortedMap(new TreeMap<>(parameters));
    }

    /** A space without generic parameters. */
    public SearchSpace(ArchitectureSpace architecture, CompressionSpace compression) {
        this(architecture, compression, null);
    }

    /** Validates under {@code path}. */
    public void validate(Errors errors, String path) {
        if (errors.required(path + ".architecture", architecture)) {
            architecture.validate(errors, path + ".architecture");
        }
        compression.validate(errors, path + ".compression");
        parameters.forEach((name, spec) -> {
            String at = path + ".parameters." + name;
            if (!PARAMETER_NAME.matcher(name).matches()) {
                errors.add(at, "parameter names must match " + PARAMETER_NAME.pattern());
            } else if (errors.required(at, spec)) {
                spec.validate(errors, at);
            }
        });
    }

    /** Number of distinct candidates (only meaningful once validated). */
    public BigInteger cardinality() {
        BigInteger total = architecture.cardinality().multiply(compression.cardinality());
        for (ParameterSpec p : parameters.values()) {
            total = total.multiply(BigInteger.valueOf(p.values().size()));
        }
        return total;
    }
}
