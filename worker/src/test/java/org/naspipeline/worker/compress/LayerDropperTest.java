package org.naspipeline.worker.compress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.naspipeline.api.MlpArchitecture;
import org.naspipeline.worker.model.ModelBuilder;
import org.naspipeline.worker.model.NetworkPlan;
import org.naspipeline.worker.model.NetworkPlan.Encoder;
import org.naspipeline.worker.model.PlanBlocks;

/** A DistilBERT-style student keeps the trained model's 1st and 3rd encoder layers, weights and all. */
class LayerDropperTest {
    final ModelBuilder builder = new ModelBuilder(1, 28, 28, 10);

    NetworkPlan trained(int layers) {
        return TrainedVits.of(layers, 32, 4, 7, true);
    }

    @Test
    void everyOtherEncoderLayerStaysWithItsTrainedWeights() {
        NetworkPlan teacher = trained(4);
        List<NetworkPlan.Layer> encoders = teacher.layers().stream().filter(l -> l instanceof Encoder).toList();
        LayerDropper.Result r = LayerDropper.keepEveryOther(teacher);
        List<NetworkPlan.Layer> kept = r.plan().layers().stream().filter(l -> l instanceof Encoder).toList();
        assertThat(kept).containsExactly(encoders.get(0), encoders.get(2));
        assertThat(r.plan().layers()).hasSize(teacher.layers().size() - 2);
        // everything but the dropped encoders is the teacher's, in order
        assertThat(r.plan().layers()).containsExactlyElementsOf(teacher.layers().stream()
                .filter(l -> l != encoders.get(1) && l != encoders.get(3)).toList());
        assertThat(r.changes()).extracting(c -> c.layer() + " " + c.to())
                .containsExactly("layers[4] dropped", "layers[6] dropped");
        // the student builds and runs: its weights load into DJL blocks
        try (NDManager manager = NDManager.newBaseManager()) {
            PlanBlocks.Built built = PlanBlocks.build(r.plan());
            PlanBlocks.initializeAndLoad(built, manager);
            assertThat(PlanBlocks.heads(built)).containsExactly(4, 4);
        }
    }

    @Test
    void oddCountsKeepTheFirstAndLastAndOneLayerKeepsItself() {
        assertThat(LayerDropper.keepEveryOther(trained(3)).plan().layers().stream().filter(l -> l instanceof Encoder)).hasSize(2);
        LayerDropper.Result one = LayerDropper.keepEveryOther(trained(1));
        assertThat(one.changes()).isEmpty();
        assertThatThrownBy(() -> LayerDropper.keepEveryOther(builder.plan(new MlpArchitecture(List.of(16), null))))
                .hasMessageStartingWith("compression.layerDropping: this model has no encoder layer");
    }
}
