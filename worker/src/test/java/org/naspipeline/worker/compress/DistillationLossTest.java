package org.naspipeline.worker.compress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.engine.Engine;
import ai.djl.training.loss.Loss;
import org.junit.jupiter.api.Test;

class DistillationLossTest {
    static final float[] STUDENT = {2.0f, 0.5f, -1.0f, 0.1f, 0.2f, 3.0f};
    static final float[] TEACHER = {1.0f, 3.0f, 0.0f, -2.0f, 0.5f, 2.5f};
    static final float[] LABELS = {0, 2};

    static double[] softmax(float[] z, int row, double t) {
        double[] p = new double[3];
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < 3; j++) {
            max = Math.max(max, z[row * 3 + j] / t);
        }
        double sum = 0;
        for (int j = 0; j < 3; j++) {
            p[j] = Math.exp(z[row * 3 + j] / t - max);
            sum += p[j];
        }
        for (int j = 0; j < 3; j++) {
            p[j] /= sum;
        }
        return p;
    }

    /** The loss computed by hand from the formulas in the issue. */
    static double expected(boolean hinton, double t, double alpha) {
        double total = 0;
        for (int row = 0; row < 2; row++) {
            double[] ps = softmax(STUDENT, row, hinton ? 1 : t);
            double[] psT = softmax(STUDENT, row, t);
            double[] ptT = softmax(TEACHER, row, t);
            double hard = -Math.log(ps[(int) LABELS[row]]);
            double soft = 0;
            for (int j = 0; j < 3; j++) {
                soft -= ptT[j] * Math.log(psT[j]);
            }
            total += alpha * hard + (1 - alpha) * (hinton ? t * t : 1) * soft;
        }
        return total / 2;
    }

    static double evaluate(Loss loss) {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray s = m.create(STUDENT, new Shape(2, 3));
            NDArray t = m.create(TEACHER, new Shape(2, 3));
            return loss.evaluate(new NDList(m.create(LABELS), t), new NDList(s)).getFloat();
        }
    }

    @Test
    void bothFormsMatchTheirFormulasAndDifferFromTheHardLabelLoss() {
        double hinton = evaluate(new DistillationLoss("hinton", 4, 0.3));
        double softened = evaluate(new DistillationLoss("softened", 4, 0.3));
        assertThat(hinton).isCloseTo(expected(true, 4, 0.3), within(1e-5));
        assertThat(softened).isCloseTo(expected(false, 4, 0.3), within(1e-5));
        double hard;
        try (NDManager m = NDManager.newBaseManager()) {
            hard = Loss.softmaxCrossEntropyLoss().evaluate(new NDList(m.create(LABELS)),
                    new NDList(m.create(STUDENT, new Shape(2, 3)))).getFloat();
        }
        assertThat(hinton).isNotCloseTo(hard, within(1e-3));
        assertThat(softened).isNotCloseTo(hard, within(1e-3));
        // alpha = 1 leaves only the hard term: at T = 1 for Hinton's form, that is plain cross-entropy
        assertThat(evaluate(new DistillationLoss("hinton", 4, 1.0))).isCloseTo(hard, within(1e-5));
    }

    @Test
    void theSoftTargetsCarryGradientToTheStudentAndNoneToTheTeacher() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray s = m.create(STUDENT, new Shape(2, 3));
            NDArray t = m.create(TEACHER, new Shape(2, 3));
            s.setRequiresGradient(true);
            t.setRequiresGradient(true);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                // alpha = 0: only the soft term; its gradient is T·(σ(z_s/T) − σ(z_t/T)) per row, / batch
                gc.backward(new DistillationLoss("hinton", 2, 0.0).evaluate(new NDList(m.create(LABELS), t), new NDList(s)));
            }
            float[] g = s.getGradient().toFloatArray();
            for (int row = 0; row < 2; row++) {
                double[] ps = softmax(STUDENT, row, 2);
                double[] pt = softmax(TEACHER, row, 2);
                for (int j = 0; j < 3; j++) {
                    assertThat((double) g[row * 3 + j]).isCloseTo(2 * (ps[j] - pt[j]) / 2, within(1e-5));
                }
            }
            assertThat(t.getGradient().toFloatArray()).containsOnly(0f);
        }
    }

    @Test
    void anUnknownFormIsRefused() {
        assertThatThrownBy(() -> new DistillationLoss("kl", 2, 0.5)).hasMessageContaining("known: hinton, softened");
    }
}
