package org.naspipeline.api;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Down-sampling applied at the end of a stage. */
public enum Pooling {
    /** No down-sampling. */
    @JsonProperty("none") NONE,
    /** 2×2 max pooling, stride 2. */
    @JsonProperty("max") MAX,
    /** 2×2 average pooling, stride 2. */
    @JsonProperty("avg") AVG
}
