package org.naspipeline.worker.model;

import java.util.List;
import org.naspipeline.api.TransformerArchitecture;
import org.naspipeline.api.TransformerArchitecture.NormPlacement;
import org.naspipeline.api.TransformerArchitecture.TokenPooling;
import org.naspipeline.worker.model.NetworkPlan.Dense;
import org.naspipeline.worker.model.NetworkPlan.Layer;

/**
 * The transformer family on (channels, height, width) images, ViT-style: patches, a dense patch embedding to the
 * model width, the position embedding (and class token), the encoder layers, under pre-norm a final layer norm,
 * then the class token or the mean over tokens. On token ids ({@link #tokenBody}) a table lookup replaces the
 * patches and their dense layer. Outputs width features.
 */
final class TransformerPlanner implements FamilyPlanner<TransformerArchitecture> {
    /**
     * The largest token table, in values: 2^26 (256 MiB of floats, copied to the host when weights are captured).
     * BERT-base's 30,522 × 768 is 23 M; ids up to 1,048,575 at width 1,024 would be 1 G values, more than a worker holds.
     */
    static final long MAX_TABLE_VALUES = 1L << 26;

    @Override
    public int body(TransformerArchitecture spec, long[] sampleShape, List<Layer> net) {
        if (sampleShape.length != 3) {
            throw new UnbuildableArchitectureException("architecture.family: transformer needs image input (channels, height, "
                    + "width) to cut into patches, or token ids (dataset 'tokens'), but this dataset's examples have shape "
                    + java.util.Arrays.toString(sampleShape));
        }
        checkShared(spec);
        int channels = (int) sampleShape[0];
        Integer patch = spec.patchSize();
        if (patch == null || patch < 1 || sampleShape[1] % patch != 0 || sampleShape[2] % patch != 0) {
            throw new UnbuildableArchitectureException("architecture.patchSize: " + patch + " must divide the images' height "
                    + sampleShape[1] + " and width " + sampleShape[2]);
        }
        int tokens = (int) (sampleShape[1] / patch * (sampleShape[2] / patch));
        NetworkPlan.Patches patches = new NetworkPlan.Patches(channels, patch);
        net.add(patches);
        net.add(dense(patches.features(), spec.width()));
        net.add(new NetworkPlan.Embed(tokens, spec.width(), spec.pooling() == TokenPooling.CLS, null, null));
        return encoders(spec, net);
    }

    /**
     * The family on (T) token ids below {@code vocabulary}, BERT-style: each id looked up in a learned table of the model
     * width (id 0 pads and is masked out), then as on patches from the position embedding on. The patch size is not used.
     */
    int tokenBody(TransformerArchitecture spec, long[] sampleShape, int vocabulary, List<Layer> net) {
        if (sampleShape.length != 1 || sampleShape[0] < 1 || vocabulary < 2) {
            throw new UnbuildableArchitectureException("architecture.family: token ids need examples of shape (length) and a "
                    + "vocabulary of at least 2 ids, not " + java.util.Arrays.toString(sampleShape) + " and " + vocabulary);
        }
        checkShared(spec);
        if ((long) vocabulary * spec.width() > MAX_TABLE_VALUES) {
            throw new UnbuildableArchitectureException("architecture.width: a token table of " + vocabulary + " ids × " + spec.width()
                    + " is " + (long) vocabulary * spec.width() + " values, more than " + MAX_TABLE_VALUES + " (256 MiB of floats); "
                    + "use a smaller width, or renumber the ids so that fewer distinct ones are used");
        }
        net.add(NetworkPlan.Embed.ofIds((int) sampleShape[0], spec.width(), spec.pooling() == TokenPooling.CLS, vocabulary));
        return encoders(spec, net);
    }

    private static void checkShared(TransformerArchitecture spec) {
        if (spec.layers() < 1 || spec.width() < 1 || spec.heads() < 1) {
            throw new UnbuildableArchitectureException("architecture: layers, width and heads must be ≥ 1 (got " + spec.layers()
                    + ", " + spec.width() + ", " + spec.heads() + ")");
        }
        if (spec.width() % spec.heads() != 0) {
            throw new UnbuildableArchitectureException("architecture.width: " + spec.width() + " does not divide by heads "
                    + spec.heads() + " (each head gets width/heads features)");
        }
        if (spec.norm() == null || spec.pooling() == null) {
            throw new UnbuildableArchitectureException("architecture." + (spec.norm() == null ? "norm" : "pooling") + ": is required");
        }
    }

    /** The encoder layers, under pre-norm a final layer norm, then the pooling; returns the width. */
    private static int encoders(TransformerArchitecture spec, List<Layer> net) {
        int width = spec.width();
        int inner = spec.heads() * spec.headDim();
        boolean pre = spec.norm() == NormPlacement.PRE;
        for (int l = 0; l < spec.layers(); l++) {
            net.add(new NetworkPlan.Encoder(spec.heads(), spec.headDim(), pre, spec.dropout(), norm(width),
                    dense(width, inner), dense(width, inner), dense(width, inner), dense(inner, width), norm(width),
                    dense(width, spec.mlpWidth()), dense(spec.mlpWidth(), width)));
        }
        if (pre) {
            net.add(norm(width));
        }
        net.add(new NetworkPlan.TokenPool(spec.pooling() == TokenPooling.CLS));
        return width;
    }

    private static Dense dense(int in, int out) {
        return new Dense(in, out, true, null, null);
    }

    private static NetworkPlan.LayerNorm norm(int width) {
        return new NetworkPlan.LayerNorm(width, null, null);
    }
}
