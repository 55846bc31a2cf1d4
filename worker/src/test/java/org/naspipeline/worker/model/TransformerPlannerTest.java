package org.naspipeline.worker.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.naspipeline.api.HeadSpec;
import org.naspipeline.api.TransformerArchitecture;
import org.naspipeline.api.TransformerArchitecture.NormPlacement;
import org.naspipeline.api.TransformerArchitecture.TokenPooling;

/** The transformer family's plan, its DJL blocks, their MACs, weight capture and load, and real training steps. */
class TransformerPlannerTest {
    final ModelBuilder builder = new ModelBuilder(1, 28, 28, 10);
    static final TransformerArchitecture VIT = new TransformerArchitecture(2, 16, 4, 2.0, 7, NormPlacement.PRE,
            TokenPooling.CLS, 0.0, new HeadSpec(0, 0.0));

    static List<String> kinds(NetworkPlan plan) {
        return plan.layers().stream().map(l -> l.getClass().getSimpleName()).toList();
    }

    @Test
    void aPreNormClassTokenVitIsPlannedLayerByLayer() {
        NetworkPlan plan = builder.plan(VIT);
        assertThat(kinds(plan)).containsExactly("Patches", "Dense", "Embed", "Encoder", "Encoder", "LayerNorm", "TokenPool",
                "Flatten", "Dense");
        assertThat(plan.layers().get(1)).hasToString("dense(49→16)");
        NetworkPlan.Embed embed = (NetworkPlan.Embed) plan.layers().get(2);
        assertThat(embed.tokens()).isEqualTo(16);
        assertThat(embed.outTokens()).isEqualTo(17);
        NetworkPlan.Encoder e = (NetworkPlan.Encoder) plan.layers().get(3);
        assertThat(e).hasToString("encoder(16, 4×4 heads, mlp 32, pre-norm)");
        assertThat(e.fc1()).hasToString("dense(16→32)");
        // every layer with trained values is visited, the encoder's parts under its path
        List<String> paths = new java.util.ArrayList<>();
        plan.forEachWeighted((path, layer) -> paths.add(path));
        assertThat(paths).startsWith("layers[1]", "layers[2]", "layers[3].norm1", "layers[3].query", "layers[3].key",
                "layers[3].value", "layers[3].output", "layers[3].norm2", "layers[3].fc1", "layers[3].fc2", "layers[4].norm1")
                .endsWith("layers[5]", "layers[8]");
        assertThat(plan.classifierPath()).isEqualTo("layers[8]");
    }

    @Test
    void aPostNormMeanPoolingVitHasNoClassTokenAndNoFinalNorm() {
        TransformerArchitecture post = new TransformerArchitecture(1, 12, 3, 1.0, 4, NormPlacement.POST, TokenPooling.MEAN,
                0.1, new HeadSpec(8, 0.2));
        NetworkPlan plan = builder.plan(post);
        assertThat(kinds(plan)).containsExactly("Patches", "Dense", "Embed", "Encoder", "TokenPool", "Flatten", "Dense", "Relu",
                "Dropout", "Dense");
        assertThat(((NetworkPlan.Embed) plan.layers().get(2)).outTokens()).isEqualTo(49);
        assertThat(((NetworkPlan.TokenPool) plan.layers().get(4)).cls()).isFalse();
        assertThat(((NetworkPlan.Encoder) plan.layers().get(3)).dropout()).isEqualTo(0.1);
    }

    @Test
    void macsCountAttentionExactlyAndParametersAddUp() {
        PlanBlocks.Built built = PlanBlocks.build(builder.plan(VIT));
        try (NDManager manager = NDManager.newBaseManager()) {
            built.block().initialize(manager, DataType.FLOAT32, builder.inputShape(1));
            // patch embedding: 16 tokens × 49 × 16 = 12,544. Per encoder layer on 17 tokens of width 16, 4 heads of 4:
            // q, k, v, o 4·17·16·16 = 17,408; QKᵀ and AV 2·4·17·17·4 = 9,248; MLP 2·17·16·32 = 17,408 → 44,064.
            // Classifier 16 × 10 = 160.
            assertThat(MacCounter.count(built.block(), builder.inputShape(1))).isEqualTo(12_544 + 2 * 44_064 + 160);
            assertThat(MacCounter.count(built.block(), builder.inputShape(3))).isEqualTo(3L * (12_544 + 2 * 44_064 + 160));
            // patch dense 49·16+16; embed cls 16 + positions 17·16; per encoder: 2 norms 2·32, q k v o 4·(256+16),
            // fc1 16·32+32, fc2 32·16+16; final norm 32; classifier 16·10+10
            long perEncoder = 64 + 4 * 272 + 544 + 528;
            long expected = 800 + 16 + 272 + 2 * perEncoder + 32 + 170;
            long params = built.block().getParameters().stream().mapToLong(p -> p.getValue().getArray().size()).sum();
            assertThat(params).isEqualTo(expected);
        }
    }

