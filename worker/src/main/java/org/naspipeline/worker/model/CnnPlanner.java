package org.naspipeline.worker.model;

import java.util.ArrayList;
import java.util.List;
import org.naspipeline.api.CnnArchitecture;
import org.naspipeline.api.ConvType;
import org.naspipeline.api.Pooling;
import org.naspipeline.api.StageSpec;
import org.naspipeline.worker.model.NetworkPlan.Conv;
import org.naspipeline.worker.model.NetworkPlan.Layer;

/**
 * The CNN family on (C, H, W) images: each stage is {@code blocks} conv units (k×k "same" conv, or depthwise k×k +
 * pointwise 1×1, then optional batch-norm, then ReLU), each wrapped in a residual sum when {@code skip} is set (with
 * a 1×1 projection on the shortcut when the channel count changes), then the stage's 2×2 pooling. Outputs C·H·W
 * features.
 */
final class CnnPlanner implements FamilyPlanner<CnnArchitecture> {
    @Override
    public int body(CnnArchitecture spec, long[] sampleShape, List<Layer> net) {
        if (sampleShape.length != 3) {
            throw new UnbuildableArchitectureException("architecture.family: cnn needs image input (channels, height, "
                    + "width), but this dataset's examples have shape " + java.util.Arrays.toString(sampleShape)
                    + "; use the mlp family");
        }
        List<StageSpec> stages = spec.stages();
        if (stages.isEmpty()) {
            throw new UnbuildableArchitectureException("architecture.stages: a CNN needs at least one stage");
        }
        int inChannels = (int) sampleShape[0];
        int height = (int) sampleShape[1];
        int width = (int) sampleShape[2];
        int h = height;
        int w = width;
        for (int s = 0; s < stages.size(); s++) {
            StageSpec stage = stages.get(s);
            String at = "architecture.stages[" + s + "]";
            if (stage.blocks() < 1 || stage.filters() < 1) {
                throw new UnbuildableArchitectureException(at + ": blocks and filters must be ≥ 1");
            }
            if (stage.kernelSize() < 1 || stage.kernelSize() % 2 == 0) {
                throw new UnbuildableArchitectureException(at + ".kernelSize: must be odd and ≥ 1 (got " + stage.kernelSize() + ")");
            }
            if (stage.kernelSize() > Math.min(h, w)) {
                throw new UnbuildableArchitectureException(at + ".kernelSize: " + stage.kernelSize()
                        + " exceeds the " + h + "×" + w + " feature map reaching this stage");
            }
            for (int b = 0; b < stage.blocks(); b++) {
                convUnit(net, stage, inChannels);
                inChannels = stage.filters();
            }
            if (stage.pooling() != Pooling.NONE && stage.pooling() != null) {
                h /= 2;
                w /= 2;
                if (h < 1 || w < 1) {
                    throw new UnbuildableArchitectureException(at + ".pooling: the feature map would shrink to "
                            + h + "×" + w + " (input " + height + "×" + width + ", pooled " + (s + 1) + " times)");
                }
                net.add(new NetworkPlan.Pool(stage.pooling() == Pooling.MAX));
            }
        }
        return inChannels * h * w;
    }

    private static void convUnit(List<Layer> net, StageSpec stage, int inChannels) {
        int k = stage.kernelSize();
        boolean bias = !stage.batchNorm();
        List<Layer> unit = new ArrayList<>();
        if (stage.convType() == ConvType.DEPTHWISE_SEPARABLE) {
            unit.add(new Conv(inChannels, inChannels, k, inChannels, bias, null, null));
            unit.add(new Conv(inChannels, stage.filters(), 1, 1, bias, null, null));
        } else {
            unit.add(new Conv(inChannels, stage.filters(), k, 1, bias, null, null));
        }
        if (stage.batchNorm()) {
            unit.add(new NetworkPlan.Norm(stage.filters(), null, null, null, null));
        }
        unit.add(new NetworkPlan.Relu());
        if (!stage.skip()) {
            net.addAll(unit);
            return;
        }
        List<Layer> shortcut = inChannels == stage.filters()
                ? List.of()
                : List.of(new Conv(inChannels, stage.filters(), 1, 1, false, null, null));
        net.add(new NetworkPlan.Residual(unit, shortcut));
    }
}
