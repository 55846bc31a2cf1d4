package org.naspipeline.worker.compress;

import java.util.ArrayList;
import java.util.List;
import org.naspipeline.api.CompressionReport.LayerChange;
import org.naspipeline.worker.model.NetworkPlan;
import org.naspipeline.worker.model.NetworkPlan.Encoder;

/**
 * Layer dropping for a DistilBERT-style student (Sanh et al. 2019): the student keeps one encoder layer of every two
 * of the trained model, the 1st, 3rd, 5th…, each with its trained weights, so it starts from the teacher's layers; the
 * patch embedding, positions, final norm, pooling and classifier stay as they are. Distillation from the trained
 * model then fine-tunes it.
 */
public final class LayerDropper {
    private LayerDropper() {}

    /** The student plan and one change per dropped encoder layer. */
    public record Result(NetworkPlan plan, List<LayerChange> changes) {}

    /**
     * Refuses a plan without encoder layers, naming the setting.
     *
     * @throws IllegalArgumentException for a plan without encoder layers
     */
    public static void requireEncoders(NetworkPlan plan) {
        if (!plan.hasEncoders()) {
            throw new IllegalArgumentException("compression.layerDropping: this model has no encoder layer to drop "
                    + "(use the transformer family)");
        }
    }

    /**
     * Keeps encoder layers 0, 2, 4… (in forward order) and drops the others.
     *
     * @throws IllegalArgumentException for a plan without encoder layers, naming the setting
     */
    public static Result keepEveryOther(NetworkPlan plan) {
        requireEncoders(plan);
        List<NetworkPlan.Layer> kept = new ArrayList<>();
        List<LayerChange> changes = new ArrayList<>();
        int encoder = 0;
        for (int i = 0; i < plan.layers().size(); i++) {
            NetworkPlan.Layer layer = plan.layers().get(i);
            if (layer instanceof Encoder e) {
                if (encoder++ % 2 == 1) {
                    changes.add(new LayerChange("layers[" + i + "]", e.toString(), "dropped", null, null));
                    continue;
                }
            }
            kept.add(layer);
        }
        return new Result(plan.withLayers(kept), List.copyOf(changes));
    }
}
