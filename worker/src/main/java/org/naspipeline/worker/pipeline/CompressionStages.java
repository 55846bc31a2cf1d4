package org.naspipeline.worker.pipeline;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.nn.Block;
import ai.djl.translate.TranslateException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.BooleanSupplier;
import org.naspipeline.api.CompressionReport;
import org.naspipeline.api.CompressionReport.LayerChange;
import org.naspipeline.api.CompressionReport.Snapshot;
import org.naspipeline.api.CompressionSpec;
import org.naspipeline.api.DistillationSpec;
import org.naspipeline.api.PruningMethod;
import org.naspipeline.api.PruningSpec;
import org.naspipeline.api.Quantization;
import org.naspipeline.api.TrainingSpec;
import org.naspipeline.api.TrialRequest;
import org.naspipeline.worker.compress.ArtifactFormat;
import org.naspipeline.worker.compress.HeadPruner;
import org.naspipeline.worker.compress.L1FilterPruner;
import org.naspipeline.worker.compress.LayerDropper;
import org.naspipeline.worker.compress.LowRank;
import org.naspipeline.worker.compress.MagnitudePruner;
import org.naspipeline.worker.compress.Quantizer;
import org.naspipeline.worker.data.DatasetSplits;
import org.naspipeline.worker.model.MacCounter;
import org.naspipeline.worker.model.ModelBuilder;
import org.naspipeline.worker.model.NetworkPlan;
import org.naspipeline.worker.model.PlanBlocks;

/**
 * The compression stages of a trial, in the pipeline's order: layer dropping → structured (L1-filter), magnitude or
 * attention-head prune → low-rank → fine-tune → quantize. Each stage measures the model before and after it (validation and test
 * accuracy, weights, non-zero weights, MACs, bytes in the artifact format, batch-1 latency), so the report shows
 * what each step bought; a stage that ruins accuracy still reports, and the search decides.
 *
 * <p>Fine-tuning runs once, after pruning and low-rank, for {@code fineTuneEpochs} at
 * {@code fineTuneLearningRate} (default: the training rate), with the teacher when distilling, and with the
 * magnitude-pruning masks re-applied after every optimizer step. Gradual (AGP) magnitude pruning is itself a
 * fine-tuning run that raises the sparsity on Zhu and Gupta's cubic schedule over its first 75% of steps.
 */
final class CompressionStages {
    /** Fraction of the AGP run over which the sparsity rises; the rest recovers at the final sparsity. */
    private static final double AGP_RAMP = 0.75;
    /** Number of AGP pruning steps (sparsity updates) over the ramp. */
    private static final int AGP_UPDATES = 8;

    private final TrainingLoop loop;
    private final Device device;
    private final ModelBuilder builder;
    private final DatasetSplits data;
    private final SnapshotLatency batchOneP50;

    /** The batch-1 p50 latency in ms of a snapshot: its plan, the plan as a DJL model, the format it is in. */
    interface SnapshotLatency {
        double p50(NetworkPlan plan, Model model, Quantization format);
    }

    /**
     * Stages measuring each snapshot's batch-1 p50 latency with {@code batchOneP50} (the trial's own measurement, in
     * its runtime).
     */
    CompressionStages(TrainingLoop loop, Device device, ModelBuilder builder, DatasetSplits data,
                      SnapshotLatency batchOneP50) {
        this.loop = loop;
        this.device = device;
        this.builder = builder;
        this.data = data;
        this.batchOneP50 = batchOneP50;
    }

    /**
     * The compressed plan (weights as they will be stored), the same before quantization (the plan itself when the
     * candidate does not quantize), the stage reports and the last fine-tuning loss.
     */
    record Outcome(NetworkPlan plan, NetworkPlan unquantized, List<CompressionReport.Stage> stages, double fineTuneLoss,
                   String failure) {
        Outcome(NetworkPlan plan, List<CompressionReport.Stage> stages, double fineTuneLoss, String failure) {
            this(plan, plan, stages, fineTuneLoss, failure);
        }
    }

