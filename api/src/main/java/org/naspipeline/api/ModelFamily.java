package org.naspipeline.api;

import com.fasterxml.jackson.annotation.JsonProperty;

/** The kind of network an architecture describes. */
public enum ModelFamily {
    /** Convolutional stages followed by a dense head. */
    @JsonProperty("cnn") CNN,
    /** Fully connected hidden layers followed by the classifier. */
    @JsonProperty("mlp") MLP,
    /** A transformer encoder (ViT-style on image patches) followed by the classifier. */
    @JsonProperty("transformer") TRANSFORMER
}
