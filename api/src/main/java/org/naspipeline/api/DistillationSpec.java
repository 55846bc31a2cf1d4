package org.naspipeline.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonInclude.Include;
import java.util.Set;

/**
 * Knowledge-distillation settings: temperature T, hard-label weight alpha, the loss form, the teacher and, for
 * transformers, the distillation of intermediate layers.
 *
 * <p>{@code loss}: {@code hinton} (the default) is {@code α·H(y, σ(z_s)) + (1−α)·T²·H(σ(z_t/T), σ(z_s/T))};
 * {@code softened} is {@code α·H(y, σ(z_s/T)) + (1−α)·H(σ(z_t/T), σ(z_s/T))}. {@code teacher} is the URI of a
 * trained model artifact (a trial attempt directory, as in {@code artifactUri} of a result), or {@link #TRAINED}:
 * the candidate's own trained model before compression, which teaches the compressed one while it is fine-tuned (the
 * DistilBERT recipe with layer dropping); training from scratch then uses the hard labels only. {@code intermediate}
 * (null: none) adds TinyBERT's hidden-state and attention terms ({@link IntermediateDistillation}).
 */
public record DistillationSpec(boolean enabled, double temperature, double alpha, String loss, String teacher,
                               @AddedField @JsonInclude(Include.NON_NULL) IntermediateDistillation intermediate) {
    /** Distillation off. */
    public static final DistillationSpec OFF = new DistillationSpec(false, 1.0, 1.0);
    /** The loss forms. */
    public static final Set<String> LOSSES = Set.of("hinton", "softened");
    /** The teacher that is the candidate's own trained model, teaching it during fine-tuning. */
    public static final String TRAINED = "trained";

    /** Applies the default loss form. */
    public DistillationSpec {
        loss = loss == null ? "hinton" : loss;
    }

    /** Logit distillation only. */
    public DistillationSpec(boolean enabled, double temperature, double alpha, String loss, String teacher) {
        this(enabled, temperature, alpha, loss, teacher, null);
    }

    /** Hinton-form distillation without a teacher yet (the experiment supplies it). */
    public DistillationSpec(boolean enabled, double temperature, double alpha) {
        this(enabled, temperature, alpha, null, null);
    }

    /** True when the teacher is the candidate's own trained model ({@link #TRAINED}). */
    @com.fasterxml.jackson.annotation.JsonIgnore
    public boolean fromTrainedModel() {
        return enabled && TRAINED.equals(teacher);
    }

    /** The same settings distilling from {@code teacherUri}. */
    public DistillationSpec withTeacher(String teacherUri) {
        return new DistillationSpec(enabled, temperature, alpha, loss, teacherUri, intermediate);
    }

    /**
     * Records at {@code path} what makes these settings unusable in {@code compression}: an unknown loss form, a
     * T below 1 or α outside [0, 1], intermediate settings that are bad or set while distillation is off, and the
     * {@link #TRAINED} teacher on a candidate that is not fine-tuned after compression.
     */
    public void check(Errors errors, String path, CompressionSpec compression) {
        if (!enabled) {
            if (intermediate != null) {
                errors.add(path + ".intermediate", "needs distillation.enabled true");
            }
            return;
        }
        errors.oneOf(path + ".loss", loss, LOSSES);
        errors.range(path + ".temperature", temperature, 1, 100);
        errors.range(path + ".alpha", alpha, 0, 1);
        if (intermediate != null) {
            intermediate.check(errors, path + ".intermediate");
        }
        if (TRAINED.equals(teacher) && !(compression.needsFineTune() && compression.fineTuneEpochs() > 0)) {
            errors.add(path + ".teacher", "\"trained\" teaches the candidate's compressed model while it is fine-tuned, but "
                    + "this candidate is not fine-tuned: it needs pruning, low-rank or layer dropping, and fineTuneEpochs of 1 or more");
        }
    }
}