    Outcome run(TrialRequest req, NetworkPlan trained, Model teacher, ProgressListener progress, BooleanSupplier cancelled)
            throws IOException, TranslateException {
        CompressionSpec c = req.candidate().compression();
        Stages stages = new Stages(progress, snapshot(trained, Quantization.FP32));
        NetworkPlan current = trained;
        double loss = Double.NaN;
        if (c.layerDropping() != null) {
            long t0 = System.nanoTime();
            LayerDropper.Result r = LayerDropper.keepEveryOther(current);
            current = r.plan();
            stages.add("drop", "prune", "every other encoder layer (layers 1, 3, 5… kept with their trained weights)", t0,
                    current, Quantization.FP32, r.changes());
        }
        PruningSpec pruning = c.pruning();
        if (pruning.method() == PruningMethod.L1_FILTER) {
            long t0 = System.nanoTime();
            L1FilterPruner.Result r = L1FilterPruner.prune(current, pruning.ratio());
            current = r.plan();
            stages.add("prune", "prune", "l1-filter ratio " + pruning.ratio(), t0, current, Quantization.FP32, r.changes());
        } else if (pruning.method() == PruningMethod.MAGNITUDE) {
            long t0 = System.nanoTime();
            String settings = "magnitude sparsity " + pruning.ratio() + " scope " + pruning.scope() + " schedule "
                    + pruning.schedule();
            if (pruning.gradual() && c.fineTuneEpochs() > 0) {
                FineTuned f = fineTune(req, current, teacher, new AgpSchedule(pruning), cancelled);
                if (f.failure() != null) {
                    return new Outcome(current, stages.list, loss, f.failure());
                }
                current = f.plan();
                loss = f.loss();
                settings += " over " + c.fineTuneEpochs() + " fine-tuning epoch(s)";
            } else {
                current = MagnitudePruner.prune(current, pruning.ratio(), "global".equals(pruning.scope()));
            }
            stages.add("prune", "prune", settings, t0, current, Quantization.FP32, MagnitudePruner.sparsity(current));
        } else if (pruning.method() == PruningMethod.HEADS) {
            long t0 = System.nanoTime();
            HeadPruner.requireEncoders(current);
            double[][] importance = HeadImportanceMeter.measure(current, data.validation(), device, loop.engineLock(), loop.gate());
            boolean global = "global".equals(pruning.scope());
            HeadPruner.Result r = pruning.count() != null ? HeadPruner.pruneCount(current, importance, pruning.count(), global)
                    : HeadPruner.prune(current, importance, pruning.ratio(), global);
            current = r.plan();
            stages.add("prune", "prune", "heads " + (pruning.count() != null ? "count " + pruning.count() : "ratio " + pruning.ratio())
                    + " scope " + pruning.scope()
                    + " by mask-gradient importance on the validation set", t0, current, Quantization.FP32, r.changes());
        }
        if (c.lowRankRatio() < 1.0) {
            long t0 = System.nanoTime();
            LowRank.Result r = LowRank.factorize(current, c.lowRankRatio(), "dense".equals(c.lowRankLayers()));
            current = r.plan();
            stages.add("lowrank", "lowrank", "ratio " + c.lowRankRatio() + ", " + c.lowRankLayers() + " layers", t0, current, Quantization.FP32, r.changes());
        }
        boolean tunedByAgp = pruning.gradual() && c.lowRankRatio() >= 1.0;
        if (c.needsFineTune() && c.fineTuneEpochs() > 0 && !tunedByAgp) {
            long t0 = System.nanoTime();
            FineTuned f = fineTune(req, current, teacher, null, cancelled);
            if (f.failure() != null) {
                return new Outcome(current, stages.list, loss, f.failure());
            }
            current = f.plan();
            loss = f.loss();
            stages.add("finetune", "train", fineTuneSettings(req), t0, current, Quantization.FP32, List.of());
        }
        NetworkPlan unquantized = current;
        if (c.quantization() != Quantization.FP32) {
            long t0 = System.nanoTime();
            NetworkPlan quantized = ArtifactFormat.decode(ArtifactFormat.encode(current, c.quantization()).bytes());
            List<LayerChange> errors = quantizationErrors(current, quantized);
            current = quantized;
            stages.add("quantize", "quantize", c.quantization().name().toLowerCase(Locale.ROOT).replace('_', '-')
                    + " weights; biases and batch-norm fp32", t0, current, c.quantization(), errors);
        }
        return new Outcome(current, unquantized, stages.list, loss, null);
    }

    /** The stage reports so far; each new stage starts from the previous one's measured result. */
    private final class Stages {
        final List<CompressionReport.Stage> list = new ArrayList<>();
        private final ProgressListener progress;
        private Snapshot before;

        Stages(ProgressListener progress, Snapshot first) {
            this.progress = progress;
            this.before = first;
        }

        /** Ends a stage begun at {@code t0}: reports its phase time and measures its result in {@code format}. */
        void add(String stage, String phase, String settings, long t0, NetworkPlan result, Quantization format,
                 List<LayerChange> layers) {
            double seconds = seconds(t0);
            progress.onPhase(phase, seconds);
            Snapshot after = snapshot(result, format);
            list.add(new CompressionReport.Stage(stage, settings, seconds, before, after, layers));
            before = after;
        }
    }

    private static double seconds(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }

    private String fineTuneSettings(TrialRequest req) {
        TrainingSpec t = fineTuneTraining(req);
        DistillationSpec d = req.candidate().compression().distillation();
        return t.epochs() + " epoch(s) at learning rate " + t.learningRate() + " (" + t.optimizer() + ")"
                + (!d.enabled() ? "" : d.fromTrainedModel() ? " distilled from the trained model" : " with the teacher")
                + (d.enabled() && d.intermediate() != null ? " (logits, hidden states and attention)" : "");
    }

