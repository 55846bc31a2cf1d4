package org.naspipeline.api;

import java.util.Set;

/**
 * Knowledge-distillation settings: temperature T, hard-label weight alpha, the loss form and the teacher.
 *
 * <p>{@code loss}: {@code hinton} (the default) is {@code α·H(y, σ(z_s)) + (1−α)·T²·H(σ(z_t/T), σ(z_s/T))};
 * {@code softened} is {@code α·H(y, σ(z_s/T)) + (1−α)·H(σ(z_t/T), σ(z_s/T))}. {@code teacher} is the URI of a
 * trained model artifact (a trial attempt directory, as in {@code artifactUri} of a result).
 */
public record DistillationSpec(boolean enabled, double temperature, double alpha, String loss, String teacher) {
    /** Distillation off. */
    public static final DistillationSpec OFF = new DistillationSpec(false, 1.0, 1.0);
    /** The loss forms. */
    public static final Set<String> LOSSES = Set.of("hinton", "softened");

    /** Applies the default loss form. */
    public DistillationSpec {
        loss = loss == null ? "hinton" : loss;
    }

    /** Hinton-form distillation without a teacher yet (the experiment supplies it). */
    public DistillationSpec(boolean enabled, double temperature, double alpha) {
        this(enabled, temperature, alpha, null, null);
    }
}
