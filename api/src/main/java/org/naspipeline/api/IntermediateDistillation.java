package org.naspipeline.api;

import java.util.List;

/**
 * TinyBERT-style distillation of the intermediate layers (Jiao et al. 2020), added to the logit distillation of a
 * transformer student: {@code hiddenWeight · Σ_m MSE(h_s(m)·W_m, h_t(g(m)))} over the embedding output (m = 0, mapped
 * to the teacher's embedding output) and every student encoder layer m = 1…L_s, and
 * {@code attentionWeight · Σ_m MSE(A_s(m), A_t(g(m)))} over the encoder layers' attention probabilities.
 *
 * <p>{@code W_m} is a learned projection from the student's width to the teacher's, trained with the student and not
 * part of the saved model; it is left out (the identity) when the widths are equal. Attention maps are compared head by
 * head when the two layers have as many heads, and as the mean over heads otherwise; their squared error is summed over
 * the keys (a row is a distribution) and averaged over examples, heads and queries. Hidden states' squared error is
 * averaged over every element. Student and teacher must see the same tokens (same patch size and pooling token).
 *
 * <p>{@code layerMap} gives g: the teacher layer (1-based) each student layer (1, 2, … in order) learns from; null
 * means TinyBERT's uniform map {@code g(m) = m·L_t/L_s} (rounded down), so a 2-layer student of a 4-layer teacher learns
 * from teacher layers 2 and 4. Both weights default to 1.
 */
public record IntermediateDistillation(Double hiddenWeight, Double attentionWeight, List<Integer> layerMap) {
    /** The largest weight accepted. */
    public static final double MAX_WEIGHT = 1e4;
    /** The most layers a map may name. */
    public static final int MAX_LAYERS = 1000;

    /** Applies the default weights (1 each). */
    public IntermediateDistillation {
        hiddenWeight = hiddenWeight == null ? 1.0 : hiddenWeight;
        attentionWeight = attentionWeight == null ? 1.0 : attentionWeight;
        layerMap = layerMap == null ? null : java.util.Collections.unmodifiableList(new java.util.ArrayList<>(layerMap));
    }

    /** Records at {@code path} every unusable setting: weights outside [0, 1e4] or both 0, a map entry below 1. */
    public void check(Errors errors, String path) {
        errors.range(path + ".hiddenWeight", hiddenWeight, 0, MAX_WEIGHT);
        errors.range(path + ".attentionWeight", attentionWeight, 0, MAX_WEIGHT);
        if (hiddenWeight == 0 && attentionWeight == 0) {
            errors.add(path, "hiddenWeight and attentionWeight are both 0: nothing to distil (leave intermediate out)");
        }
        if (layerMap != null) {
            if (layerMap.isEmpty() || layerMap.size() > MAX_LAYERS) {
                errors.add(path + ".layerMap", "must name 1 to " + MAX_LAYERS + " teacher layers, one per student layer (got "
                        + layerMap.size() + ")");
            }
            for (int i = 0; i < layerMap.size() && i < MAX_LAYERS; i++) {
                Integer layer = layerMap.get(i);
                if (layer == null || layer < 1 || layer > MAX_LAYERS) {
                    errors.add(path + ".layerMap[" + i + "]", "must be a teacher layer number from 1 to " + MAX_LAYERS
                            + " (got " + layer + ")");
                }
            }
        }
    }

    /**
     * The teacher layer (0-based) each student layer (0-based) learns from, for a student of {@code studentLayers} and
     * a teacher of {@code teacherLayers} encoder layers.
     *
     * @throws IllegalArgumentException naming {@code path} when the map does not fit the two models
     */
    public int[] teacherLayers(int studentLayers, int teacherLayers, String path) {
        int[] g = new int[studentLayers];
        if (layerMap == null) {
            if (studentLayers > teacherLayers) {
                throw new IllegalArgumentException(path + ".layerMap: the student has " + studentLayers
                        + " encoder layers and the teacher " + teacherLayers + "; the uniform map needs a teacher at least as deep");
            }
            for (int m = 1; m <= studentLayers; m++) {
                g[m - 1] = m * teacherLayers / studentLayers - 1;
            }
            return g;
        }
        if (layerMap.size() != studentLayers) {
            throw new IllegalArgumentException(path + ".layerMap: names " + layerMap.size() + " teacher layers for a student of "
                    + studentLayers + " encoder layers (one per student layer)");
        }
        for (int m = 0; m < studentLayers; m++) {
            if (layerMap.get(m) > teacherLayers) {
                throw new IllegalArgumentException(path + ".layerMap[" + m + "]: teacher layer " + layerMap.get(m)
                        + ", but the teacher has " + teacherLayers + " encoder layers");
            }
            g[m] = layerMap.get(m) - 1;
        }
        return g;
    }
}
