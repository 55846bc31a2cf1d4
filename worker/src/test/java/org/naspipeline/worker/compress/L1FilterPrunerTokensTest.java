package org.naspipeline.worker.compress;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.naspipeline.worker.model.NetworkPlan;
import org.naspipeline.worker.model.NetworkPlan.Conv;
import org.naspipeline.worker.model.NetworkPlan.Dense;
import org.naspipeline.worker.model.NetworkPlan.LayerNorm;
import org.naspipeline.worker.model.NetworkPlan.Residual;
import org.naspipeline.worker.model.NetworkPlan.TokenPool;

/** L1 filter pruning refuses the token layers of the transformer family, naming the first one. */
class L1FilterPrunerTokensTest {

    @Test
    void aViTIsRefusedAtItsFirstTokenLayer() {
        NetworkPlan vit = ArtifactFormatTokensTest.plan();
        assertThatThrownBy(() -> L1FilterPruner.prune(vit, 0.5)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("layers[0]: l1-filter pruning removes conv filters and dense units; it does not apply to patches "
                        + "(use magnitude pruning, or head pruning for attention)");
    }

    @Test
    void eachKindIsNamedAndTheCheckComesBeforeTheWeightsAndTheConvs() {
        // no conv, no weights: the first token layer is still what the error names
        NetworkPlan encoderFirst = new NetworkPlan(new long[] {8}, 3, List.of(new Dense(8, 8, true, null, null),
                ArtifactFormatTokensTest.encoder(8, 2, 4, 16, true, 0), new TokenPool(false), new Dense(8, 3, true, null, null)));
        assertThatThrownBy(() -> L1FilterPruner.prune(encoderFirst, 0.5))
                .hasMessage("layers[1]: l1-filter pruning removes conv filters and dense units; it does not apply to encoder "
                        + "(use magnitude pruning, or head pruning for attention)");
        NetworkPlan inAResidual = new NetworkPlan(new long[] {2, 4, 4}, 3, List.of(new Conv(2, 4, 3, 1, true, null, null),
                new Residual(List.of(new Conv(4, 4, 3, 1, true, null, null), new LayerNorm(4, null, null)), List.of())));
        assertThatThrownBy(() -> L1FilterPruner.prune(inAResidual, 0.5))
                .hasMessage("layers[1].body[1]: l1-filter pruning removes conv filters and dense units; it does not apply to layerNorm "
                        + "(use magnitude pruning, or head pruning for attention)");
        NetworkPlan pooled = new NetworkPlan(new long[] {8}, 3, List.of(new TokenPool(true)));
        assertThatThrownBy(() -> L1FilterPruner.prune(pooled, 0.5)).hasMessageStartingWith("layers[0]: ")
                .hasMessageContaining("does not apply to tokenPool");
        NetworkPlan embedded = new NetworkPlan(new long[] {8}, 3, List.of(new NetworkPlan.Embed(1, 8, false, null, null)));
        assertThatThrownBy(() -> L1FilterPruner.prune(embedded, 0.5)).hasMessageContaining("layers[0]: ")
                .hasMessageContaining("does not apply to embed");
    }
}
