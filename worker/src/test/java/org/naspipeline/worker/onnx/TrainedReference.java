package org.naspipeline.worker.onnx;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.ArrayDataset;
import ai.djl.training.dataset.Batch;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.naspipeline.api.Candidate;
import org.naspipeline.api.DatasetSpec;
import org.naspipeline.api.JsonCodec;
import org.naspipeline.worker.data.DatasetSplits;
import org.naspipeline.worker.data.Datasets;
import org.naspipeline.worker.model.ModelBuilder;
import org.naspipeline.worker.model.NetworkPlan;
import org.naspipeline.worker.model.PlanBlocks;

/**
 * The reference CNN ({@code examples/candidates/cnn-small.json}) trained briefly in DJL on the bundled
 * Fashion-MNIST subset (2,700 training, 300 validation, 1,000 test images), as a plan with weights.
 */
final class TrainedReference {
    static final Path DATA = Path.of("..", "datasets", "fashion-mnist-mini");
    static final Path CANDIDATE = Path.of("..", "examples", "candidates", "cnn-small.json");

    final DatasetSplits data;
    final NetworkPlan plan;

    private TrainedReference(DatasetSplits data, NetworkPlan plan) {
        this.data = data;
        this.plan = plan;
    }

    /** Trains {@code epochs} epochs of Adam (lr 0.002, batch 64) from a fixed seed. */
    static TrainedReference train(int epochs) {
        try {
            DatasetSplits data = Datasets.load(new DatasetSpec("fashion-mnist", 3000, 1000, 0.1, null), DATA);
            Candidate c = JsonCodec.readCandidate(Files.readAllBytes(CANDIDATE));
            NetworkPlan skeleton = new ModelBuilder(data.train().sampleShape(), data.train().classes()).plan(c.architecture());
            ai.djl.engine.Engine.getInstance().setRandomSeed(42);
            PlanBlocks.Built built = PlanBlocks.build(skeleton);
            try (Model model = Model.newInstance("reference")) {
                model.setBlock(built.block());
                DefaultTrainingConfig config = new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                        .optOptimizer(Optimizer.adam().optLearningRateTracker(Tracker.fixed(0.002f)).build());
                try (Trainer trainer = model.newTrainer(config); NDManager manager = model.getNDManager().newSubManager()) {
                    int n = data.train().count();
                    NDArray x = manager.create(data.train().features(), ModelBuilder.batchShape(data.train().sampleShape(), n));
                    NDArray y = manager.create(data.train().labels(), new Shape(n));
                    ArrayDataset dataset = new ArrayDataset.Builder().setData(x).optLabels(y).setSampling(64, true).build();
                    trainer.initialize(ModelBuilder.batchShape(data.train().sampleShape(), 1));
                    for (int epoch = 0; epoch < epochs; epoch++) {
                        for (Batch batch : trainer.iterateDataset(dataset)) {
                            try (batch; GradientCollector gc = trainer.newGradientCollector()) {
                                NDList predictions = trainer.forward(batch.getData());
                                gc.backward(trainer.getLoss().evaluate(batch.getLabels(), predictions));
                            }
                            trainer.step();
                        }
                    }
                    return new TrainedReference(data, PlanBlocks.capture(built));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (ai.djl.translate.TranslateException e) {
            throw new IllegalStateException(e);
        }
    }
}
