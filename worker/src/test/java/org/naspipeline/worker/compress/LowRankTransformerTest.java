package org.naspipeline.worker.compress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.naspipeline.api.Quantization;
import org.naspipeline.worker.model.MacCounter;
import org.naspipeline.worker.model.ModelBuilder;
import org.naspipeline.worker.model.NetworkPlan;
import org.naspipeline.worker.model.NetworkPlan.Dense;
import org.naspipeline.worker.model.NetworkPlan.Encoder;
import org.naspipeline.worker.model.PlanBlocks;

/**
 * Low-rank factorization of a transformer's dense layers on tokens: the patch embedding and each encoder's MLP layers
 * become two layers, the attention projections and the classifier stay; the factorized network computes what one dense
 * layer of the factors' product computes; the file keeps the factorization.
 */
class LowRankTransformerTest {
    final ModelBuilder builder = new ModelBuilder(1, 28, 28, 10);

    NetworkPlan trained(boolean preNorm) {
        return TrainedVits.of(2, 32, 4, 7, preNorm);
    }

    /** The dense layer {@code second · first} (with the second's bias): what the two factors compute together. */
    static Dense product(Dense first, Dense second) {
        int r = first.out();
        float[] w = new float[second.out() * first.in()];
        for (int i = 0; i < second.out(); i++) {
            for (int j = 0; j < first.in(); j++) {
                double sum = 0;
                for (int k = 0; k < r; k++) {
                    sum += (double) second.weight()[i * r + k] * first.weight()[k * first.in() + j];
                }
                w[i * first.in() + j] = (float) sum;
            }
        }
        return new Dense(first.in(), second.out(), second.hasBias(), w, second.bias());
    }

    /** The factorized plan with every pair of factors multiplied back into one dense layer. */
    static NetworkPlan multipliedBack(NetworkPlan factorized) {
        List<NetworkPlan.Layer> out = new ArrayList<>();
        List<NetworkPlan.Layer> layers = factorized.layers();
        for (int i = 0; i < layers.size(); i++) {
            NetworkPlan.Layer layer = layers.get(i);
            if (layer instanceof Dense first && !first.hasBias() && i + 1 < layers.size() && layers.get(i + 1) instanceof Dense second) {
                out.add(product(first, second));
                i++;
            } else if (layer instanceof Encoder e) {
                out.add(new Encoder(e.heads(), e.headDim(), e.preNorm(), e.dropout(), e.norm1(), e.query(), e.key(), e.value(),
                        e.output(), e.norm2(), e.fc1First() == null ? e.fc1() : product(e.fc1First(), e.fc1()),
                        e.fc2First() == null ? e.fc2() : product(e.fc2First(), e.fc2())));
            } else {
                out.add(layer);
            }
        }
        return factorized.withLayers(out);
    }

    float[] logits(NetworkPlan plan, NDArray x) {
        PlanBlocks.Built built = PlanBlocks.build(plan);
        PlanBlocks.initializeAndLoad(built, x.getManager());
        return built.block().forward(new ParameterStore(x.getManager(), false), new NDList(x), false).singletonOrThrow().toFloatArray();
    }