    @Test
    void capturedWeightsLoadIntoAFreshBlockAndGiveTheSameLogits() {
        NetworkPlan plan = builder.plan(VIT);
        try (NDManager manager = NDManager.newBaseManager()) {
            PlanBlocks.Built first = PlanBlocks.build(plan);
            first.block().initialize(manager, DataType.FLOAT32, builder.inputShape(1));
            NetworkPlan captured = PlanBlocks.capture(first);
            assertThat(captured.hasWeights()).isTrue();
            assertThat(plan.hasWeights()).isFalse();
            PlanBlocks.Built second = PlanBlocks.build(captured);
            PlanBlocks.initializeAndLoad(second, manager);
            NDArray x = manager.randomNormal(builder.inputShape(4));
            ParameterStore store = new ParameterStore(manager, false);
            float[] a = first.block().forward(store, new NDList(x), false).singletonOrThrow().toFloatArray();
            float[] b = second.block().forward(store, new NDList(x), false).singletonOrThrow().toFloatArray();
            assertThat(b).containsExactly(a);
            assertThat(first.weighted()).hasSize(2 + 2 * 8 + 1 + 1);
        }
    }

    @Test
    void itTrains() {
        for (TransformerArchitecture arch : List.of(VIT, new TransformerArchitecture(1, 12, 3, 1.0, 4, NormPlacement.POST,
                TokenPooling.MEAN, 0.0, new HeadSpec(0, 0.0)))) {
            java.util.Random r = new java.util.Random(3);
            float[] xs = new float[16 * 28 * 28];
            for (int i = 0; i < xs.length; i++) {
                xs[i] = (float) r.nextGaussian();
            }
            assertTrainsWithoutLeaks(builder, arch, xs, new float[] {0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3}, 40, 0.5f);
        }
    }

    /**
     * Trains {@code arch} on one batch for {@code steps} Adam steps at 0.01, each step's arrays in their own manager as a
     * training batch's are: the last loss must be below {@code fraction} of the first, and nothing a step creates may stay
     * attached to the model (a leak there keeps every step's graph alive).
     */
    static void assertTrainsWithoutLeaks(ModelBuilder builder, TransformerArchitecture arch, float[] xs, float[] ys, int steps,
                                         float fraction) {
        try (Model model = Model.newInstance("transformer")) {
            model.setBlock(PlanBlocks.build(builder.plan(arch)).block());
            DefaultTrainingConfig config = new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                    .optOptimizer(Optimizer.adam().optLearningRateTracker(Tracker.fixed(0.01f)).build());
            try (Trainer trainer = model.newTrainer(config)) {
                trainer.initialize(builder.inputShape(1));
                NDManager m = trainer.getManager();
                float first = 0;
                float last = 0;
                int managed = 0;
                for (int step = 0; step < steps; step++) {
                    if (step == 5) {
                        managed = model.getNDManager().getManagedArrays().size();
                    }
                    try (NDManager batch = m.newSubManager(); GradientCollector gc = trainer.newGradientCollector()) {
                        NDArray x = batch.create(xs, builder.inputShape(ys.length));
                        NDArray loss = trainer.getLoss().evaluate(new NDList(batch.create(ys)), trainer.forward(new NDList(x)));
                        gc.backward(loss);
                        last = loss.getFloat();
                        first = step == 0 ? last : first;
                    }
                    trainer.step();
                }
                assertThat(last).as(arch.summary()).isLessThan(first * fraction);
                assertThat(model.getNDManager().getManagedArrays()).as(arch.summary()).hasSize(managed);
            }
        }
    }

    @Test
    void unbuildableTransformersAreRefusedWithTheirPath() {
        assertThatThrownBy(() -> builder.plan(new TransformerArchitecture(1, 16, 4, 2.0, 5, NormPlacement.PRE, TokenPooling.CLS,
                0.0, null))).hasMessage("architecture.patchSize: 5 must divide the images' height 28 and width 28");
        assertThatThrownBy(() -> builder.plan(new TransformerArchitecture(1, 18, 4, 2.0, 7, NormPlacement.PRE, TokenPooling.CLS,
                0.0, null))).hasMessage("architecture.width: 18 does not divide by heads 4 (each head gets width/heads features)");
        assertThatThrownBy(() -> builder.plan(new TransformerArchitecture(1, 16, 4, 2.0, 7, null, TokenPooling.CLS, 0.0, null)))
                .hasMessage("architecture.norm: is required");
        assertThatThrownBy(() -> new ModelBuilder(new long[] {8}, 3).plan(VIT))
                .hasMessageStartingWith("architecture.family: transformer needs image input");
        assertThat(new ModelBuilder(3, 32, 32, 10).plan(new TransformerArchitecture(1, 16, 4, 2.0, 4, NormPlacement.PRE,
                TokenPooling.CLS, 0.0, null)).layers().get(1)).as("CIFAR-10: 3×4×4 values per patch").hasToString("dense(48→16)");
    }

    // ---- token ids (dataset 'tokens') ----

    final ModelBuilder tokens = new ModelBuilder(new long[] {12}, 4, 50);

