package org.naspipeline.worker.compress;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.loss.Loss;
import org.naspipeline.worker.model.Scalars;

/**
 * Knowledge-distillation loss on student logits {@code z_s}, with labels {@code (y, z_t)}: the hard class labels
 * and the teacher's logits (computed in inference mode and detached, so no gradient reaches the teacher).
 *
 * <ul>
 *   <li>{@code hinton} (Hinton et al. 2015): {@code α·H(y, σ(z_s)) + (1−α)·T²·H(σ(z_t/T), σ(z_s/T))}: the hard
 *       term at T = 1; the soft term scaled by T² so its gradients keep their magnitude as T grows.</li>
 *   <li>{@code softened}: {@code α·H(y, σ(z_s/T)) + (1−α)·H(σ(z_t/T), σ(z_s/T))}: both terms on the softened
 *       student distribution, no T² factor; the soft gradients shrink as 1/T².</li>
 * </ul>
 * {@code H(p, q) = −Σ p·log q}, averaged over the batch.
 */
public final class DistillationLoss extends Loss {
    private final double temperature;
    private final double alpha;
    private final boolean hinton;

    /** A loss of the given form ({@code hinton} or {@code softened}). */
    public DistillationLoss(String form, double temperature, double alpha) {
        super("DistillationLoss");
        if (!"hinton".equals(form) && !"softened".equals(form)) {
            throw new IllegalArgumentException("unknown distillation loss '" + form + "' (known: hinton, softened)");
        }
        this.temperature = temperature;
        this.alpha = alpha;
        this.hinton = "hinton".equals(form);
    }

    @Override
    public NDArray evaluate(NDList labels, NDList predictions) {
        NDArray student = predictions.singletonOrThrow();
        NDArray y = labels.get(0);
        NDArray teacher = labels.get(1).stopGradient();
        NDArray softStudentLog = Scalars.divide(student, temperature).logSoftmax(1);
        NDArray softTeacher = Scalars.divide(teacher, temperature).softmax(1);
        NDArray soft = softTeacher.mul(softStudentLog).sum(new int[] {1}).neg().mean();
        NDArray hardLog = hinton ? student.logSoftmax(1) : softStudentLog;
        NDArray hard = hardLog.get(new ai.djl.ndarray.index.NDIndex().addAllDim().addPickDim(y)).neg().mean();
        double softWeight = (1 - alpha) * (hinton ? temperature * temperature : 1.0);
        return Scalars.times(hard, alpha).add(Scalars.times(soft, softWeight));
    }
}
