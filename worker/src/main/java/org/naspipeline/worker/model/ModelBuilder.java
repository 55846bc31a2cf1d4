package org.naspipeline.worker.model;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import java.util.ArrayList;
import java.util.List;
import org.naspipeline.api.ArchitectureSpec;
import org.naspipeline.api.HeadSpec;
import org.naspipeline.worker.model.NetworkPlan.Dense;
import org.naspipeline.worker.model.NetworkPlan.Layer;

/**
 * Turns an {@link ArchitectureSpec} into a DJL block for NCHW images of a given size.
 *
 * <p>Each family plans its body ({@link FamilyPlanner}: {@link CnnPlanner}, {@link MlpPlanner}); the head, the
 * same for every family, flattens, applies the optional dense layer with ReLU, dropout, and the linear classifier. Shapes are checked while planning, so a spec that pools the
 * image away fails here with a message instead of deep inside the engine. The network is first a
 * {@link NetworkPlan}, which the compression stages rewrite, and is built into DJL blocks by {@link PlanBlocks}.
 */
public final class ModelBuilder {
    private final long[] sampleShape;
    private final int classes;
    private final int vocabulary;

    /** A builder for examples of shape {@code sampleShape} ((C, H, W) images or (F) tables) and {@code classes} outputs. */
    public ModelBuilder(long[] sampleShape, int classes) {
        this(sampleShape, classes, 0);
    }

    /**
     * A builder for examples of shape {@code sampleShape} and {@code classes} outputs; {@code vocabulary} > 0 when the
     * examples are (T) token ids below it (see {@code TensorData#vocabulary}), 0 otherwise.
     */
    public ModelBuilder(long[] sampleShape, int classes, int vocabulary) {
        this.sampleShape = sampleShape.clone();
        this.classes = classes;
        this.vocabulary = vocabulary;
    }

    /** A builder for the examples of {@code data}: their shape, classes and vocabulary. */
    public static ModelBuilder of(org.naspipeline.worker.data.TensorData data) {
        return new ModelBuilder(data.sampleShape(), data.classes(), data.vocabulary());
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
        List<Layer> net = new ArrayList<>();
        int features = FamilyPlanner.addBody(spec, sampleShape, vocabulary, net);
        addHead(net, spec.head(), features);
        return new NetworkPlan(sampleShape, classes, net);
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