    private static TrainingSpec fineTuneTraining(TrialRequest req) {
        CompressionSpec c = req.candidate().compression();
        TrainingSpec t = req.training();
        return new TrainingSpec(c.fineTuneEpochs(), t.batchSize(),
                c.fineTuneLearningRate() == null ? t.learningRate() : c.fineTuneLearningRate(), t.optimizer(), t.schedule());
    }

    private record FineTuned(NetworkPlan plan, double loss, String failure) {}

    /** Fine-tunes {@code plan}; masks are re-applied after every step, and {@code agp} (if set) raises the sparsity. */
    private FineTuned fineTune(TrialRequest req, NetworkPlan plan, Model teacher, AgpSchedule agp, BooleanSupplier cancelled)
            throws IOException, TranslateException {
        PlanBlocks.Built[] built = {PlanBlocks.build(plan)};
        try (Model model = Model.newInstance(req.trialId() + "-finetune", device)) {
            model.setBlock(built[0].block());
            PlanBlocks.initializeAndLoad(built[0], model.getNDManager());
            TrainingLoop.StepHook hook = (step, total) -> {
                if (agp != null && agp.due(step, total)) {
                    NetworkPlan pruned = MagnitudePruner.prune(PlanBlocks.capture(built[0]),
                            agp.sparsity(step, total), agp.global());
                    built[0] = new PlanBlocks.Built(pruned, built[0].block(), built[0].weighted());
                    PlanBlocks.load(built[0]);
                } else {
                    applyMasks(built[0]);
                }
            };
            TrainingLoop.Regime regime = new TrainingLoop.Regime(fineTuneTraining(req), teacher,
                    req.candidate().compression().distillation(), hook, false);
            TrainingLoop.Stats stats = loop.train(req, regime, model, data, ProgressListener.NONE, cancelled);
            if (stats.failure() != null) {
                return new FineTuned(plan, Double.NaN, "fine-tuning failed: " + stats.failure());
            }
            return new FineTuned(PlanBlocks.capture(built[0]), stats.lastEpochLoss(), null);
        }
    }

    /** Sets every masked weight back to zero in the block (after an optimizer step moved it). */
    private static void applyMasks(PlanBlocks.Built built) {
        int[] i = {0};
        built.plan().forEachWeighted((path, layer) -> {
            Block block = built.weighted().get(i[0]++);
            boolean[] mask = NetworkPlan.maskOf(layer);
            if (mask == null) {
                return;
            }
            NDArray w = block.getParameters().get("weight").getArray();
            float[] values = w.toFloatArray();
            for (int j = 0; j < values.length; j++) {
                if (!mask[j]) {
                    values[j] = 0f;
                }
            }
            w.set(values);
        });
    }

    /** Zhu and Gupta's gradual schedule over the first {@link #AGP_RAMP} of the fine-tuning steps. */
    private record AgpSchedule(PruningSpec pruning) {
        boolean global() {
            return "global".equals(pruning.scope());
        }

        long rampSteps(long total) {
            return Math.max(1, (long) Math.floor(total * AGP_RAMP));
        }

        boolean due(long step, long total) {
            long ramp = rampSteps(total);
            long every = Math.max(1, ramp / AGP_UPDATES);
            return step <= ramp && (step % every == 0 || step == ramp);
        }

        double sparsity(long step, long total) {
            return MagnitudePruner.agpSparsity(pruning.ratio(), step, rampSteps(total));
        }
    }

    private static List<LayerChange> quantizationErrors(NetworkPlan fp32, NetworkPlan quantized) {
        List<float[]> original = new ArrayList<>();
        List<String> names = new ArrayList<>();
        fp32.forEachWeighted((path, layer) -> {
            float[] w = NetworkPlan.weightOf(layer);
            if (w != null) {
                original.add(w);
                names.add(path);
            }
        });
        List<LayerChange> out = new ArrayList<>();
        int[] i = {0};
        quantized.forEachWeighted((path, layer) -> {
            float[] w = NetworkPlan.weightOf(layer);
            if (w != null) {
                float[] x = original.get(i[0]++);
                out.add(new LayerChange(path, layer.toString(), layer.toString(), Quantizer.relativeError(x, w), null));
            }
        });
        return out;
    }

    /** Measures a plan as a model: accuracies, weights, MACs, bytes in {@code quantization}, batch-1 p50 latency. */
    Snapshot snapshot(NetworkPlan plan, Quantization quantization) {
        long bytes = ArtifactFormat.encode(plan, quantization).bytes().length;
        PlanBlocks.Built built = PlanBlocks.build(plan);
        try (Model model = Model.newInstance("snapshot", device)) {
            model.setBlock(built.block());
            PlanBlocks.initializeAndLoad(built, model.getNDManager());
            long[] params = ModelMeter.parameters(built.block());
            return new Snapshot(ModelMeter.accuracy(model, data.validation(), loop.gate()),
                    ModelMeter.accuracy(model, data.test(), loop.gate()), params[0], params[1],
                    MacCounter.count(built.block(), builder.inputShape(1)), bytes, batchOneP50.p50(plan, model, quantization));
        }
    }
}
