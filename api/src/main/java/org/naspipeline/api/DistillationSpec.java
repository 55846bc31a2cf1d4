package org.naspipeline.api;

/** Knowledge-distillation settings: temperature T and hard-label weight alpha. */
public record DistillationSpec(boolean enabled, double temperature, double alpha) {
    /** Distillation off. */
    public static final DistillationSpec OFF = new DistillationSpec(false, 1.0, 1.0);
}
