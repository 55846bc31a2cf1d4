package org.naspipeline.worker.model.attention;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.naspipeline.worker.model.Scalars;

/**
 * Head-mask gradients against central finite differences, and the importance sums and norms. Two attention layers
 * (2 and 3 heads) feed a mean over tokens and a 3-class dense layer with a cross-entropy loss, all in float64 (the
 * PyTorch engine computes in it), so the difference quotient is exact to about 1e-9 and the tolerance can be tight.
 */
class HeadImportanceTest {
    static final DataType F64 = DataType.FLOAT64;
    static final int[] HEADS = {2, 3};

    final NDManager manager = NDManager.newBaseManager();
    final MultiHeadAttention first = new MultiHeadAttention(8, 2, 4);
    final MultiHeadAttention second = new MultiHeadAttention(8, 3, 4);
    final Linear classifier = Linear.builder().setUnits(3).build();
    final ParameterStore store = new ParameterStore(manager, false);

    HeadImportanceTest() {
        first.initialize(manager, F64, new Shape(1, 5, 8));
        second.initialize(manager, F64, new Shape(1, 5, 8));
        classifier.initialize(manager, F64, new Shape(1, 8));
    }

    @AfterEach
    void close() {
        manager.close();
    }

    /** One batch: 4 sequences of 5 tokens, labels 0..2; mean cross-entropy. */
    HeadImportance.MaskedLoss batch(long seed) {
        manager.getEngine().setRandomSeed((int) seed);
        NDArray x = manager.randomNormal(0, 1, new Shape(4, 5, 8), F64);
        double[][] oneHot = new double[4][3];
        for (int i = 0; i < 4; i++) {
            oneHot[i][(int) ((i + seed) % 3)] = 1;
        }
        NDArray labels = manager.create(oneHot);
        return masks -> {
            NDArray h = first.forward(store, new NDList(x, masks.get(0)), true).singletonOrThrow();
            h = second.forward(store, new NDList(h, masks.get(1)), true).singletonOrThrow();
            NDArray logits = classifier.forward(store, new NDList(h.mean(new int[] {1})), true).singletonOrThrow();
            return Scalars.divide(logits.logSoftmax(-1).mul(labels).sum().neg(), 4);
        };
    }

    /** The loss with every mask entry 1 but layer {@code layer}'s row {@code row}, head {@code head}: 1 + delta. */
    double lossAt(HeadImportance.MaskedLoss loss, int rows, int layer, int row, int head, double delta) {
        NDList masks = new NDList();
        for (int l = 0; l < HEADS.length; l++) {
            double[][] m = new double[rows][HEADS[l]];
            for (double[] r : m) {
                Arrays.fill(r, 1);
            }
            if (l == layer) {
                m[row][head] += delta;
            }
            masks.add(manager.create(m));
        }
        return loss.loss(masks).getDouble();
    }

    @Test
    void perExampleMaskGradientsMatchCentralFiniteDifferences() {
        HeadImportance.MaskedLoss loss = batch(7);
        double[][][] g = HeadImportance.gradients(manager, F64, HEADS, 4, loss);
        double eps = 1e-4;
        double largest = Arrays.stream(g).flatMap(Arrays::stream).flatMapToDouble(Arrays::stream).map(Math::abs).max().orElseThrow();
        assertThat(largest).isGreaterThan(1e-4);
        for (int l = 0; l < HEADS.length; l++) {
            assertThat(g[l]).hasNumberOfRows(4);
            for (int b = 0; b < 4; b++) {
                assertThat(g[l][b]).hasSize(HEADS[l]);
                for (int h = 0; h < HEADS[l]; h++) {
                    double fd = (lossAt(loss, 4, l, b, h, eps) - lossAt(loss, 4, l, b, h, -eps)) / (2 * eps);
                    // O(eps²) truncation and ~1e-16/eps rounding are both far below 1e-6 of the largest gradient
                    assertThat(g[l][b][h]).as("layer %d example %d head %d", l, b, h).isCloseTo(fd, within(1e-6 * largest));
                }
            }
        }
    }

    @Test
    void aSharedMaskGetsTheSumOfThePerExampleGradients() {
        HeadImportance.MaskedLoss loss = batch(3);
        double[][][] perExample = HeadImportance.gradients(manager, F64, HEADS, 4, loss);
        double[][][] shared = HeadImportance.gradients(manager, F64, HEADS, 1, loss);
        for (int l = 0; l < HEADS.length; l++) {
            assertThat(shared[l]).hasNumberOfRows(1);
            for (int h = 0; h < HEADS[l]; h++) {
                double sum = 0;
                for (double[] row : perExample[l]) {
                    sum += row[h];
                }
                assertThat(shared[l][0][h]).as("layer %d head %d", l, h).isCloseTo(sum, within(1e-12));
                double fd = (lossAt(loss, 1, l, 0, h, 1e-4) - lossAt(loss, 1, l, 0, h, -1e-4)) / 2e-4;
                assertThat(shared[l][0][h]).isCloseTo(fd, within(1e-8));
            }
        }
    }

    @Test
    void importanceSumsEachExamplesAbsoluteGradientAndNormalisesEachLayer() {
        List<HeadImportance.Batch> batches = List.of(new HeadImportance.Batch(4, batch(1)), new HeadImportance.Batch(4, batch(2)));
        double[][][] g1 = HeadImportance.gradients(manager, F64, HEADS, 4, batches.get(0).loss());
        double[][][] g2 = HeadImportance.gradients(manager, F64, HEADS, 4, batches.get(1).loss());
        double[][] importance = HeadImportance.of(manager, F64, HEADS, batches);
        for (int l = 0; l < HEADS.length; l++) {
            double[] raw = new double[HEADS[l]];
            for (int h = 0; h < raw.length; h++) {
                for (int b = 0; b < 4; b++) {
                    // the loss is the mean over 4 examples: 4·|∂L/∂m_bh| is example b's own |∂L(x)/∂m_h|
                    raw[h] += 4 * Math.abs(g1[l][b][h]) + 4 * Math.abs(g2[l][b][h]);
                }
            }
            double norm = Math.sqrt(Arrays.stream(raw).map(x -> x * x).sum());
            for (int h = 0; h < raw.length; h++) {
                assertThat(importance[l][h]).isCloseTo(raw[h] / norm, within(1e-12));
            }
            assertThat(Math.sqrt(Arrays.stream(importance[l]).map(x -> x * x).sum())).isCloseTo(1, within(1e-12));
        }
    }
}
