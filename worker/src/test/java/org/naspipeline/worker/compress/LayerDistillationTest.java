package org.naspipeline.worker.compress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.naspipeline.api.IntermediateDistillation;
import org.naspipeline.api.MlpArchitecture;
import org.naspipeline.worker.model.EncoderTrace;
import org.naspipeline.worker.model.ModelBuilder;
import org.naspipeline.worker.model.NetworkPlan;
import org.naspipeline.worker.model.PlanBlocks;

/**
 * TinyBERT's intermediate terms between a 4-layer teacher and its DistilBERT-style 2-layer student (layers 1 and 3 of
 * the teacher, with their weights): checked against the squared errors computed here from the traced arrays, with a
 * student layer that is exactly the teacher's giving exactly zero; the projections train when widths differ.
 */
class LayerDistillationTest {
    final ModelBuilder builder = new ModelBuilder(1, 28, 28, 10);

    NetworkPlan trained(int layers, int width, int heads, int patch) {
        return TrainedVits.of(layers, width, heads, patch, true);
    }

    static Block loaded(NetworkPlan plan, NDManager manager) {
        PlanBlocks.Built built = PlanBlocks.build(plan);
        PlanBlocks.initializeAndLoad(built, manager);
        return built.block();
    }

    static void forward(Block network, EncoderTrace trace, NDArray x) {
        PlanBlocks.trace(network, trace);
        network.forward(new ParameterStore(x.getManager(), false), new NDList(x), false);
        PlanBlocks.trace(network, null);
    }

    static double mse(NDArray a, NDArray b) {
        float[] x = a.toFloatArray();
        float[] y = b.toFloatArray();
        double sum = 0;
        for (int i = 0; i < x.length; i++) {
            sum += (x[i] - y[i]) * (double) (x[i] - y[i]);
        }
        return sum / x.length;
    }

    @Test
    void theTermsAreTheSquaredErrorsOfTheMappedLayersAndAKeptLayerAgainstItselfIsZero() {
        NetworkPlan teacherPlan = trained(4, 32, 4, 7);
        NetworkPlan studentPlan = LayerDropper.keepEveryOther(teacherPlan).plan();
        try (NDManager manager = NDManager.newBaseManager()) {
            Block teacher = loaded(teacherPlan, manager);
            Block student = loaded(studentPlan, manager);
            NDArray x = manager.randomNormal(builder.inputShape(3));
            // student layer 1 is teacher layer 1 on the same embeddings: mapped to it, its terms are exactly 0
            LayerDistillation same = LayerDistillation.of(new IntermediateDistillation(1.0, 1.0, List.of(1, 3)), student, teacher);
            assertThat(same.trainingBlock().getChildren().size()).as("equal widths: no projection").isEqualTo(1);
            forward(teacher, same.teacherTrace(), x);
            forward(student, same.studentTrace(), x);
            List<NDArray> hs = List.copyOf(same.studentTrace().hidden());
            List<NDArray> ht = List.copyOf(same.teacherTrace().hidden());
            List<NDArray> as = List.copyOf(same.studentTrace().attention());
            List<NDArray> at = List.copyOf(same.teacherTrace().attention());
            assertThat(hs).hasSize(3);
            assertThat(ht).hasSize(5);
            assertThat(as.get(0).getShape().getShape()).containsExactly(3, 4, 17, 17); // 16 patches and the class token
            assertThat(mse(hs.get(0), ht.get(0))).isZero();
            assertThat(mse(hs.get(1), ht.get(1))).isZero();
            assertThat(mse(as.get(0), at.get(0))).isZero();
            // student layer 2 (teacher layer 3's weights on h1) against teacher layer 3 (on h2): the only non-zero terms
            double hidden = mse(hs.get(2), ht.get(3));
            double attention = rowSquaredError(as.get(1), at.get(2));
            assertThat(hidden).isPositive();
            assertThat(attention).isPositive();
            assertThat(same.loss().getFloat()).isCloseTo((float) (hidden + attention), within(1e-5f));
            assertThat(same.studentTrace().hidden()).as("loss() clears the traces").isEmpty();

            // TinyBERT's uniform map sends student layers 1 and 2 to teacher layers 2 and 4, weighted
            LayerDistillation uniform = LayerDistillation.of(new IntermediateDistillation(2.0, 0.5, null), student, teacher);
            forward(teacher, uniform.teacherTrace(), x);
            forward(student, uniform.studentTrace(), x);
            as = List.copyOf(uniform.studentTrace().attention());
            at = List.copyOf(uniform.teacherTrace().attention());
            hidden = mse(hs.get(0), ht.get(0)) + mse(hs.get(1), ht.get(2)) + mse(hs.get(2), ht.get(4));
            attention = rowSquaredError(as.get(0), at.get(1)) + rowSquaredError(as.get(1), at.get(3));
            assertThat(uniform.loss().getFloat()).isCloseTo((float) (2.0 * hidden + 0.5 * attention), within(1e-5f));
        }
    }

