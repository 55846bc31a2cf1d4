package org.naspipeline.worker.compress;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class QuantizerTest {

    @Test
    void perTensorAffineFollowsTheMinMaxFormulaBitExactly() {
        float[] x = {-1.0f, 0.0f, 0.5f, 1.0f, 0.25f, -0.3f};
        Quantizer.Affine q = Quantizer.affine(x);
        assertThat(q.min()).isEqualTo(-1.0f);
        assertThat(q.max()).isEqualTo(1.0f);
        // q = round((x − min) / (max − min) × 255): 0, 127.5 → 128 (half up), 191.25 → 191, 255, 159.375 → 159, 89.25 → 89
        assertThat(q.codes()).containsExactly((byte) 0, (byte) 128, (byte) 191, (byte) 255, (byte) 159, (byte) 89);
        // x_q = q / 255 × (max − min) + min, as floats
        assertThat(q.value(0)).isEqualTo(-1.0f);
        assertThat(q.value(1)).isEqualTo((float) (128 / 255.0 * 2.0 - 1.0)).isEqualTo(0.003921569f);
        assertThat(q.value(2)).isEqualTo((float) (191 / 255.0 * 2.0 - 1.0));
        assertThat(q.value(3)).isEqualTo(1.0f);
        assertThat(q.value(4)).isEqualTo((float) (159 / 255.0 * 2.0 - 1.0));
        assertThat(q.value(5)).isEqualTo((float) (89 / 255.0 * 2.0 - 1.0));
    }

    @Test
    void aConstantTensorQuantizesToItsValue() {
        Quantizer.Affine q = Quantizer.affine(new float[] {0.7f, 0.7f});
        assertThat(q.codes()).containsExactly((byte) 0, (byte) 0);
        assertThat(q.value(1)).isEqualTo(0.7f);
    }

    @Test
    void perChannelSymmetricUsesOneScalePerRowAndKeepsZeroExact() {
        float[] x = {0.5f, -1.27f, 0.0f, /* row 2 */ 0.02f, 0.01f, -0.005f};
        Quantizer.Symmetric q = Quantizer.perChannel(x, 2);
        assertThat(q.scales()).containsExactly(1.27f / 127f, 0.02f / 127f);
        assertThat(q.codes()).containsExactly((byte) Math.round(0.5f / (1.27f / 127f)), (byte) -127, (byte) 0,
                (byte) 127, (byte) Math.round(0.01f / (0.02f / 127f)), (byte) Math.round(-0.005f / (0.02f / 127f)));
        assertThat(q.value(2)).isZero();
        for (int i = 0; i < x.length; i++) {
            float scale = q.scales()[i / 3];
            assertThat(Math.abs(q.value(i) - x[i])).isLessThanOrEqualTo(scale / 2 + 1e-7f);
        }
    }
}
