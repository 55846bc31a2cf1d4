package org.naspipeline.worker.model;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import java.util.ArrayList;
import java.util.List;
import org.naspipeline.api.ArchitectureSpec;
import org.naspipeline.api.ConvType;
import org.naspipeline.api.HeadSpec;
import org.naspipeline.api.ModelFamily;
import org.naspipeline.api.Pooling;
import org.naspipeline.api.StageSpec;
import org.naspipeline.worker.model.NetworkPlan.Conv;
import org.naspipeline.worker.model.NetworkPlan.Dense;
import org.naspipeline.worker.model.NetworkPlan.Layer;

/**
 * Turns an {@link ArchitectureSpec} into a DJL block for NCHW images of a given size.
 *
 * <p>CNN: each stage is {@code blocks} conv units (k×k "same" conv, or depthwise k×k + pointwise 1×1, then
 * optional batch-norm, then ReLU), each wrapped in a residual sum when {@code skip} is set (with a 1×1
 * projection on the shortcut when the channel count changes), then the stage's 2×2 pooling. The head flattens,
 * applies the optional dense layer with ReLU, dropout, and the linear classifier. MLP: flatten, hidden
 * dense layers with ReLU, then the same head. Shapes are checked while planning, so a spec that pools the
 * image away fails here with a message instead of deep inside the engine. The network is first a
 * {@link NetworkPlan}, which the compression stages rewrite, and is built into DJL blocks by {@link PlanBlocks}.
 */
public final class ModelBuilder {
    private final long[] sampleShape;
    private final int classes;

    /** A builder for examples of shape {@code sampleShape} ((C, H, W) images or (F) tables) and {@code classes} outputs. */
    public ModelBuilder(long[] sampleShape, int classes) {
        this.sampleShape = sampleShape.clone();
        this.classes = classes;
    }

    /** A builder for images of shape {@code (channels, height, width)}. */
    public ModelBuilder(int channels, int height, int width, int classes) {
        this(new long[] {channels, height, width}, classes);
    }

    /** The input shape for a batch of {@code batch} examples. */
    public Shape inputShape(int batch) {
        return batchShape(sampleShape, batch);
    }

    /** {@code (batch, sampleShape…)}. */
    public static Shape batchShape(long[] sampleShape, int batch) {
        long[] dims = new long[sampleShape.length + 1];
        dims[0] = batch;
        System.arraycopy(sampleShape, 0, dims, 1, sampleShape.length);
        return new Shape(dims);
    }

    /**
     * Builds the network.
     *
     * @throws UnbuildableArchitectureException when the spec cannot be realized for this input
     */
    public Block build(ArchitectureSpec spec) {
        return PlanBlocks.build(plan(spec)).block();
    }

    /**
     * The layer plan of the network, without weights.
     *
     * @throws UnbuildableArchitectureException when the spec cannot be realized for this input
     */
    public NetworkPlan plan(ArchitectureSpec spec) {
        if (spec.family() == null) {
            throw new UnbuildableArchitectureException("architecture.family is missing");
        }
        List<Layer> net = new ArrayList<>();
        int features;
        if (spec.family() == ModelFamily.CNN) {
            if (sampleShape.length != 3) {
                throw new UnbuildableArchitectureException("architecture.family: cnn needs image input (channels, height, "
                        + "width), but this dataset's examples have shape " + java.util.Arrays.toString(sampleShape)
                        + "; use the mlp family");
            }
            features = addStages(net, spec.stages());
        } else {
            features = addHidden(net, spec.hiddenUnits());
        }
        addHead(net, spec.head(), features);
        return new NetworkPlan(sampleShape, classes, net);
    }

    /** Adds the stages and returns the number of features they output (C·H·W). */
    private int addStages(List<Layer> net, List<StageSpec> stages) {
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

    private int addHidden(List<Layer> net, List<Integer> hiddenUnits) {
        if (hiddenUnits.isEmpty()) {
            throw new UnbuildableArchitectureException("architecture.hiddenUnits: an MLP needs at least one hidden layer");
        }
        net.add(new NetworkPlan.Flatten());
        int in = 1;
        for (long d : sampleShape) {
            in *= (int) d;
        }
        for (int i = 0; i < hiddenUnits.size(); i++) {
            int units = hiddenUnits.get(i);
            if (units < 1) {
                throw new UnbuildableArchitectureException("architecture.hiddenUnits[" + i + "]: must be ≥ 1 (got " + units + ")");
            }
            net.add(new Dense(in, units, true, null, null));
            net.add(new NetworkPlan.Relu());
            in = units;
        }
        return in;
    }

    private void addHead(List<Layer> net, HeadSpec head, int features) {
        net.add(new NetworkPlan.Flatten());
        int in = features;
        if (head != null && head.denseUnits() > 0) {
            net.add(new Dense(in, head.denseUnits(), true, null, null));
            net.add(new NetworkPlan.Relu());
            in = head.denseUnits();
        }
        if (head != null && head.dropout() > 0) {
            net.add(new NetworkPlan.Dropout(head.dropout()));
        }
        net.add(new Dense(in, classes, true, null, null));
    }
}
