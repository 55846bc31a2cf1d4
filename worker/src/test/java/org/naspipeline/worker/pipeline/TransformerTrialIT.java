package org.naspipeline.worker.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.naspipeline.api.Candidate;
import org.naspipeline.api.CompressionReport;
import org.naspipeline.api.CompressionSpec;
import org.naspipeline.api.DistillationSpec;
import org.naspipeline.api.HeadSpec;
import org.naspipeline.api.MlpArchitecture;
import org.naspipeline.api.PruningMethod;
import org.naspipeline.api.PruningSpec;
import org.naspipeline.api.Quantization;
import org.naspipeline.api.TrialEvent;
import org.naspipeline.api.TrialMetrics;
import org.naspipeline.api.TrialResult;
import org.naspipeline.api.TransformerArchitecture;
import org.naspipeline.api.TransformerArchitecture.NormPlacement;
import org.naspipeline.api.TransformerArchitecture.TokenPooling;
import org.naspipeline.worker.cpu.TestCpu;
import org.naspipeline.worker.data.DatasetResolver;

/**
 * The transformer family through a whole trial on the bundled Fashion-MNIST subset: real DJL training, the ONNX export
 * measured in ONNX Runtime, and attention-head pruning by importance with fine-tuning and int8.
 */
class TransformerTrialIT {
    // 2 pre-norm encoder layers of width 32, 4 heads of 8, MLP 64, on 16 patches of 7×7 and a class token
    static final TransformerArchitecture VIT = new TransformerArchitecture(2, 32, 4, 2.0, 7, NormPlacement.PRE, TokenPooling.CLS,
            0.0, new HeadSpec(0, 0.0));
    // per encoder layer on 17 tokens: q, k, v, o 4·17·32·32 = 69,632; QKᵀ and AV 2·4·17·17·8 = 18,496; MLP 2·17·32·64 = 69,632
    static final long ENCODER_MACS = 69_632 + 18_496 + 69_632;
    // patch embedding 16·49·32 = 25,088; classifier 32·10 = 320
    static final long MACS = 25_088 + 2 * ENCODER_MACS + 320;

    @TempDir
    Path artifacts;

    TrialRunner runner() {
        return new TrialRunner(DatasetResolver.fromEnvironment(), TrialRunnerIT.DATA, new FileArtifactStore(artifacts), "w1",
                Device.cpu(), new ReentrantLock(), TestCpu.shared(), new TrialRunner.MeasurementSettings(16, 30));
    }

    @Test
    void aVisionTransformerTrainsAndIsMeasuredInOnnxRuntime() {
        List<TrialEvent.Progress> progress = new ArrayList<>();
        TrialResult result = runner().run(TrialRunnerIT.request(new Candidate(VIT, CompressionSpec.NONE), 2, 2000),
                progress::add, () -> false);
        assertThat(result).isInstanceOf(TrialResult.Completed.class);
        TrialMetrics m = ((TrialResult.Completed) result).metrics();
        assertThat(m.accuracy()).as("validation; chance is 0.10").isGreaterThan(0.5);
        assertThat(progress.get(1).loss()).isLessThan(progress.get(0).loss());
        assertThat(m.macs()).isEqualTo(MACS);
        assertThat(m.layers()).extracting(TrialMetrics.Layer::layer).contains("encoder (4 heads × 8, MLP 64, pre-norm)");
        assertThat(m.layers().stream().mapToLong(TrialMetrics.Layer::macs).sum()).isEqualTo(m.macs());
        assertThat(m.layers().stream().mapToLong(TrialMetrics.Layer::params).sum()).isEqualTo(m.params());
        assertThat(m.inference().runtime()).startsWith("onnxruntime 1.");
        assertThat(m.inference().model()).isEqualTo("model.onnx");
        assertThat(m.inference().kernels()).noneMatch(TrialRunner::isInt8Kernel);
        // the ONNX file computes DJL's logits, so the validation accuracy is DJL's after the last epoch
        assertThat(m.accuracy()).isCloseTo(progress.get(1).validationAccuracy(), org.assertj.core.data.Offset.offset(0.006));
    }