    @Test
    void theTokenDenseLayersBecomeTwoAndComputeTheirFactorsProduct() {
        for (boolean preNorm : new boolean[] {true, false}) {
            NetworkPlan plan = trained(preNorm);
            LowRank.Result r = LowRank.factorize(plan, 0.5, false);
            NetworkPlan f = r.plan();
            // patches, embedding (49 → 16 → 32), positions, 2 encoders, norm, pool, classifier
            assertThat(f.layers()).hasSize(plan.layers().size() + 1);
            Dense patchFirst = (Dense) f.layers().get(1);
            assertThat(patchFirst.in()).isEqualTo(49);
            assertThat(patchFirst.out()).isEqualTo(16); // round(0.5 · min(32, 49))
            Encoder before = (Encoder) plan.layers().get(3);
            Encoder after = (Encoder) f.layers().get(4);
            assertThat(after.factorized()).containsExactly("fc1", "fc2");
            assertThat(after.partNames()).containsExactly("norm1", "query", "key", "value", "output", "norm2", "fc1.first", "fc1",
                    "fc2.first", "fc2");
            assertThat(after.fc1First()).hasToString("dense(32→16)");
            assertThat(after.fc1()).hasToString("dense(16→64)");
            assertThat(after.fc2First()).hasToString("dense(64→16)");
            assertThat(after.fc2()).hasToString("dense(16→32)");
            assertThat(after.fc1().bias()).isSameAs(before.fc1().bias());
            assertThat(List.of(after.query(), after.key(), after.value(), after.output()))
                    .as("attention projections stay whole").containsExactly(before.query(), before.key(), before.value(), before.output());
            assertThat(f.layers().get(f.layers().size() - 1)).as("classifier").isSameAs(plan.layers().get(plan.layers().size() - 1));
            assertThat(r.changes()).extracting(c -> c.layer()).containsExactly("layers[1]", "layers[3].fc1", "layers[3].fc2",
                    "layers[4].fc1", "layers[4].fc2");
            assertThat(after).hasToString("encoder(32, 4×8 heads, mlp 64 low-rank 16/16, " + (preNorm ? "pre" : "post") + "-norm)");
            try (NDManager manager = NDManager.newBaseManager()) {
                NDArray x = manager.randomNormal(builder.inputShape(4));
                float[] factorized = logits(f, x);
                float[] product = logits(multipliedBack(f), x);
                for (int i = 0; i < factorized.length; i++) {
                    assertThat(factorized[i]).isCloseTo(product[i], org.assertj.core.data.Offset.offset(1e-4f));
                }
                // MACs on 17 tokens: each MLP layer 17·64·32 = 34,816 becomes 17·16·(32 + 64) = 26,112; the patch
                // embedding 16·49·32 = 25,088 becomes 16·16·(49 + 32) = 20,736
                PlanBlocks.Built b0 = PlanBlocks.build(plan);
                PlanBlocks.initializeAndLoad(b0, manager);
                PlanBlocks.Built b1 = PlanBlocks.build(f);
                PlanBlocks.initializeAndLoad(b1, manager);
                assertThat(MacCounter.count(b0.block(), builder.inputShape(1)) - MacCounter.count(b1.block(), builder.inputShape(1)))
                        .isEqualTo(4L * (34_816 - 26_112) + (25_088 - 20_736));
            }
            // a second factorization leaves the factors alone (they are too small to gain), and never nests them
            assertThat(LowRank.factorize(f, 0.5, false).plan().layers().stream().filter(l -> l instanceof Encoder).toList())
                    .containsExactlyElementsOf(f.layers().stream().filter(l -> l instanceof Encoder).toList());
        }
    }

    @Test
    void theFileKeepsTheFactorizationAndRefusesAFactorizedListThatDoesNotFit() throws IOException {
        NetworkPlan f = LowRank.factorize(trained(true), 0.5, false).plan();
        for (Quantization q : Quantization.values()) {
            NetworkPlan back = ArtifactFormat.decode(ArtifactFormat.encode(f, q).bytes());
            assertThat(back.layers()).extracting(Object::toString).containsExactlyElementsOf(f.layers().stream().map(Object::toString).toList());
            if (q == Quantization.FP32) {
                assertThat(ArtifactFormatTokensTest.arrays(back)).containsExactlyElementsOf(ArtifactFormatTokensTest.arrays(f));
            }
        }
        byte[] file = ArtifactFormat.encode(f, Quantization.FP32).bytes();
        for (String bad : List.of("[\"fc3\"]", "[\"fc1\",\"fc1\"]", "[\"fc1\"]", "[]", "\"fc1\"")) {
            byte[] damaged = ArtifactFormatTokensTest.withHeader(file, h -> h.replace("\"factorized\":[\"fc1\",\"fc2\"]",
                    "\"factorized\":" + bad));
            assertThat(damaged).as(bad).isNotEqualTo(file);
            assertThatThrownBy(() -> ArtifactFormat.decode(damaged)).as(bad).isInstanceOf(IOException.class)
                    .hasMessageContaining("an encoder in model.nasm");
        }
    }
}