    @Test
    void onTokenIdsATableLookupReplacesThePatchesAndThePatchSizeIsNotUsed() {
        NetworkPlan plan = tokens.plan(VIT);
        assertThat(kinds(plan)).containsExactly("Embed", "Encoder", "Encoder", "LayerNorm", "TokenPool", "Flatten", "Dense");
        NetworkPlan.Embed embed = (NetworkPlan.Embed) plan.layers().get(0);
        assertThat(embed).hasToString("embedding(50 ids → 12 tokens + class token, 16)");
        assertThat(embed.names()).containsExactly("table", "cls", "positions");
        assertThat(plan.vocabulary()).isEqualTo(50);
        assertThat(builder.plan(VIT).vocabulary()).isZero();
        PlanBlocks.Built built = PlanBlocks.build(plan);
        try (NDManager manager = NDManager.newBaseManager()) {
            built.block().initialize(manager, DataType.FLOAT32, tokens.inputShape(1));
            // the lookup costs no MACs; per encoder layer on 13 tokens of width 16, 4 heads of 4: q, k, v, o
            // 4·13·16·16 = 13,312; QKᵀ and AV 2·4·13·13·4 = 5,408; MLP 2·13·16·32 = 13,312 → 32,032; classifier 16·4
            assertThat(MacCounter.count(built.block(), tokens.inputShape(1))).isEqualTo(2 * 32_032 + 64);
            long perEncoder = 64 + 4 * 272 + 544 + 528;
            long expected = 50 * 16 + 16 + 13 * 16 + 2 * perEncoder + 32 + 68; // table, cls, positions, encoders, norm, classifier
            long params = built.block().getParameters().stream().mapToLong(p -> p.getValue().getArray().size()).sum();
            assertThat(params).isEqualTo(expected);
            // the weights round-trip through the plan, the table included
            NetworkPlan captured = PlanBlocks.capture(built);
            assertThat(((NetworkPlan.Embed) captured.layers().get(0)).table()).hasSize(50 * 16);
            PlanBlocks.Built second = PlanBlocks.build(captured);
            PlanBlocks.initializeAndLoad(second, manager);
            NDArray x = manager.create(new float[] {3, 9, 49, 1, 0, 0, 0, 0, 0, 0, 0, 0, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7},
                    tokens.inputShape(2));
            ParameterStore store = new ParameterStore(manager, false);
            assertThat(second.block().forward(store, new NDList(x), false).singletonOrThrow().toFloatArray())
                    .containsExactly(built.block().forward(store, new NDList(x), false).singletonOrThrow().toFloatArray());
        }
    }

    /** A learnable task on ids: the class is which of 4 ids occurs in the sequence, among padding of varying length. */
    @Test
    void itTrainsOnPaddedIds() {
        java.util.Random r = new java.util.Random(4);
        int n = 32;
        float[] xs = new float[n * 12];
        float[] ys = new float[n];
        for (int i = 0; i < n; i++) {
            int length = 2 + r.nextInt(10);
            for (int t = 0; t < length; t++) {
                xs[i * 12 + t] = 10 + r.nextInt(40); // filler ids 10..49
            }
            ys[i] = i % 4;
            xs[i * 12 + r.nextInt(length)] = 1 + i % 4; // the class's id, somewhere
        }
        for (TokenPooling pooling : TokenPooling.values()) {
            assertTrainsWithoutLeaks(tokens, new TransformerArchitecture(1, 16, 2, 2.0, 1, NormPlacement.PRE, pooling, 0.0,
                    new HeadSpec(0, 0.0)), xs, ys, 60, 0.2f);
        }
    }

    @Test
    void onlyTheTransformerFamilyReadsTokenIds() {
        assertThatThrownBy(() -> tokens.plan(new org.naspipeline.api.MlpArchitecture(List.of(32), new HeadSpec(0, 0.0))))
                .hasMessage("architecture.family: mlp cannot read token ids (the dataset is 'tokens'); use the transformer family, "
                        + "which embeds them");
        assertThatThrownBy(() -> new ModelBuilder(new long[] {12}, 4, 1).plan(VIT))
                .hasMessage("architecture.family: token ids need examples of shape (length) and a vocabulary of at least 2 ids, "
                        + "not [12] and 1");
        assertThatThrownBy(() -> new ModelBuilder(new long[] {1, 28, 28}, 4, 50).plan(VIT))
                .hasMessageStartingWith("architecture.family: token ids need examples of shape (length)");
        // the largest ids the loader takes at the largest width would be a 4 GiB table: refused before anything is allocated
        TransformerArchitecture wide = new TransformerArchitecture(1, 1024, 4, 1.0, 1, NormPlacement.PRE, TokenPooling.MEAN, 0.0,
                new HeadSpec(0, 0.0));
        assertThatThrownBy(() -> new ModelBuilder(new long[] {12}, 4, 1_048_576).plan(wide))
                .hasMessage("architecture.width: a token table of 1048576 ids × 1024 is 1073741824 values, more than 67108864 "
                        + "(256 MiB of floats); use a smaller width, or renumber the ids so that fewer distinct ones are used");
        assertThat(new ModelBuilder(new long[] {12}, 4, 65_536).plan(wide).vocabulary()).as("64 Mi values exactly").isEqualTo(65_536);
    }
}
