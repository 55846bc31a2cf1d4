package org.naspipeline.worker.model;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.ParallelBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.norm.Dropout;
import ai.djl.nn.pooling.Pool;
import java.util.ArrayList;
import java.util.List;
import org.naspipeline.worker.model.NetworkPlan.Conv;
import org.naspipeline.worker.model.NetworkPlan.Dense;
import org.naspipeline.worker.model.NetworkPlan.Layer;
import org.naspipeline.worker.model.NetworkPlan.Weighted;
import org.naspipeline.worker.model.NetworkPlan.Norm;
import org.naspipeline.worker.model.NetworkPlan.Residual;
import org.naspipeline.worker.model.NetworkPlan.Stateful;

/**
 * Builds DJL blocks from a {@link NetworkPlan} and moves weights between the two. A residual becomes a
 * {@link ParallelBlock} summing its body and shortcut (the identity when the shortcut is empty).
 */
public final class PlanBlocks {
    private PlanBlocks() {}

    /** A built block and, in the plan's {@link NetworkPlan#forEachWeighted} order, the block of each weighted layer. */
    public record Built(NetworkPlan plan, Block block, List<Block> weighted) {}

    /** Builds the block; weights are not set (initialize, then {@link #load}, or train). */
    public static Built build(NetworkPlan plan) {
        List<Block> weighted = new ArrayList<>();
        SequentialBlock net = sequence(plan.layers(), weighted);
        return new Built(plan, net, weighted);
    }

    private static SequentialBlock sequence(List<Layer> layers, List<Block> weighted) {
        SequentialBlock seq = new SequentialBlock();
        for (Layer layer : layers) {
            seq.add(block(layer, weighted));
        }
        return seq;
    }

    private static Block block(Layer layer, List<Block> weighted) {
        return layer.accept(new BlockCases(weighted));
    }

    /**
     * The DJL block of each kind of layer; a conv, dense or batch-norm block is also added to {@code weighted}, in
     * forward order (the order {@link NetworkPlan#forEachWeighted} visits them in).
     */
    private record BlockCases(List<Block> weighted) implements NetworkPlan.Cases<Block> {
        private Block weighted(Block b) {
            weighted.add(b);
            return b;
        }

        @Override
        public Block conv(Conv c) {
            return weighted(Conv2d.builder().setKernelShape(new Shape(c.kernel(), c.kernel())).setFilters(c.out())
                    .optGroups(c.groups()).optPadding(new Shape(c.kernel() / 2, c.kernel() / 2)).optBias(c.hasBias()).build());
        }

        @Override
        public Block dense(Dense d) {
            return weighted(Linear.builder().setUnits(d.out()).optBias(d.hasBias()).build());
        }

        @Override
        public Block norm(Norm norm) {
            return weighted(BatchNorm.builder().build());
        }

        @Override
        public Block relu(NetworkPlan.Relu relu) {
            return Activation.reluBlock();
        }

        @Override
        public Block pool(NetworkPlan.Pool p) {
            return p.max() ? Pool.maxPool2dBlock(new Shape(2, 2), new Shape(2, 2)) : Pool.avgPool2dBlock(new Shape(2, 2), new Shape(2, 2));
        }

        @Override
        public Block flatten(NetworkPlan.Flatten flatten) {
            return Blocks.batchFlattenBlock();
        }

        @Override
        public Block dropout(NetworkPlan.Dropout d) {
            return Dropout.builder().optRate((float) d.rate()).build();
        }

        @Override
        public Block patches(NetworkPlan.Patches p) {
            return new TokenBlocks.PatchesBlock(p.patch());
        }

        @Override
        public Block embed(NetworkPlan.Embed e) {
            return weighted(new TokenBlocks.EmbedBlock(e));
        }

        @Override
        public Block layerNorm(NetworkPlan.LayerNorm n) {
            return weighted(new TokenBlocks.StreamLayerNorm());
        }

        @Override
        public Block encoder(NetworkPlan.Encoder e) {
            TokenBlocks.EncoderBlock block = new TokenBlocks.EncoderBlock(e);
            weighted.addAll(block.parts());
            return block;
        }

        @Override
        public Block tokenPool(NetworkPlan.TokenPool p) {
            return new TokenBlocks.TokenPoolBlock(p.cls());
        }

        @Override
        public Block residual(Residual r) {
            SequentialBlock body = sequence(r.body(), weighted);
            Block shortcut = r.shortcut().isEmpty() ? Blocks.identityBlock() : sequence(r.shortcut(), weighted);
            return new ParallelBlock(
                    branches -> new NDList(branches.get(0).singletonOrThrow().add(branches.get(1).singletonOrThrow())),
                    List.of(body, shortcut));
        }
    }

