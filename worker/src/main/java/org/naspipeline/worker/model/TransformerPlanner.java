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
 * then the class token or the mean over tokens. Outputs width features.
 */
final class TransformerPlanner implements FamilyPlanner<TransformerArchitecture> {
    @Override
    public int body(TransformerArchitecture spec, long[] sampleShape, List<Layer> net) {
        if (sampleShape.length != 3) {
            throw new UnbuildableArchitectureException("architecture.family: transformer needs image input (channels, height, "
                    + "width) to cut into patches, but this dataset's examples have shape " + java.util.Arrays.toString(sampleShape));
        }
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
        int channels = (int) sampleShape[0];
        Integer patch = spec.patchSize();
        if (patch == null || patch < 1 || sampleShape[1] % patch != 0 || sampleShape[2] % patch != 0) {
            throw new UnbuildableArchitectureException("architecture.patchSize: " + patch + " must divide the images' height "
                    + sampleShape[1] + " and width " + sampleShape[2]);
        }
        int tokens = (int) (sampleShape[1] / patch * (sampleShape[2] / patch));
        int width = spec.width();
        int inner = spec.heads() * spec.headDim();
        boolean pre = spec.norm() == NormPlacement.PRE;
        NetworkPlan.Patches patches = new NetworkPlan.Patches(channels, patch);
        net.add(patches);
        net.add(dense(patches.features(), width));
        boolean cls = spec.pooling() == TokenPooling.CLS;
        net.add(new NetworkPlan.Embed(tokens, width, cls, null, null));
        for (int l = 0; l < spec.layers(); l++) {
            net.add(new NetworkPlan.Encoder(spec.heads(), spec.headDim(), pre, spec.dropout(), norm(width),
                    dense(width, inner), dense(width, inner), dense(width, inner), dense(inner, width), norm(width),
                    dense(width, spec.mlpWidth()), dense(spec.mlpWidth(), width)));
        }
        if (pre) {
            net.add(norm(width));
        }
        net.add(new NetworkPlan.TokenPool(cls));
        return width;
    }

    private static Dense dense(int in, int out) {
        return new Dense(in, out, true, null, null);
    }

    private static NetworkPlan.LayerNorm norm(int width) {
        return new NetworkPlan.LayerNorm(width, null, null);
    }
}