    /** A request from elsewhere asking head pruning of a model without attention fails at once, naming the setting. */
    @Test
    void headPruningOfAnotherFamilyFailsWithoutRetry() {
        CompressionSpec heads = new CompressionSpec(new PruningSpec(PruningMethod.HEADS, 0.5), Quantization.FP32,
                DistillationSpec.OFF, 1.0, 1, null, null);
        TrialResult result = runner().run(TrialRunnerIT.request(new Candidate(new MlpArchitecture(List.of(16), null), heads), 1, 300),
                ProgressListener.NONE, () -> false);
        assertThat(result).isInstanceOfSatisfying(TrialResult.Failed.class, f -> {
            assertThat(f.retriable()).isFalse();
            assertThat(f.reason()).isEqualTo("compression.pruning.method: heads prunes attention heads, and this model has no "
                    + "encoder layer (use the transformer family)");
        });
    }

    @Test
    void halfTheHeadsArePrunedByImportanceThenFineTunedAndQuantized() {
        CompressionSpec heads = new CompressionSpec(new PruningSpec(PruningMethod.HEADS, 0.5), Quantization.INT8_PER_CHANNEL,
                DistillationSpec.OFF, 1.0, 1, null, null);
        TrialResult result = runner().run(TrialRunnerIT.request(new Candidate(VIT, heads), 2, 2000), ProgressListener.NONE,
                () -> false);
        assertThat(result).isInstanceOf(TrialResult.Completed.class);
        TrialMetrics m = ((TrialResult.Completed) result).metrics();
        assertThat(m.compression().stages()).extracting(CompressionReport.Stage::stage).containsExactly("prune", "finetune", "quantize");
        CompressionReport.Stage prune = m.compression().stages().get(0);
        assertThat(prune.settings()).isEqualTo("heads ratio 0.5 scope layer by mask-gradient importance on the validation set");
        assertThat(prune.layers()).extracting(c -> c.layer() + ": " + c.from() + " → " + c.to()).containsExactly(
                "layers[3]: encoder(32, 4×8 heads, mlp 64, pre-norm) → encoder(32, 2×8 heads, mlp 64, pre-norm)",
                "layers[4]: encoder(32, 4×8 heads, mlp 64, pre-norm) → encoder(32, 2×8 heads, mlp 64, pre-norm)");
        // each encoder loses 2 heads of 8: q, k, v rows 3·2·(8·32 + 8) and output columns 32·2·8
        assertThat(prune.before().params() - prune.after().params()).isEqualTo(2L * (3 * 2 * (8 * 32 + 8) + 32 * 2 * 8));
        // and per removed head on 17 tokens: projections 4·17·32·8 = 17,408, QKᵀ and AV 2·17·17·8 = 4,624
        assertThat(prune.before().macs()).isEqualTo(MACS);
        assertThat(prune.before().macs() - prune.after().macs()).isEqualTo(4L * (17_408 + 4_624));
        assertThat(m.macs()).isEqualTo(MACS - 4L * (17_408 + 4_624));
        // the pruned, fine-tuned model runs as an int8 graph with integer matrix kernels
        assertThat(m.inference().model()).isEqualTo("model.int8.onnx");
        assertThat(m.inference().kernels()).anyMatch(TrialRunner::isInt8Kernel);
        assertThat(m.accuracy()).isGreaterThan(0.4);
    }

