package org.naspipeline.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonCreator;

/**
 * A transformer encoder, BERT/ViT-style: the image cut into {@code patchSize}×{@code patchSize} patches, each
 * embedded to {@code width} features, a learned position embedding (and a class token under {@code pooling: cls}),
 * then {@code layers} encoder layers of multi-head self-attention ({@code heads} heads of width/heads) and a GELU MLP
 * {@code mlpRatio}×width wide, each with its residual, normalized before ({@code norm: pre}) or after ({@code post});
 * the class token's features or the mean over tokens go to the head.
 *
 * @param dropout the encoder layers' dropout (after the attention's output and after the MLP; training only)
 */
public record TransformerArchitecture(int layers, int width, int heads, double mlpRatio, Integer patchSize,
                                      NormPlacement norm, TokenPooling pooling, double dropout, HeadSpec head)
        implements ArchitectureSpec {

    /** Where each encoder layer's layer norms sit. */
    public enum NormPlacement {
        /** Before the attention and the MLP, inside the residuals (ViT, GPT-2); a final layer norm follows the stack. */
        @JsonProperty("pre") PRE,
        /** After each residual sum (the original Transformer, BERT). */
        @JsonProperty("post") POST
    }

    /** What the head reads from the tokens. */
    public enum TokenPooling {
        /** A learned class token put first; its features at the end (ViT, BERT's [CLS]). */
        @JsonProperty("cls") CLS,
        /** The mean over all tokens. */
        @JsonProperty("mean") MEAN
    }

    /**
     * Reads the JSON shape: {@code family} is the type id (always transformer here). Its parameters are in the
     * order the fields are written (family first); the canonical JSON sorts them, as every family's.
     */
    @JsonCreator
    static TransformerArchitecture read(@JsonProperty("family") ModelFamily family, @JsonProperty("layers") int layers,
                                        @JsonProperty("width") int width, @JsonProperty("heads") int heads,
                                        @JsonProperty("mlpRatio") double mlpRatio, @JsonProperty("patchSize") Integer patchSize,
                                        @JsonProperty("norm") NormPlacement norm, @JsonProperty("pooling") TokenPooling pooling,
                                        @JsonProperty("dropout") double dropout, @JsonProperty("head") HeadSpec head) {
        return new TransformerArchitecture(layers, width, heads, mlpRatio, patchSize, norm, pooling, dropout, head);
    }

    @Override
    public ModelFamily family() {
        return ModelFamily.TRANSFORMER;
    }

    /** Features per head: width / heads. */
    public int headDim() {
        return width / heads;
    }

    /** The MLP's hidden width: mlpRatio × width, rounded, at least 1. */
    public int mlpWidth() {
        return Math.max(1, (int) Math.round(mlpRatio * width));
    }

    @Override
    public <R> R accept(Cases<R> cases) {
        return cases.transformer(this);
    }

    @Override
    public String bodySummary() {
        return (patchSize == null ? "" : "p" + patchSize + " ") + layers + "x" + width + " h" + heads + " mlp" + mlpRatio
                + " " + (norm == null ? "?" : norm.name().toLowerCase(java.util.Locale.ROOT)) + "-norm "
                + (pooling == null ? "?" : pooling.name().toLowerCase(java.util.Locale.ROOT))
                + (dropout > 0 ? " do" + dropout : "");
    }
}
