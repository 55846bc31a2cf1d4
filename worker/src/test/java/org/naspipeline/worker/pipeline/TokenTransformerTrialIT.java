package org.naspipeline.worker.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.naspipeline.api.Candidate;
import org.naspipeline.api.CompressionReport;
import org.naspipeline.api.CompressionSpec;
import org.naspipeline.api.DatasetSpec;
import org.naspipeline.api.DistillationSpec;
import org.naspipeline.api.HeadSpec;
import org.naspipeline.api.PruningMethod;
import org.naspipeline.api.PruningSpec;
import org.naspipeline.api.Quantization;
import org.naspipeline.api.TrainingSpec;
import org.naspipeline.api.TransformerArchitecture;
import org.naspipeline.api.TransformerArchitecture.NormPlacement;
import org.naspipeline.api.TransformerArchitecture.TokenPooling;
import org.naspipeline.api.TrialEvent;
import org.naspipeline.api.TrialMetrics;
import org.naspipeline.api.TrialRequest;
import org.naspipeline.api.TrialResult;
import org.naspipeline.worker.cpu.TestCpu;
import org.naspipeline.worker.data.DatasetResolver;
import org.naspipeline.worker.data.DatasetSplits;
import org.naspipeline.worker.data.Datasets;

/**
 * The transformer family on token ids (BERT-style) through whole trials on the bundled synthetic text set
 * ({@code datasets/tokens-mini}: padded sequences of ids, 4 classes): real DJL training through the table lookup and the
 * padding masks, the ONNX export measured in ONNX Runtime, head pruning by importance, fine-tuning and int8.
 */
class TokenTransformerTrialIT {
    static final Path DATA = Path.of("..", "datasets", "tokens-mini");
    // 2 pre-norm encoder layers of width 32, 4 heads of 8, MLP 64, mean over the kept tokens
    static final TransformerArchitecture BERT = new TransformerArchitecture(2, 32, 4, 2.0, 1, NormPlacement.PRE, TokenPooling.MEAN,
            0.0, new HeadSpec(0, 0.0));

    @TempDir
    Path artifacts;

    TrialRunner runner() {
        return new TrialRunner(DatasetResolver.fromEnvironment(), DATA, new FileArtifactStore(artifacts), "w1", Device.cpu(),
                new ReentrantLock(), TestCpu.shared(), new TrialRunner.MeasurementSettings(16, 30));
    }

    static TrialRequest request(Candidate candidate, int epochs) {
        return new TrialRequest(1, "exp", "exp-t0001", 1, candidate, new DatasetSpec("tokens", null, null),
                new TrainingSpec(epochs, 32, 0.002, "adam"), 42L);
    }

    /** The sequence length T and vocabulary of the bundled set, as the worker reads them. */
    static DatasetSplits data() throws IOException {
        return Datasets.load(new DatasetSpec("tokens", null, null), DATA);
    }

    /** Per encoder layer on T tokens of width 32, 4 heads of 8, MLP 64: q, k, v, o 4·T·32·32; QKᵀ and AV 2·4·T·T·8; MLP 2·T·32·64. */
    static long encoderMacs(long t) {
        return 4 * t * 32 * 32 + 2 * 4 * t * t * 8 + 2 * t * 32 * 64;
    }

    @Test
    void aBertStyleModelLearnsTheTokenTaskAndIsMeasuredInOnnxRuntime() throws IOException {
        DatasetSplits data = data();
        long t = data.train().sampleShape()[0];
        int vocabulary = data.train().vocabulary();
        List<TrialEvent.Progress> progress = new ArrayList<>();
        TrialResult result = runner().run(request(new Candidate(BERT, CompressionSpec.NONE), 3), progress::add, () -> false);
        assertThat(result).isInstanceOf(TrialResult.Completed.class);
        TrialMetrics m = ((TrialResult.Completed) result).metrics();
        assertThat(m.accuracy()).as("validation; 4 classes: chance is 0.25").isGreaterThan(0.8);
        assertThat(m.testAccuracy()).isGreaterThan(0.8);
        assertThat(progress.get(2).loss()).isLessThan(progress.get(0).loss());
        // the lookup costs no MACs; the classifier 32·4
        assertThat(m.macs()).isEqualTo(2 * encoderMacs(t) + 32 * 4);
        assertThat(m.layers()).extracting(TrialMetrics.Layer::layer).first()
                .isEqualTo("token embedding (" + vocabulary + " ids) + position embedding");
        assertThat(m.layers().get(0).params()).as("the table and the positions").isEqualTo((long) vocabulary * 32 + t * 32);
        assertThat(m.layers().stream().mapToLong(TrialMetrics.Layer::params).sum()).isEqualTo(m.params());
        assertThat(m.inference().runtime()).startsWith("onnxruntime 1.");
        assertThat(m.inference().model()).isEqualTo("model.onnx");
        // the ONNX graph computes DJL's logits (lookup, masks and masked mean included): the same validation accuracy
        assertThat(m.accuracy()).isCloseTo(progress.get(2).validationAccuracy(), org.assertj.core.data.Offset.offset(0.006));
    }

