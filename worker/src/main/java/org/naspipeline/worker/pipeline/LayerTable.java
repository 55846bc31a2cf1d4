package org.naspipeline.worker.pipeline;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.ParallelBlock;
import ai.djl.nn.SequentialBlock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.naspipeline.api.TrialMetrics;
import org.naspipeline.worker.model.MacCounter;
import org.naspipeline.worker.model.NetworkPlan;
import org.naspipeline.worker.model.NetworkPlan.Conv;
import org.naspipeline.worker.model.NetworkPlan.Dense;
import org.naspipeline.worker.model.NetworkPlan.Layer;
import org.naspipeline.worker.model.NetworkPlan.Residual;

/**
 * The measured model layer by layer, as a trial's result carries it ({@link TrialMetrics.Layer}): the plan says what
 * each layer is, the built and initialized block its output shape, weights and MACs, counted by the same code as the
 * model's totals ({@link ModelMeter#parameters}, {@link MacCounter}), so the rows add up to them. A residual block's
 * branches come first ({@code layers[2].body[0]}, …, {@code layers[2].shortcut[0]}), then its sum ({@code layers[2]}).
 */
final class LayerTable {
    private LayerTable() {}

    /** The rows of {@code block}, built from {@code plan} by {@code PlanBlocks}, for an input of shape {@code input}. */
    static List<TrialMetrics.Layer> of(NetworkPlan plan, Block block, Shape input) {
        List<TrialMetrics.Layer> rows = new ArrayList<>();
        walk("layers", plan.layers(), block, input, rows);
        return rows;
    }

    private static Shape walk(String prefix, List<Layer> layers, Block block, Shape input, List<TrialMetrics.Layer> rows) {
        if (!(block instanceof SequentialBlock seq) || seq.getChildren().size() != layers.size()) {
            throw new IllegalStateException(prefix + ": the built block does not follow the plan's " + layers.size() + " layers");
        }
        List<Block> children = seq.getChildren().values();
        Shape shape = input;
        for (int i = 0; i < layers.size(); i++) {
            Layer layer = layers.get(i);
            Block child = children.get(i);
            String path = prefix + "[" + i + "]";
            Shape out = child.getOutputShapes(new Shape[] {shape})[0];
            if (layer instanceof Residual r) {
                List<Block> branches = ((ParallelBlock) child).getChildren().values();
                walk(path + ".body", r.body(), branches.get(0), shape, rows);
                if (!r.shortcut().isEmpty()) {
                    walk(path + ".shortcut", r.shortcut(), branches.get(1), shape, rows);
                }
                rows.add(row(path, "residual sum (" + (r.shortcut().isEmpty() ? "identity" : "projection") + " shortcut)",
                        out, new long[] {0, 0}, 0));
            } else {
                rows.add(row(path, describe(layer), out, ModelMeter.parameters(child), MacCounter.count(child, shape)));
            }
            shape = out;
        }
        return shape;
    }

    private static TrialMetrics.Layer row(String path, String what, Shape out, long[] params, long macs) {
        List<Long> dims = new ArrayList<>();
        for (int d = 1; d < out.dimension(); d++) {
            dims.add(out.get(d)); // the batch dimension left out
        }
        return new TrialMetrics.Layer(path, what, dims, params[0], params[1], macs);
    }

    /** What a layer is, in words: {@code conv 3×3, 16→32}, {@code depthwise conv 3×3, 32 channels}, {@code ReLU}. */
    static String describe(Layer layer) {
        return layer.accept(WORDS);
    }

    /** Each kind of layer in words. */
    private static final NetworkPlan.Cases<String> WORDS = new NetworkPlan.Cases<>() {
        @Override
        public String conv(Conv c) {
            String kernel = c.kernel() + "×" + c.kernel();
            if (c.groups() > 1 && c.groups() == c.in() && c.in() == c.out()) {
                return "depthwise conv " + kernel + ", " + c.out() + " channels";
            }
            return "conv " + kernel + ", " + c.in() + "→" + c.out() + (c.groups() > 1 ? ", " + c.groups() + " groups" : "");
        }

        @Override
        public String dense(Dense d) {
            return "dense " + d.in() + "→" + d.out();
        }

        @Override
        public String norm(NetworkPlan.Norm norm) {
            return "batch norm";
        }

        @Override
        public String relu(NetworkPlan.Relu relu) {
            return "ReLU";
        }

        @Override
        public String pool(NetworkPlan.Pool p) {
            return (p.max() ? "max" : "average") + " pool 2×2";
        }

        @Override
        public String flatten(NetworkPlan.Flatten flatten) {
            return "flatten";
        }

        @Override
        public String dropout(NetworkPlan.Dropout d) {
            return "dropout " + String.format(Locale.ROOT, "%.3f", d.rate()).replaceAll("0+$", "").replaceAll("\\.$", "");
        }

        @Override
        public String residual(NetworkPlan.Residual residual) {
            return "residual";
        }

        @Override
        public String patches(NetworkPlan.Patches p) {
            return "patches " + p.patch() + "×" + p.patch() + ", " + p.channels() + (p.channels() == 1 ? " channel" : " channels");
        }

        @Override
        public String embed(NetworkPlan.Embed e) {
            return (e.looksUpIds() ? "token embedding (" + e.vocabulary() + " ids) + " : "") + "position embedding"
                    + (e.cls() ? " (+ class token)" : "");
        }

        @Override
        public String layerNorm(NetworkPlan.LayerNorm n) {
            return "layer norm";
        }

        @Override
        public String encoder(NetworkPlan.Encoder e) {
            return "encoder (" + e.heads() + (e.heads() == 1 ? " head × " : " heads × ") + e.headDim() + ", MLP "
                    + e.hidden() + (e.factorized().isEmpty() ? "" : " low-rank " + rank(e.fc1First()) + "/" + rank(e.fc2First()))
                    + ", " + (e.preNorm() ? "pre-norm" : "post-norm") + ")";
        }

        private static String rank(NetworkPlan.Dense first) {
            return first == null ? "-" : String.valueOf(first.out());
        }

        @Override
        public String tokenPool(NetworkPlan.TokenPool t) {
            return t.cls() ? "class token" : "mean over tokens";
        }
    };
}
