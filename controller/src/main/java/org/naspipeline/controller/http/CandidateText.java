package org.naspipeline.controller.http;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.naspipeline.api.Candidate;
import org.naspipeline.api.CompressionSpec;
import org.naspipeline.api.PruningMethod;

/** Short human-readable forms of a candidate for tables and CSV: its architecture and its compression. */
public final class CandidateText {
    private CandidateText() {}

    /** E.g. {@code cnn[2x16k3bn/max 1x32k3] | fc64 do0.2}; null without a candidate. */
    static String architecture(Candidate c) {
        return c == null || c.architecture() == null ? null : c.architecture().summary();
    }

    /** E.g. {@code prune magnitude 0.5 global agp, int8-per-channel, distill T4.0 α0.5, low-rank 0.5 dense}; {@code none}. */
    static String compression(Candidate c) {
        if (c == null) {
            return null;
        }
        CompressionSpec s = c.compression();
        if (s.isNone()) {
            return "none";
        }
        List<String> parts = new ArrayList<>();
        if (s.baseModel() != null) {
            parts.add("base " + s.baseModel());
        }
        if (s.layerDropping() != null) {
            parts.add("drop layers " + s.layerDropping());
        }
        if (s.pruning().method() != PruningMethod.NONE) {
            String amount = s.pruning().count() != null ? s.pruning().count() + " heads" : String.valueOf(s.pruning().ratio());
            parts.add("prune " + s.pruning().method().wireName() + " " + amount
                    + (s.pruning().method() == PruningMethod.MAGNITUDE ? " " + s.pruning().scope() + " " + s.pruning().schedule()
                    : s.pruning().method() == PruningMethod.HEADS ? " " + s.pruning().scope() : ""));
        }
        if (s.quantization() != org.naspipeline.api.Quantization.FP32) {
            parts.add(s.quantization().name().toLowerCase(Locale.ROOT).replace('_', '-'));
        }
        if (s.distillation().enabled()) {
            parts.add("distill T" + s.distillation().temperature() + " α" + s.distillation().alpha() + " " + s.distillation().loss()
                    + (s.distillation().fromTrainedModel() ? " from the trained model" : "")
                    + (s.distillation().intermediate() != null ? " + hidden states and attention" : ""));
        }
        if (s.lowRankRatio() < 1.0) {
            parts.add("low-rank " + s.lowRankRatio() + " " + s.lowRankLayers());
        }
        return String.join(", ", parts);
    }
}
