package org.naspipeline.api;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Pruning technique of a compression config. */
public enum PruningMethod {
    /** No pruning. */
    @JsonProperty("none") NONE,
    /** Structured pruning of the filters with the smallest L1 norm (Li et al. 2017). */
    @JsonProperty("l1-filter") L1_FILTER,
    /** Unstructured pruning of the smallest-magnitude weights. */
    @JsonProperty("magnitude") MAGNITUDE,
    /**
     * Removal of the least important attention heads of a transformer's encoder layers (Michel et al. 2019:
     * importance = Σ_x |∂L(x)/∂m_h| of a head mask over the validation examples, normalized per layer).
     */
    @JsonProperty("heads") HEADS;

    /** The name in JSON: {@code l1-filter}, {@code magnitude}, ... */
    public String wireName() {
        return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }
}
