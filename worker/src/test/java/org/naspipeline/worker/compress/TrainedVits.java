package org.naspipeline.worker.compress;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import org.naspipeline.api.HeadSpec;
import org.naspipeline.api.TransformerArchitecture;
import org.naspipeline.api.TransformerArchitecture.NormPlacement;
import org.naspipeline.api.TransformerArchitecture.TokenPooling;
import org.naspipeline.worker.model.ModelBuilder;
import org.naspipeline.worker.model.NetworkPlan;
import org.naspipeline.worker.model.PlanBlocks;

/** ViT plans for 28×28 grey images and 10 classes, with DJL's initial weights standing in for trained ones. */
final class TrainedVits {
    static final ModelBuilder BUILDER = new ModelBuilder(1, 28, 28, 10);

    private TrainedVits() {}

    /** A class-token ViT of MLP ratio 2, no dropout, with weights. */
    static NetworkPlan of(int layers, int width, int heads, int patch, boolean preNorm) {
        TransformerArchitecture vit = new TransformerArchitecture(layers, width, heads, 2.0, patch,
                preNorm ? NormPlacement.PRE : NormPlacement.POST, TokenPooling.CLS, 0.0, new HeadSpec(0, 0.0));
        try (NDManager manager = NDManager.newBaseManager()) {
            PlanBlocks.Built built = PlanBlocks.build(BUILDER.plan(vit));
            built.block().initialize(manager, DataType.FLOAT32, BUILDER.inputShape(1));
            return PlanBlocks.capture(built);
        }
    }
}