    /** The head count of each encoder layer of the built network, in forward order (empty: none). */
    public static int[] heads(Built built) {
        return heads(built.block());
    }

    /** The head count of each encoder layer of {@code network}, in forward order (empty: none). */
    public static int[] heads(Block network) {
        return encoders(network, new ArrayList<>()).stream().mapToInt(TokenBlocks.EncoderBlock::heads).toArray();
    }

    /**
     * Sets a head mask on each encoder layer, in forward order (shape (heads), or (batch, heads) for a row per example;
     * 1 keeps a head, 0 silences it), or clears them all ({@code masks} null); later forward passes use them.
     */
    public static void headMasks(Built built, NDList masks) {
        List<TokenBlocks.EncoderBlock> encoders = encoders(built.block(), new ArrayList<>());
        if (masks != null && masks.size() != encoders.size()) {
            throw new IllegalArgumentException(masks.size() + " head masks for " + encoders.size() + " encoder layers");
        }
        for (int i = 0; i < encoders.size(); i++) {
            encoders.get(i).headMask(masks == null ? null : masks.get(i));
        }
    }

    /**
     * Records into {@code trace} what the encoder layers of {@code network} (a block built here, possibly inside another)
     * compute in later forward passes; null stops recording.
     */
    public static void trace(Block network, EncoderTrace trace) {
        encoders(network, new ArrayList<>()).forEach(e -> e.trace(trace));
    }

    /** The width D of each encoder layer of {@code network}, in forward order (empty: none). */
    public static int[] encoderWidths(Block network) {
        return encoders(network, new ArrayList<>()).stream().mapToInt(TokenBlocks.EncoderBlock::width).toArray();
    }

    private static List<TokenBlocks.EncoderBlock> encoders(Block block, List<TokenBlocks.EncoderBlock> out) {
        if (block instanceof TokenBlocks.EncoderBlock e) {
            out.add(e);
        } else {
            block.getChildren().values().forEach(child -> encoders(child, out));
        }
        return out;
    }

    /** Initializes the block's parameters for batch-1 input, then sets the plan's weights into them. */
    public static void initializeAndLoad(Built built, NDManager manager) {
        built.block().initialize(manager, DataType.FLOAT32, ModelBuilder.batchShape(built.plan().inputShape(), 1));
        load(built);
    }

    /** Sets the plan's weights into the (initialized) block. */
    public static void load(Built built) {
        int[] i = {0};
        built.plan().forEachWeighted((path, layer) -> {
            Block b = built.weighted().get(i[0]++);
            if (layer instanceof Weighted w) {
                set(b, "weight", w.weight(), path);
                if (w.hasBias()) {
                    set(b, "bias", w.bias(), path);
                }
            } else if (layer instanceof Stateful st) {
                for (int n = 0; n < st.names().size(); n++) {
                    set(b, st.names().get(n), st.values().get(n), path);
                }
            }
        });
    }

    /** The plan with the block's current weights copied in (the block is not changed). */
    public static NetworkPlan capture(Built built) {
        List<Block> blocks = built.weighted();
        int[] i = {0};
        java.util.IdentityHashMap<Layer, Layer> captured = new java.util.IdentityHashMap<>();
        built.plan().forEachWeighted((path, layer) -> {
            Block b = blocks.get(i[0]++);
            Layer with = layer;
            if (layer instanceof Weighted w) {
                with = w.with(get(b, "weight"), w.hasBias() ? get(b, "bias") : null);
            } else if (layer instanceof Stateful st) {
                with = st.withValues(st.names().stream().map(name -> get(b, name)).toList());
            }
            captured.put(layer, with);
        });
        return built.plan().withReplaced(captured);
    }

    private static float[] get(Block b, String name) {
        return param(b, name).getArray().toFloatArray();
    }

    private static void set(Block b, String name, float[] values, String path) {
        ai.djl.ndarray.NDArray array = param(b, name).getArray();
        if (values == null || values.length != array.size()) {
            throw new IllegalStateException(path + "." + name + ": the plan has " + (values == null ? "no" : values.length)
                    + " values for a parameter of shape " + array.getShape());
        }
        array.set(values);
    }

    private static Parameter param(Block b, String name) {
        Parameter p = b.getParameters().get(name);
        if (p == null || !p.isInitialized()) {
            throw new IllegalStateException(b.getClass().getSimpleName() + "." + name + " is not initialized");
        }
        return p;
    }
}