    @Test
    void aCountOfHeadsIsPrunedInAllUnderGlobalScope() {
        CompressionSpec heads = new CompressionSpec(PruningSpec.headCount(3, "global"), Quantization.FP32,
                DistillationSpec.OFF, 1.0, 0, null, null);
        TrialResult result = runner().run(TrialRunnerIT.request(new Candidate(VIT, heads), 1, 600), ProgressListener.NONE,
                () -> false);
        assertThat(result).isInstanceOf(TrialResult.Completed.class);
        TrialMetrics m = ((TrialResult.Completed) result).metrics();
        CompressionReport.Stage prune = m.compression().stages().get(0);
        assertThat(prune.settings()).isEqualTo("heads count 3 scope global by mask-gradient importance on the validation set");
        // 3 of the 8 heads go, wherever they are least important, and each layer keeps at least one
        int left = 0;
        for (CompressionReport.LayerChange c : prune.layers()) {
            java.util.regex.Matcher h = java.util.regex.Pattern.compile("(\\d+)×8 heads").matcher(c.to());
            assertThat(h.find()).as(c.to()).isTrue();
            assertThat(Integer.parseInt(h.group(1))).isBetween(1, 4);
            left += Integer.parseInt(h.group(1));
        }
        assertThat(left).isEqualTo(5);
        assertThat(prune.before().macs() - prune.after().macs()).isEqualTo(3L * (17_408 + 4_624));
        assertThat(m.macs()).isEqualTo(MACS - 3L * (17_408 + 4_624));
    }

    /**
     * DistilBERT's recipe with TinyBERT's loss: the trained 4-layer model keeps layers 1 and 3, and teaches the 2-layer
     * student while it is fine-tuned (logits, hidden states, attention).
     */
    @Test
    void aDistilBertStudentIsFineTunedAgainstTheTrainedModelsLogitsHiddenStatesAndAttention() {
        TransformerArchitecture four = new TransformerArchitecture(4, 32, 4, 2.0, 7, NormPlacement.PRE, TokenPooling.CLS, 0.0,
                new HeadSpec(0, 0.0));
        DistillationSpec tinyBert = new DistillationSpec(true, 2.0, 0.5, "hinton", DistillationSpec.TRAINED,
                new org.naspipeline.api.IntermediateDistillation(1.0, 10.0, null));
        CompressionSpec student = new CompressionSpec(PruningSpec.NONE, Quantization.FP32, tinyBert, 1.0, 1, null, null, null,
                "every-other");
        List<String> phases = new ArrayList<>();
        TrialResult result = runner().run(TrialRunnerIT.request(new Candidate(four, student), 2, 2000), new ProgressListener() {
            @Override
            public void onEpoch(TrialEvent.Progress p) {}

            @Override
            public void onPhase(String phase, double seconds) {
                phases.add(phase);
            }
        }, () -> false);
        assertThat(result).isInstanceOf(TrialResult.Completed.class);
        TrialMetrics m = ((TrialResult.Completed) result).metrics();
        assertThat(phases).as("trained on hard labels; the teacher is the trained model").startsWith("train", "prune", "train");
        assertThat(m.compression().stages()).extracting(CompressionReport.Stage::stage).containsExactly("drop", "finetune");
        CompressionReport.Stage drop = m.compression().stages().get(0);
        assertThat(drop.settings()).isEqualTo("every other encoder layer (layers 1, 3, 5… kept with their trained weights)");
        assertThat(drop.layers()).extracting(c -> c.layer() + " " + c.to()).containsExactly("layers[4] dropped", "layers[6] dropped");
        // an encoder of width 32, 4 heads of 8, MLP 64: norms 2·64, q k v o 4·(32·32 + 32), fc1 32·64 + 64, fc2 64·32 + 32
        long encoderParams = 2 * 64 + 4 * (32 * 32 + 32) + (32 * 64 + 64) + (64 * 32 + 32);
        assertThat(drop.before().params() - drop.after().params()).isEqualTo(2 * encoderParams);
        long fourLayerMacs = MACS + 2 * ENCODER_MACS;
        assertThat(drop.before().macs()).isEqualTo(fourLayerMacs);
        assertThat(m.macs()).isEqualTo(MACS);
        CompressionReport.Stage fineTune = m.compression().stages().get(1);
        assertThat(fineTune.settings()).endsWith("distilled from the trained model (logits, hidden states and attention)");
        assertThat(m.accuracy()).as("validation; chance is 0.10").isGreaterThan(0.4);
    }

