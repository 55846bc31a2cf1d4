package org.naspipeline.worker.model.attention;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The attention block's shapes, children, arithmetic (against a plain-Java reference), mask and training. */
class MultiHeadAttentionTest {
    final NDManager manager = NDManager.newBaseManager();

    @AfterEach
    void close() {
        manager.close();
    }

    NDList forward(Block block, NDArray... inputs) {
        return block.forward(new ParameterStore(manager, false), new NDList(inputs), false);
    }

    @Test
    void shapesAndStableChildNames() {
        MultiHeadAttention block = new MultiHeadAttention(8, 3, 4, true);
        block.initialize(manager, DataType.FLOAT32, new Shape(1, 5, 8));
        assertThat(block.getChildren().keys()).containsExactly("01query", "02key", "03value", "04output");
        assertThat(block.query().getParameters().get("weight").getArray().getShape()).isEqualTo(new Shape(12, 8));
        assertThat(block.output().getParameters().get("weight").getArray().getShape()).isEqualTo(new Shape(8, 12));
        assertThat(block.getOutputShapes(new Shape[] {new Shape(2, 5, 8)}))
                .containsExactly(new Shape(2, 5, 8), new Shape(2, 3, 5, 5));

        NDList out = forward(block, manager.randomNormal(new Shape(2, 5, 8)));
        assertThat(out.getShapes()).containsExactly(new Shape(2, 5, 8), new Shape(2, 3, 5, 5));
        for (float rowSum : out.get(1).sum(new int[] {-1}).toFloatArray()) {
            assertThat(rowSum).isCloseTo(1f, within(1e-5f));
        }
        MultiHeadAttention plain = new MultiHeadAttention(8, 3, 4);
        assertThat(plain.getOutputShapes(new Shape[] {new Shape(2, 5, 8)})).containsExactly(new Shape(2, 5, 8));
    }

    @Test
    void computesScaledDotProductAttentionPerHead() {
        // width 4, 2 heads of 3 (heads·headDim = 6 ≠ width), one sequence of 3 tokens
        int t = 3, dModel = 4, heads = 2, d = 3;
        MultiHeadAttention block = new MultiHeadAttention(dModel, heads, d);
        block.initialize(manager, DataType.FLOAT32, new Shape(1, t, dModel));
        NDArray x = manager.randomNormal(new Shape(1, t, dModel));
        float[] mask = {1f, 0.5f};
        float[] actual = forward(block, x, manager.create(mask)).singletonOrThrow().toFloatArray();

        AttentionWeights w = AttentionWeights.capture(block);
        float[] in = x.toFloatArray();
        double[][] q = dense(in, t, w.query()), k = dense(in, t, w.key()), v = dense(in, t, w.value());
        double[] context = new double[t * heads * d];
        for (int h = 0; h < heads; h++) {
            for (int i = 0; i < t; i++) {
                double[] p = new double[t];
                double sum = 0;
                for (int j = 0; j < t; j++) {
                    double s = 0;
                    for (int c = 0; c < d; c++) {
                        s += q[i][h * d + c] * k[j][h * d + c];
                    }
                    p[j] = Math.exp(s / Math.sqrt(d));
                    sum += p[j];
                }
                for (int j = 0; j < t; j++) {
                    for (int c = 0; c < d; c++) {
                        context[i * heads * d + h * d + c] += mask[h] * p[j] / sum * v[j][h * d + c];
                    }
                }
            }
        }
        float[] ctx = new float[context.length];
        for (int i = 0; i < ctx.length; i++) {
            ctx[i] = (float) context[i];
        }
        double[][] expected = dense(ctx, t, w.output());
        for (int i = 0; i < t; i++) {
            for (int o = 0; o < dModel; o++) {
                assertThat(actual[i * dModel + o]).isCloseTo((float) expected[i][o], within(1e-5f));
            }
        }
    }

    /** x (rows, in) · Wᵀ + b. */
    static double[][] dense(float[] x, int rows, AttentionWeights.Projection p) {
        int out = p.bias().length, in = p.weight().length / out;
        double[][] y = new double[rows][out];
        for (int r = 0; r < rows; r++) {
            for (int o = 0; o < out; o++) {
                double s = p.bias()[o];
                for (int c = 0; c < in; c++) {
                    s += (double) x[r * in + c] * p.weight()[o * in + c];
                }
                y[r][o] = s;
            }
        }
        return y;
    }

    @Test
    void maskOfOnesChangesNothingAndZerosRemoveEveryHead() {
        MultiHeadAttention block = new MultiHeadAttention(8, 2, 4);
        block.initialize(manager, DataType.FLOAT32, new Shape(1, 5, 8));
        NDArray x = manager.randomNormal(new Shape(2, 5, 8));
        NDArray plain = forward(block, x).singletonOrThrow();
        assertThat(forward(block, x, manager.ones(new Shape(2))).singletonOrThrow().toFloatArray()).isEqualTo(plain.toFloatArray());
        // with every head removed only the output bias is left
        NDArray none = forward(block, x, manager.zeros(new Shape(2))).singletonOrThrow();
        NDArray bias = block.output().getParameters().get("bias").getArray();
        assertThat(none.sub(bias).abs().max().getFloat()).isZero();
    }

    @Test
    void parametersCanBeReadAndSetThroughTheChildLinears() {
        MultiHeadAttention block = new MultiHeadAttention(8, 2, 4);
        block.initialize(manager, DataType.FLOAT32, new Shape(1, 5, 8));
        for (Block child : block.getChildren().values()) {
            for (String name : new String[] {"weight", "bias"}) {
                Parameter p = child.getParameters().get(name);
                float[] values = new float[(int) p.getArray().size()];
                values[values.length - 1] = 3f;
                p.getArray().set(values);
                assertThat(child.getParameters().get(name).getArray().toFloatArray()).isEqualTo(values);
            }
        }
        AttentionWeights w = AttentionWeights.capture(block);
        assertThat(w.query().weight()).hasSize(8 * 8);
        assertThat(w.output().bias()[7]).isEqualTo(3f);
    }

    @Test
    void trainsUnderAGradientCollector() {
        MultiHeadAttention block = new MultiHeadAttention(8, 2, 4);
        block.initialize(manager, DataType.FLOAT32, new Shape(1, 5, 8));
        NDArray x = manager.randomNormal(new Shape(3, 5, 8));
        NDArray target = manager.randomNormal(new Shape(3, 5, 8));
        ParameterStore store = new ParameterStore(manager, false);
        float first = 0, last = 0;
        for (int step = 0; step < 20; step++) {
            try (GradientCollector collector = manager.getEngine().newGradientCollector()) {
                NDArray loss = block.forward(store, new NDList(x), true).singletonOrThrow().sub(target).square().mean();
                collector.backward(loss);
                last = loss.getFloat();
                first = step == 0 ? last : first;
            }
            for (Parameter p : block.getParameters().values()) {
                NDArray grad = p.getArray().getGradient();
                assertThat(grad.abs().sum().getFloat()).as(p.getName()).isPositive();
                p.getArray().subi(grad.mul(0.05f));
                grad.subi(grad);
            }
        }
        assertThat(last).isLessThan(first);
    }
}
