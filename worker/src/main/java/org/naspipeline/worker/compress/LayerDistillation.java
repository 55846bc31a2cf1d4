package org.naspipeline.worker.compress;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.List;
import org.naspipeline.api.IntermediateDistillation;
import org.naspipeline.worker.model.EncoderTrace;
import org.naspipeline.worker.model.PlanBlocks;
import org.naspipeline.worker.model.Scalars;

/**
 * The intermediate-layer terms of TinyBERT-style distillation ({@link IntermediateDistillation} states the loss) for one
 * student and one teacher network. {@link #trainingBlock()} wraps the student with the learned projections from its
 * width to the teacher's (one per distilled hidden state, no bias; none when the widths are equal), so the trainer's
 * optimizer updates them with the student; the wrapper's output is the student's, and only the student is saved.
 *
 * <p>Per batch: {@link #studentTrace()} and {@link #teacherTrace()} are set on the two networks
 * ({@link PlanBlocks#trace}) for the forward passes, then {@link #loss()} reads them.
 */
public final class LayerDistillation {
    /** The settings' path in a candidate, for the messages. */
    static final String PATH = "compression.distillation.intermediate";

    private final IntermediateDistillation settings;
    private final int[] teacherLayer;
    private final int[] studentHeads;
    private final int[] teacherHeads;
    private final Wrapper wrapper;
    private final EncoderTrace student = new EncoderTrace();
    private final EncoderTrace teacher = new EncoderTrace();

    private LayerDistillation(IntermediateDistillation settings, Block studentNetwork, Block teacherNetwork) {
        this.settings = settings;
        int[] studentWidths = PlanBlocks.encoderWidths(studentNetwork);
        int[] teacherWidths = PlanBlocks.encoderWidths(teacherNetwork);
        if (studentWidths.length == 0 || teacherWidths.length == 0) {
            throw new IllegalArgumentException(PATH + ": the " + (studentWidths.length == 0 ? "student" : "teacher")
                    + " has no encoder layer (intermediate-layer distillation is for the transformer family)");
        }
        this.teacherLayer = settings.teacherLayers(studentWidths.length, teacherWidths.length, PATH);
        this.studentHeads = PlanBlocks.heads(studentNetwork);
        this.teacherHeads = PlanBlocks.heads(teacherNetwork);
        int from = studentWidths[0];
        int to = teacherWidths[0];
        this.wrapper = new Wrapper(studentNetwork, from == to ? 0 : studentWidths.length + 1, from, to);
    }

    /**
     * The terms for a student and a teacher network (built by {@link PlanBlocks}).
     *
     * @throws IllegalArgumentException naming the setting when either has no encoder layer or the layer map does not fit
     */
    public static LayerDistillation of(IntermediateDistillation settings, Block studentNetwork, Block teacherNetwork) {
        return new LayerDistillation(settings, studentNetwork, teacherNetwork);
    }

    /** The block to train: the student, plus the projections when the widths differ. */
    public Block trainingBlock() {
        return wrapper;
    }

    /** Set on the student network for its forward pass. */
    public EncoderTrace studentTrace() {
        return student;
    }

    /** Set on the teacher network for its forward pass. */
    public EncoderTrace teacherTrace() {
        return teacher;
    }

    /**
     * {@code hiddenWeight · Σ MSE(hidden) + attentionWeight · Σ MSE(attention)} from the two traces, which it then clears.
     *
     * @throws IllegalArgumentException naming the setting when the two networks saw different token counts
     */
    public NDArray loss() {
        try {
            List<NDArray> hs = student.hidden();
            List<NDArray> ht = teacher.hidden();
            long ts = hs.get(0).getShape().get(1);
            long tt = ht.get(0).getShape().get(1);
            if (ts != tt) {
                throw new IllegalArgumentException(PATH + ": the student sees " + ts + " tokens and the teacher " + tt
                        + "; hidden states and attention maps are compared token by token (use the same patch size and pooling)");
            }
            NDArray hidden = null;
            NDArray attention = null;
            for (int m = 0; m < hs.size(); m++) {
                NDArray target = ht.get(m == 0 ? 0 : teacherLayer[m - 1] + 1).stopGradient();
                NDArray error = wrapper.project(m, hs.get(m)).sub(target).square().mean();
                hidden = hidden == null ? error : hidden.add(error);
            }
            for (int m = 0; m < teacherLayer.length; m++) {
                NDArray as = student.attention().get(m);
                NDArray at = teacher.attention().get(teacherLayer[m]).stopGradient();
                if (studentHeads[m] != teacherHeads[teacherLayer[m]]) {
                    as = as.mean(new int[] {1});
                    at = at.mean(new int[] {1});
                }
                NDArray error = as.sub(at).square().sum(new int[] {-1}).mean();
                attention = attention == null ? error : attention.add(error);
            }
            return Scalars.times(hidden, settings.hiddenWeight()).add(Scalars.times(attention, settings.attentionWeight()));
        } finally {
            student.clear();
            teacher.clear();
        }
    }

    /** The student with the projections as children; forward is the student's. */
    private static final class Wrapper extends AbstractBlock {
        private final Block network;
        private final List<Linear> projections = new ArrayList<>();
        private final int from;

        Wrapper(Block network, int count, int from, int to) {
            this.network = addChildBlock("student", network);
            this.from = from;
            for (int i = 0; i < count; i++) {
                projections.add(addChildBlock("projection" + i, Linear.builder().setUnits(to).optBias(false).build()));
            }
        }

        NDArray project(int m, NDArray hidden) {
            if (projections.isEmpty()) {
                return hidden;
            }
            ParameterStore store = new ParameterStore(hidden.getManager(), false);
            return projections.get(m).forward(store, new NDList(hidden), true).singletonOrThrow();
        }

        @Override
        protected NDList forwardInternal(ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
            return network.forward(store, inputs, training, params);
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputShapes) {
            return network.getOutputShapes(inputShapes);
        }

        @Override
        protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
            network.initialize(manager, dataType, inputShapes);
            for (Linear p : projections) {
                p.initialize(manager, dataType, new Shape(1, from));
            }
        }
    }
}
