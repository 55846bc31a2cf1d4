package org.naspipeline.worker.model;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.ParallelBlock;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.norm.Dropout;
import ai.djl.nn.pooling.Pool;
import java.util.List;
import org.naspipeline.api.ArchitectureSpec;
import org.naspipeline.api.ConvType;
import org.naspipeline.api.HeadSpec;
import org.naspipeline.api.ModelFamily;
import org.naspipeline.api.Pooling;
import org.naspipeline.api.StageSpec;

/**
 * Turns an {@link ArchitectureSpec} into a DJL block for NCHW images of a given size.
 *
 * <p>CNN: each stage is {@code blocks} conv units (k×k "same" conv, or depthwise k×k + pointwise 1×1, then
 * optional batch-norm, then ReLU), each wrapped in a residual sum when {@code skip} is set (with a 1×1
 * projection on the shortcut when the channel count changes), then the stage's 2×2 pooling. The head flattens,
 * applies the optional dense layer with ReLU, dropout, and the linear classifier. MLP: flatten, hidden
 * dense layers with ReLU, then the same head. Shapes are checked while building, so a spec that pools the
 * image away fails here with a message instead of deep inside the engine.
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
        if (spec.family() == null) {
            throw new UnbuildableArchitectureException("architecture.family is missing");
        }
        SequentialBlock net = new SequentialBlock();
        if (spec.family() == ModelFamily.CNN) {
            if (sampleShape.length != 3) {
                throw new UnbuildableArchitectureException("architecture.family: cnn needs image input (channels, height, "
                        + "width), but this dataset's examples have shape " + java.util.Arrays.toString(sampleShape)
                        + "; use the mlp family");
            }
            addStages(net, spec.stages());
        } else {
            addHidden(net, spec.hiddenUnits());
        }
        addHead(net, spec.head());
        return net;
    }

    private void addStages(SequentialBlock net, List<StageSpec> stages) {
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
                net.add(convUnit(stage, inChannels));
                inChannels = stage.filters();
            }
            if (stage.pooling() != Pooling.NONE && stage.pooling() != null) {
                h /= 2;
                w /= 2;
                if (h < 1 || w < 1) {
                    throw new UnbuildableArchitectureException(at + ".pooling: the feature map would shrink to "
                            + h + "×" + w + " (input " + height + "×" + width + ", pooled " + (s + 1) + " times)");
                }
                Shape window = new Shape(2, 2);
                net.add(stage.pooling() == Pooling.MAX ? Pool.maxPool2dBlock(window, window) : Pool.avgPool2dBlock(window, window));
            }
        }
    }

    private static Block convUnit(StageSpec stage, int inChannels) {
        int k = stage.kernelSize();
        Shape pad = new Shape(k / 2, k / 2);
        SequentialBlock unit = new SequentialBlock();
        if (stage.convType() == ConvType.DEPTHWISE_SEPARABLE) {
            unit.add(Conv2d.builder().setKernelShape(new Shape(k, k)).setFilters(inChannels).optGroups(inChannels)
                    .optPadding(pad).optBias(!stage.batchNorm()).build());
            unit.add(Conv2d.builder().setKernelShape(new Shape(1, 1)).setFilters(stage.filters())
                    .optBias(!stage.batchNorm()).build());
        } else {
            unit.add(Conv2d.builder().setKernelShape(new Shape(k, k)).setFilters(stage.filters())
                    .optPadding(pad).optBias(!stage.batchNorm()).build());
        }
        if (stage.batchNorm()) {
            unit.add(BatchNorm.builder().build());
        }
        unit.add(Activation.reluBlock());
        if (!stage.skip()) {
            return unit;
        }
        Block shortcut = inChannels == stage.filters()
                ? Blocks.identityBlock()
                : Conv2d.builder().setKernelShape(new Shape(1, 1)).setFilters(stage.filters()).optBias(false).build();
        return new ParallelBlock(
                branches -> new NDList(branches.get(0).singletonOrThrow().add(branches.get(1).singletonOrThrow())),
                List.of(unit, shortcut));
    }

    private static void addHidden(SequentialBlock net, List<Integer> hiddenUnits) {
        if (hiddenUnits.isEmpty()) {
            throw new UnbuildableArchitectureException("architecture.hiddenUnits: an MLP needs at least one hidden layer");
        }
        net.add(Blocks.batchFlattenBlock());
        for (int i = 0; i < hiddenUnits.size(); i++) {
            int units = hiddenUnits.get(i);
            if (units < 1) {
                throw new UnbuildableArchitectureException("architecture.hiddenUnits[" + i + "]: must be ≥ 1 (got " + units + ")");
            }
            net.add(Linear.builder().setUnits(units).build()).add(Activation.reluBlock());
        }
    }

    private void addHead(SequentialBlock net, HeadSpec head) {
        net.add(Blocks.batchFlattenBlock());
        if (head != null && head.denseUnits() > 0) {
            net.add(Linear.builder().setUnits(head.denseUnits()).build()).add(Activation.reluBlock());
        }
        if (head != null && head.dropout() > 0) {
            net.add(Dropout.builder().optRate((float) head.dropout()).build());
        }
        net.add(Linear.builder().setUnits(classes).build());
    }
}
