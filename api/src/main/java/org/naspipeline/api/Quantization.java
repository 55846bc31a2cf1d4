package org.naspipeline.api;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Numeric format of the saved weights. */
public enum Quantization {
    /** 32-bit floats, no quantization. */
    @JsonProperty("fp32") FP32,
    /** Asymmetric min/max int8, one scale per tensor. */
    @JsonProperty("int8-per-tensor") INT8_PER_TENSOR,
    /** Symmetric int8, one scale per output channel. */
    @JsonProperty("int8-per-channel") INT8_PER_CHANNEL
}
