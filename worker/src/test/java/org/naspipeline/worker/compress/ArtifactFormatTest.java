package org.naspipeline.worker.compress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import org.naspipeline.api.Quantization;
import org.naspipeline.worker.model.NetworkPlan;
import org.naspipeline.worker.model.NetworkPlan.Conv;
import org.naspipeline.worker.model.NetworkPlan.Dense;
import org.naspipeline.worker.model.NetworkPlan.Norm;
import org.naspipeline.worker.model.NetworkPlan.Residual;
import org.junit.jupiter.api.Test;

class ArtifactFormatTest {

    static float[] weightsOf(NetworkPlan plan, int index) {
        return NetworkPlan.weightOf(plan.layers().get(index));
    }

    @Test
    void fp32RoundTripsExactlyIncludingTheStructure() throws IOException {
        NetworkPlan plan = PruningTest.plan();
        NetworkPlan back = ArtifactFormat.decode(ArtifactFormat.encode(plan, Quantization.FP32).bytes());
        assertThat(back.inputShape()).containsExactly(1, 4, 4);
        assertThat(back.classes()).isEqualTo(3);
        assertThat(back.layers()).hasSameSizeAs(plan.layers());
        assertThat(weightsOf(back, 0)).containsExactly(weightsOf(plan, 0));
        assertThat(((Norm) back.layers().get(1)).var()).containsExactly(((Norm) plan.layers().get(1)).var());
        Residual r = (Residual) back.layers().get(4);
        assertThat(((Conv) r.shortcut().get(0)).weight()).containsExactly(((Conv) ((Residual) plan.layers().get(4)).shortcut().get(0)).weight());
        assertThat(((Dense) back.layers().get(9)).bias()).containsExactly(((Dense) plan.layers().get(9)).bias());
    }

    @Test
    void int8StoresOneByteAWeightAndDecodesToTheQuantizerValues() throws IOException {
        NetworkPlan plan = PruningTest.plan();
        int fp32 = ArtifactFormat.encode(plan, Quantization.FP32).bytes().length;
        ArtifactFormat.Encoded perTensor = ArtifactFormat.encode(plan, Quantization.INT8_PER_TENSOR);
        ArtifactFormat.Encoded perChannel = ArtifactFormat.encode(plan, Quantization.INT8_PER_CHANNEL);
        assertThat(perTensor.weightEncodings()).containsExactly("u8-affine");
        assertThat(perChannel.weightEncodings()).containsExactly("i8-channel");
        int weights = 36 + 144 + 216 + 24 + 192 + 24;
        // 3 bytes saved per weight, minus 8 bytes of range per tensor (per-tensor) or 4 per channel (per-channel),
        // minus the longer encoding names in the header of the 6 weight tensors ("u8-affine", "i8-channel" vs "f32")
        assertThat(fp32 - perTensor.bytes().length).isEqualTo(3 * weights - 8 * 6 - 6 * 6);
        assertThat(fp32 - perChannel.bytes().length).isEqualTo(3 * weights - 4 * (4 + 4 + 6 + 6 + 8 + 3) - 6 * 7);
        float[] w0 = weightsOf(plan, 0);
        Quantizer.Affine a = Quantizer.affine(w0);
        float[] decoded = weightsOf(ArtifactFormat.decode(perTensor.bytes()), 0);
        for (int i = 0; i < w0.length; i++) {
            assertThat(decoded[i]).isEqualTo(a.value(i));
        }
        Quantizer.Symmetric s = Quantizer.perChannel(w0, 4);
        float[] decodedChannel = weightsOf(ArtifactFormat.decode(perChannel.bytes()), 0);
        for (int i = 0; i < w0.length; i++) {
            assertThat(decodedChannel[i]).isEqualTo(s.value(i));
        }
    }

    @Test
    void magnitudePrunedWeightsAreStoredAsBitmaskPlusValuesOnlyWhenThatIsSmaller() throws IOException {
        NetworkPlan sparse = MagnitudePruner.prune(PruningTest.plan(), 0.9, false);
        NetworkPlan light = MagnitudePruner.prune(PruningTest.plan(), 0.02, false);
        ArtifactFormat.Encoded dense = ArtifactFormat.encode(PruningTest.plan(), Quantization.FP32);
        ArtifactFormat.Encoded sparseFile = ArtifactFormat.encode(sparse, Quantization.FP32);
        assertThat(sparseFile.weightEncodings()).containsExactly("f32+bitmask");
        // per weight tensor of n values with k kept: 4n bytes become ⌈n/8⌉ + 4k, and the header names "+bitmask"
        long[] saved = {0};
        sparse.forEachWeighted((path, layer) -> {
            float[] w = NetworkPlan.weightOf(layer);
            if (w != null) {
                int kept = w.length - (int) Math.floor(0.9 * w.length);
                saved[0] += 4L * w.length - ((w.length + 7) / 8 + 4L * kept) - "+bitmask".length();
            }
        });
        assertThat(dense.bytes().length - sparseFile.bytes().length).isEqualTo(saved[0]);
        assertThat(ArtifactFormat.encode(light, Quantization.FP32).weightEncodings()).containsExactly("f32");
        NetworkPlan back = ArtifactFormat.decode(sparseFile.bytes());
        assertThat(weightsOf(back, 0)).containsExactly(weightsOf(sparse, 0));
        assertThat(((Conv) back.layers().get(0)).mask()).containsExactly(((Conv) sparse.layers().get(0)).mask());
        ArtifactFormat.Encoded sparseInt8 = ArtifactFormat.encode(sparse, Quantization.INT8_PER_TENSOR);
        assertThat(sparseInt8.weightEncodings()).containsExactly("u8-affine+bitmask");
        float[] w = weightsOf(ArtifactFormat.decode(sparseInt8.bytes()), 0);
        boolean[] mask = ((Conv) sparse.layers().get(0)).mask();
        for (int i = 0; i < w.length; i++) {
            if (!mask[i]) {
                assertThat(w[i]).as("pruned weights stay exactly zero through int8").isZero();
            }
        }
    }

    @Test
    void aFileThatIsNotAModelIsRefusedWithTheReason() {
        assertThatThrownBy(() -> ArtifactFormat.decode("PK\u0003\u0004 zip".getBytes()))
                .isInstanceOf(IOException.class).hasMessageContaining("not a model.nasm file");
    }
}