    /** Layer dropping asked of a model without encoder layers fails before any training, naming the setting. */
    @Test
    void layerDroppingOfAnotherFamilyFailsBeforeTraining() {
        CompressionSpec drop = new CompressionSpec(PruningSpec.NONE, Quantization.FP32, DistillationSpec.OFF, 1.0, 1, null, null,
                null, "every-other");
        List<TrialEvent.Progress> progress = new ArrayList<>();
        TrialResult result = runner().run(TrialRunnerIT.request(new Candidate(new MlpArchitecture(List.of(16), null), drop), 1, 300),
                progress::add, () -> false);
        assertThat(progress).isEmpty();
        assertThat(result).isInstanceOfSatisfying(TrialResult.Failed.class, f -> {
            assertThat(f.retriable()).isFalse();
            assertThat(f.reason()).isEqualTo("compression.layerDropping: this model has no encoder layer to drop (use the "
                    + "transformer family)");
        });
    }

    /**
     * Low-rank at half the rank: the patch embedding and both encoders' MLP layers become two layers each (the attention
     * projections and the classifier stay), then fine-tuning and int8 on ONNX Runtime's integer kernels.
     */
    @Test
    void theDenseLayersOnTokensAreFactorizedThenFineTunedAndQuantized() {
        CompressionSpec lowRank = new CompressionSpec(PruningSpec.NONE, Quantization.INT8_PER_CHANNEL, DistillationSpec.OFF, 0.5, 1,
                null, null);
        TrialResult result = runner().run(TrialRunnerIT.request(new Candidate(VIT, lowRank), 2, 2000), ProgressListener.NONE,
                () -> false);
        assertThat(result).isInstanceOf(TrialResult.Completed.class);
        TrialMetrics m = ((TrialResult.Completed) result).metrics();
        assertThat(m.compression().stages()).extracting(CompressionReport.Stage::stage).containsExactly("lowrank", "finetune", "quantize");
        CompressionReport.Stage factorize = m.compression().stages().get(0);
        assertThat(factorize.layers()).extracting(c -> c.layer() + ": " + c.to()).containsExactly(
                "layers[1]: dense(49→16) + dense(16→32)",
                "layers[3].fc1: dense(32→16) + dense(16→64)", "layers[3].fc2: dense(64→16) + dense(16→32)",
                "layers[4].fc1: dense(32→16) + dense(16→64)", "layers[4].fc2: dense(64→16) + dense(16→32)");
        // weights: the patch embedding 49·32 = 1,568 → 16·(49 + 32) = 1,296; each MLP layer 2,048 → 16·(32 + 64) = 1,536
        assertThat(factorize.before().params() - factorize.after().params()).isEqualTo((1_568 - 1_296) + 4L * (2_048 - 1_536));
        // MACs: 16 patches × 272 fewer, and 17 tokens × 512 fewer per MLP layer
        long macs = MACS - 16L * (1_568 - 1_296) - 4L * 17 * (2_048 - 1_536);
        assertThat(factorize.after().macs()).isEqualTo(macs);
        assertThat(m.macs()).isEqualTo(macs);
        assertThat(m.layers()).extracting(TrialMetrics.Layer::layer).contains("encoder (4 heads × 8, MLP 64 low-rank 16/16, pre-norm)");
        assertThat(m.layers().stream().mapToLong(TrialMetrics.Layer::macs).sum()).isEqualTo(m.macs());
        assertThat(m.inference().model()).isEqualTo("model.int8.onnx");
        assertThat(m.inference().kernels()).anyMatch(TrialRunner::isInt8Kernel);
        assertThat(m.accuracy()).as("validation; chance is 0.10").isGreaterThan(0.4);
    }
}
