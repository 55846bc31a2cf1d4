package org.naspipeline.controller.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.naspipeline.api.Candidate;
import org.naspipeline.api.CompressionSpec;
import org.naspipeline.api.DistillationSpec;
import org.naspipeline.api.HeadSpec;
import org.naspipeline.api.MlpArchitecture;
import org.naspipeline.api.PruningMethod;
import org.naspipeline.api.PruningSpec;
import org.naspipeline.api.Quantization;

/** The compression column of the trial table and CSV: each pruning method with what it was given. */
class CandidateTextTest {
    static final MlpArchitecture MLP = new MlpArchitecture(List.of(16), new HeadSpec(0, 0.0));

    static String text(PruningSpec pruning, Quantization q) {
        return CandidateText.compression(new Candidate(MLP, new CompressionSpec(pruning, q, DistillationSpec.OFF, 1.0)));
    }

    @Test
    void eachPruningMethodShowsItsAmountAndTheSettingsThatApplyToIt() {
        assertThat(text(PruningSpec.NONE, Quantization.FP32)).isEqualTo("none");
        assertThat(text(new PruningSpec(PruningMethod.L1_FILTER, 0.25), Quantization.INT8_PER_CHANNEL))
                .isEqualTo("prune l1-filter 0.25, int8-per-channel");
        assertThat(text(new PruningSpec(PruningMethod.MAGNITUDE, 0.5, "global", "agp"), Quantization.FP32))
                .isEqualTo("prune magnitude 0.5 global agp");
        assertThat(text(new PruningSpec(PruningMethod.HEADS, 0.5), Quantization.FP32)).isEqualTo("prune heads 0.5 layer");
        assertThat(text(PruningSpec.headCount(2, "global"), Quantization.FP32)).isEqualTo("prune heads 2 heads global");
        assertThat(CandidateText.compression(null)).isNull();
    }

    @Test
    void aDistilBertStudentShowsItsLayerDroppingAndWhatItIsDistilledFrom() {
        DistillationSpec tinyBert = new DistillationSpec(true, 2.0, 0.5, "hinton", DistillationSpec.TRAINED,
                new org.naspipeline.api.IntermediateDistillation(1.0, 10.0, null));
        CompressionSpec student = new CompressionSpec(PruningSpec.NONE, Quantization.FP32, tinyBert, 1.0, 2, null, null, null,
                "every-other");
        assertThat(CandidateText.compression(new Candidate(MLP, student)))
                .isEqualTo("drop layers every-other, distill T2.0 α0.5 hinton from the trained model + hidden states and attention");
        CompressionSpec hard = new CompressionSpec(PruningSpec.NONE, Quantization.FP32, DistillationSpec.OFF, 1.0, 2, null, null,
                null, "every-other");
        assertThat(CandidateText.compression(new Candidate(MLP, hard))).isEqualTo("drop layers every-other");
    }
}