    /** Σ over keys of the squared error, averaged over examples, heads and queries (B, H, T, T). */
    static double rowSquaredError(NDArray a, NDArray b) {
        long keys = a.getShape().get(3);
        return mse(a, b) * keys;
    }

    @Test
    void aNarrowerStudentTrainsItsProjectionsAndPrunedHeadsAreComparedAsTheirMean() throws Exception {
        NetworkPlan teacherPlan = trained(2, 32, 4, 7);
        NetworkPlan studentPlan = trained(1, 16, 2, 7);
        try (NDManager manager = NDManager.newBaseManager(); Model model = Model.newInstance("student")) {
            Block teacher = loaded(teacherPlan, manager);
            PlanBlocks.Built built = PlanBlocks.build(studentPlan);
            model.setBlock(built.block());
            PlanBlocks.initializeAndLoad(built, model.getNDManager());
            LayerDistillation layers = LayerDistillation.of(new IntermediateDistillation(1.0, 1.0, null), built.block(), teacher);
            Block training = layers.trainingBlock();
            assertThat(training.getChildren().size()).as("the student and a projection for h0 and h1").isEqualTo(3);
            model.setBlock(training);
            try (Trainer trainer = model.newTrainer(new DefaultTrainingConfig(Loss.l2Loss()))) {
                trainer.initialize(builder.inputShape(2));
                NDArray x = manager.randomNormal(builder.inputShape(2));
                forward(teacher, layers.teacherTrace(), x);
                try (GradientCollector collector = trainer.newGradientCollector()) {
                    PlanBlocks.trace(training, layers.studentTrace());
                    trainer.forward(new NDList(x));
                    PlanBlocks.trace(training, null);
                    // 2 heads against 4: the maps are compared as the mean over heads
                    NDArray loss = layers.loss();
                    assertThat(loss.getFloat()).isPositive();
                    collector.backward(loss);
                }
                List<Parameter> projections = training.getParameters().stream()
                        .filter(p -> p.getKey().contains("projection")).map(p -> p.getValue()).toList();
                assertThat(projections).hasSize(2).allSatisfy(p -> {
                    assertThat(p.getArray().getShape().getShape()).containsExactly(32, 16);
                    assertThat(p.getArray().getGradient().abs().sum().getFloat()).isPositive();
                });
            }
            // the saved student is the student alone
            assertThat(PlanBlocks.capture(built).layers()).hasSameSizeAs(studentPlan.layers());
        }
    }

    @Test
    void modelsThatCannotBeComparedAreRefusedNamingTheSetting() {
        IntermediateDistillation settings = new IntermediateDistillation(1.0, 1.0, null);
        try (NDManager manager = NDManager.newBaseManager()) {
            Block teacher = loaded(trained(2, 32, 4, 7), manager);
            Block mlp = PlanBlocks.build(builder.plan(new MlpArchitecture(List.of(16), null))).block();
            assertThatThrownBy(() -> LayerDistillation.of(settings, mlp, teacher))
                    .hasMessage("compression.distillation.intermediate: the student has no encoder layer (intermediate-layer "
                            + "distillation is for the transformer family)");
            assertThatThrownBy(() -> LayerDistillation.of(settings, teacher, mlp))
                    .hasMessageStartingWith("compression.distillation.intermediate: the teacher has no encoder layer");
            assertThatThrownBy(() -> LayerDistillation.of(new IntermediateDistillation(1.0, 1.0, List.of(3)),
                    loaded(trained(1, 32, 4, 7), manager), teacher))
                    .hasMessageStartingWith("compression.distillation.intermediate.layerMap[0]: teacher layer 3");
            // 4×4 patches give 50 tokens, 7×7 ones 17: refused at the first batch, not a shape error deep in the engine
            LayerDistillation tokens = LayerDistillation.of(settings, loaded(trained(1, 32, 4, 4), manager), teacher);
            NDArray x = manager.randomNormal(builder.inputShape(2));
            Block student = tokens.trainingBlock().getChildren().get("01student");
            forward(teacher, tokens.teacherTrace(), x);
            forward(student, tokens.studentTrace(), x);
            assertThatThrownBy(tokens::loss).hasMessageStartingWith(
                    "compression.distillation.intermediate: the student sees 50 tokens and the teacher 17");
            assertThat(tokens.studentTrace().hidden()).isEmpty();
        }
    }
}
