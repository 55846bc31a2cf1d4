package org.naspipeline.api;

/** One convolutional stage: {@code blocks} identical conv blocks, then optional pooling. */
public record StageSpec(
        int blocks,
        int filters,
        int kernelSize,
        ConvType convType,
        boolean skip,
        boolean batchNorm,
        Pooling pooling) {

    /** Short human-readable form, e.g. {@code 2x16k3dsbn+skip/max}. */
    public String summary() {
        return blocks + "x" + filters + "k" + kernelSize
                + (convType == ConvType.DEPTHWISE_SEPARABLE ? "ds" : "")
                + (batchNorm ? "bn" : "")
                + (skip ? "+skip" : "")
                + (pooling == Pooling.NONE ? "" : "/" + pooling.name().toLowerCase(java.util.Locale.ROOT));
    }
}
