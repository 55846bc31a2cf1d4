package org.naspipeline.api;

import com.fasterxml.jackson.annotation.JsonProperty;

/** How a convolution block is computed. */
public enum ConvType {
    /** A plain k×k convolution. */
    @JsonProperty("plain") PLAIN,
    /** A depthwise k×k convolution followed by a pointwise 1×1 convolution. */
    @JsonProperty("depthwise-separable") DEPTHWISE_SEPARABLE
}
