package org.naspipeline.api;

import java.math.BigInteger;

/** The joint search space: architectures × compression configs. */
public record SearchSpace(ArchitectureSpace architecture, CompressionSpace compression) {

    /** An absent compression space means "search architectures only". */
    public SearchSpace {
        compression = compression == null ? CompressionSpace.NONE : compression;
    }

    /** Validates under {@code path}. */
    public void validate(Errors errors, String path) {
        if (errors.required(path + ".architecture", architecture)) {
            architecture.validate(errors, path + ".architecture");
        }
        compression.validate(errors, path + ".compression");
    }

    /** Number of distinct candidates (only meaningful once validated). */
    public BigInteger cardinality() {
        return architecture.cardinality().multiply(compression.cardinality());
    }
}