    @Test
    void halfTheHeadsArePrunedByImportanceThenFineTunedAndQuantizedWithTheTableKeptFloat() throws IOException {
        long t = data().train().sampleShape()[0];
        CompressionSpec heads = new CompressionSpec(new PruningSpec(PruningMethod.HEADS, 0.5), Quantization.INT8_PER_CHANNEL,
                DistillationSpec.OFF, 1.0, 1, null, null);
        TrialResult result = runner().run(request(new Candidate(BERT, heads), 3), ProgressListener.NONE, () -> false);
        assertThat(result).isInstanceOf(TrialResult.Completed.class);
        TrialMetrics m = ((TrialResult.Completed) result).metrics();
        assertThat(m.compression().stages()).extracting(CompressionReport.Stage::stage).containsExactly("prune", "finetune", "quantize");
        CompressionReport.Stage prune = m.compression().stages().get(0);
        assertThat(prune.layers()).extracting(c -> c.layer() + ": " + c.to()).containsExactly(
                "layers[1]: encoder(32, 2×8 heads, mlp 64, pre-norm)", "layers[2]: encoder(32, 2×8 heads, mlp 64, pre-norm)");
        // per removed head on T tokens: projections 4·T·32·8, QKᵀ and AV 2·T·T·8
        assertThat(prune.before().macs() - prune.after().macs()).isEqualTo(4L * (4 * t * 32 * 8 + 2 * t * t * 8));
        assertThat(m.inference().model()).isEqualTo("model.int8.onnx");
        assertThat(m.inference().kernels()).anyMatch(TrialRunner::isInt8Kernel).contains("Gather");
        assertThat(m.accuracy()).as("validation; chance is 0.25").isGreaterThan(0.7);
    }

    /** A CNN asked of token ids fails at once, without a retry, naming the setting. */
    @Test
    void anotherFamilyOnTokenIdsFailsWithoutRetry() {
        TrialResult result = runner().run(request(TrialRunnerIT.SMALL_CNN, 1), ProgressListener.NONE, () -> false);
        assertThat(result).isInstanceOfSatisfying(TrialResult.Failed.class, f -> {
            assertThat(f.retriable()).isFalse();
            assertThat(f.reason()).isEqualTo("unbuildable architecture: architecture.family: cnn cannot read token ids (the dataset is 'tokens'); use the "
                    + "transformer family, which embeds them");
        });
    }

    /** A malformed token file fails the trial at once and for good: another attempt would read the same line. */
    @Test
    void aMalformedTokenFileFailsWithoutRetryNamingTheLine(@TempDir Path data) throws IOException {
        java.nio.file.Files.writeString(data.resolve("train.jsonl"), "{\"ids\": [3, 4], \"label\": 1}\n{\"ids\": [3, 1.5], \"label\": 0}\n");
        java.nio.file.Files.writeString(data.resolve("test.jsonl"), "{\"ids\": [3], \"label\": 1}\n");
        TrialRunner runner = new TrialRunner(DatasetResolver.fromEnvironment(), data, new FileArtifactStore(artifacts), "w1",
                Device.cpu(), new ReentrantLock(), TestCpu.shared(), new TrialRunner.MeasurementSettings(16, 30));
        TrialResult result = runner.run(request(new Candidate(BERT, CompressionSpec.NONE), 1), ProgressListener.NONE, () -> false);
        assertThat(result).isInstanceOfSatisfying(TrialResult.Failed.class, f -> {
            assertThat(f.retriable()).isFalse();
            assertThat(f.reason()).isEqualTo("invalid dataset 'tokens': train.jsonl line 2: ids[1]: 1.5 is not an integer token id");
        });
    }
}
