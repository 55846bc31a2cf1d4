package org.naspipeline.worker.compress;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.naspipeline.api.Quantization;
import org.naspipeline.worker.model.NetworkPlan;
import org.naspipeline.worker.model.NetworkPlan.Conv;
import org.naspipeline.worker.model.NetworkPlan.Dense;
import org.naspipeline.worker.model.NetworkPlan.Layer;
import org.naspipeline.worker.model.NetworkPlan.Weighted;
import org.naspipeline.worker.model.NetworkPlan.Norm;
import org.naspipeline.worker.model.NetworkPlan.Residual;

/**
 * The compressed-model file ({@code model.nasm}): the layer plan and every tensor in the encoding it is stored
 * in, so the file's size is what the model really takes and loading it gives exactly the model that was measured.
 *
 * <pre>
 *   "NASM" · u8 version (1) · i32 header length · header (UTF-8 JSON: inputShape, classes, layers, tensors)
 *   · the tensors' bytes, in the order of header.tensors
 * </pre>
 * Encodings (n values, C output channels; all numbers big-endian):
 * <ul>
 *   <li>{@code f32}: n floats.</li>
 *   <li>{@code u8-affine}: min, max (floats), n unsigned codes ({@link Quantizer#affine}).</li>
 *   <li>{@code i8-channel}: C scales (floats), n signed codes ({@link Quantizer#perChannel}).</li>
 *   <li>{@code …+bitmask}: ⌈n/8⌉ bytes marking the kept (non-pruned) positions, then the encoding above of the
 *       kept values only. Used for magnitude-pruned weights whenever it is smaller than the dense form.</li>
 * </ul>
 * Conv and dense weights (those inside an encoder too) take the chosen quantization; biases, batch-norm statistics,
 * layer-norm scales and embeddings stay f32. An encoder's layer JSON holds its parts as nested layer JSON under
 * {@code parts}, in {@link NetworkPlan.Encoder#partNames()} order, and its factorized MLP layers under {@code factorized}.
 */
public final class ArtifactFormat {
    private static final byte[] MAGIC = "NASM".getBytes(StandardCharsets.US_ASCII);
    private static final int VERSION = 1;
    private static final ObjectMapper JSON = new ObjectMapper();

    private ArtifactFormat() {}

    /** The encoded file and the distinct weight encodings it used (e.g. {@code i8-channel+bitmask}). */
    public record Encoded(byte[] bytes, Set<String> weightEncodings) {}

    /** Encodes a trained plan with its conv and dense weights in {@code quantization}. */
    public static Encoded encode(NetworkPlan plan, Quantization quantization) {
        ObjectNode header = JSON.createObjectNode();
        ArrayNode shape = header.putArray("inputShape");
        for (long d : plan.inputShape()) {
            shape.add(d);
        }
        header.put("classes", plan.classes());
        header.set("layers", layers(plan.layers()));
        ArrayNode tensors = header.putArray("tensors");
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        Set<String> used = new LinkedHashSet<>();
        try (DataOutputStream out = new DataOutputStream(body)) {
            for (Tensor t : tensors(plan)) {
                String encoding = t.weight() ? weightEncoding(t, quantization) : "f32";
                if (t.weight()) {
                    used.add(encoding);
                }
                tensors.addObject().put("name", t.name()).put("encoding", encoding).put("count", t.values().length)
                        .put("rows", t.rows());
                write(out, t, encoding);
            }
            ByteArrayOutputStream file = new ByteArrayOutputStream();
            DataOutputStream f = new DataOutputStream(file);
            byte[] head = JSON.writeValueAsBytes(header);
            f.write(MAGIC);
            f.writeByte(VERSION);
            f.writeInt(head.length);
            f.write(head);
            out.flush();
            body.writeTo(f);
            f.flush();
            return new Encoded(file.toByteArray(), used);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Decodes a file into a plan whose weights are the stored values (dequantized), masks restored from bitmasks. */
    public static NetworkPlan decode(byte[] bytes) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes));
        byte[] magic = in.readNBytes(4);
        if (!java.util.Arrays.equals(magic, MAGIC)) {
            throw new IOException("not a model.nasm file (bad magic)");
        }
        int version = in.readUnsignedByte();
        if (version != VERSION) {
            throw new IOException("model.nasm version " + version + " is not supported (this build reads " + VERSION + ")");
        }
        JsonNode header = JSON.readTree(in.readNBytes(in.readInt()));
        try {
            return body(in, header);
        } catch (RuntimeException e) {
            // a field missing or of the wrong kind, or layers that do not fit together: the file is unusable, whatever
            // the layer (the records' own checks and Jackson's tree both throw unchecked)
            throw new IOException("model.nasm has a malformed header: " + e.getMessage(), e);
        }
    }

    private static NetworkPlan body(DataInputStream in, JsonNode header) throws IOException {
        long[] inputShape = new long[header.get("inputShape").size()];
        for (int i = 0; i < inputShape.length; i++) {
            inputShape[i] = header.get("inputShape").get(i).asLong();
        }
        NetworkPlan skeleton = new NetworkPlan(inputShape, header.get("classes").asInt(), parseLayers(header.get("layers")));
        Iterator<JsonNode> specs = header.get("tensors").iterator();
        List<float[]> values = new ArrayList<>();
        List<boolean[]> masks = new ArrayList<>();
        while (specs.hasNext()) {
            JsonNode spec = specs.next();
            boolean[] mask = new boolean[spec.get("count").asInt()];
            values.add(read(in, spec.get("encoding").asText(), mask, channelsOf(spec)));
            masks.add(spec.get("encoding").asText().endsWith("+bitmask") ? mask : null);
        }
        return fill(skeleton, values, masks);
    }

    /** A tensor in file order: name, values, whether it is a conv/dense weight, its rows and its mask. */
    private record Tensor(String name, float[] values, boolean weight, int rows, boolean[] mask) {}

    private static List<Tensor> tensors(NetworkPlan plan) {
        List<Tensor> out = new ArrayList<>();
        plan.forEachWeighted((path, layer) -> {
            if (layer instanceof Weighted w) {
                out.add(new Tensor(path + ".weight", w.weight(), true, w.out(), w.mask()));
                if (w.hasBias()) {
                    out.add(new Tensor(path + ".bias", w.bias(), false, 1, null));
                }
            } else if (layer instanceof NetworkPlan.Stateful st) {
                for (int i = 0; i < st.names().size(); i++) {
                    out.add(new Tensor(path + "." + st.names().get(i), st.values().get(i), false, 1, null));
                }
            }
        });
        return out;
    }

    private static String weightEncoding(Tensor t, Quantization q) {
        String base = switch (q) {
            case FP32 -> "f32";
            case INT8_PER_TENSOR -> "u8-affine";
            case INT8_PER_CHANNEL -> "i8-channel";
        };
        if (t.mask() == null) {
            return base;
        }
        int n = t.values().length;
        int kept = count(t.mask());
        long fixed = base.equals("f32") ? 0 : base.equals("u8-affine") ? 8 : 4L * t.rows();
        int bytesPer = base.equals("f32") ? 4 : 1;
        long dense = fixed + (long) bytesPer * n;
        long sparse = (n + 7) / 8 + fixed + (long) bytesPer * kept;
        return sparse < dense ? base + "+bitmask" : base;
    }

    private static void write(DataOutputStream out, Tensor t, String encoding) throws IOException {
        float[] v = t.values();
        int[] positions;
        if (encoding.endsWith("+bitmask")) {
            byte[] bits = new byte[(v.length + 7) / 8];
            positions = new int[count(t.mask())];
            int p = 0;
            for (int i = 0; i < v.length; i++) {
                if (t.mask()[i]) {
                    bits[i >> 3] |= (byte) (1 << (i & 7));
                    positions[p++] = i;
                }
            }
            out.write(bits);
        } else {
            positions = new int[v.length];
            java.util.Arrays.setAll(positions, i -> i);
        }
        float[] kept = new float[positions.length];
        for (int i = 0; i < positions.length; i++) {
            kept[i] = v[positions[i]];
        }
        if (encoding.startsWith("f32")) {
            for (float x : kept) {
                out.writeFloat(x);
            }
        } else if (encoding.startsWith("u8-affine")) {
            Quantizer.Affine a = Quantizer.affine(kept);
            out.writeFloat(a.min());
            out.writeFloat(a.max());
            out.write(a.codes());
        } else {
            // per-channel scales come from each row's kept values; codes follow in position order
            int per = v.length / t.rows();
            int[] channelOf = new int[positions.length];
            for (int i = 0; i < positions.length; i++) {
                channelOf[i] = positions[i] / per;
            }
            float[] scales = Quantizer.scalesOf(kept, channelOf, t.rows());
            for (float scale : scales) {
                out.writeFloat(scale);
            }
            out.write(Quantizer.symmetricCodes(kept, channelOf, scales));
        }
    }

    private static int channelsOf(JsonNode spec) {
        return spec.has("rows") ? spec.get("rows").asInt() : 1;
    }

    private static float[] read(DataInputStream in, String encoding, boolean[] mask, int rows) throws IOException {
        int n = mask.length;
        int[] positions;
        if (encoding.endsWith("+bitmask")) {
            byte[] bits = in.readNBytes((n + 7) / 8);
            List<Integer> kept = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                mask[i] = (bits[i >> 3] & (1 << (i & 7))) != 0;
                if (mask[i]) {
                    kept.add(i);
                }
            }
            positions = kept.stream().mapToInt(Integer::intValue).toArray();
        } else {
            positions = new int[n];
            java.util.Arrays.setAll(positions, i -> i);
        }
        float[] v = new float[n];
        if (encoding.startsWith("f32")) {
            for (int p : positions) {
                v[p] = in.readFloat();
            }
        } else if (encoding.startsWith("u8-affine")) {
            float min = in.readFloat();
            float max = in.readFloat();
            for (int p : positions) {
                v[p] = Quantizer.dequantize(in.readUnsignedByte(), min, max);
            }
        } else if (encoding.startsWith("i8-channel")) {
            float[] scales = new float[rows];
            for (int c = 0; c < rows; c++) {
                scales[c] = in.readFloat();
            }
            int per = n / rows;
            for (int p : positions) {
                v[p] = in.readByte() * scales[p / per];
            }
        } else {
            throw new IOException("unknown tensor encoding '" + encoding + "'");
        }
        return v;
    }

    private static ArrayNode layers(List<Layer> layers) {
        ArrayNode arr = JSON.createArrayNode();
        for (Layer l : layers) {
            l.accept(new LayerJson(arr.addObject()));
        }
        return arr;
    }

    /** Each kind of layer as the file's layer JSON ({@code type} and its shape), written into {@code o}. */
    private record LayerJson(ObjectNode o) implements NetworkPlan.Cases<ObjectNode> {
        @Override
        public ObjectNode conv(Conv c) {
            return o.put("type", "conv").put("in", c.in()).put("out", c.out()).put("kernel", c.kernel())
                    .put("groups", c.groups()).put("bias", c.hasBias());
        }

        @Override
        public ObjectNode dense(Dense d) {
            return o.put("type", "dense").put("in", d.in()).put("out", d.out()).put("bias", d.hasBias());
        }

        @Override
        public ObjectNode norm(Norm n) {
            return o.put("type", "norm").put("channels", n.channels());
        }

        @Override
        public ObjectNode relu(NetworkPlan.Relu relu) {
            return o.put("type", "relu");
        }

        @Override
        public ObjectNode pool(NetworkPlan.Pool p) {
            return o.put("type", "pool").put("max", p.max());
        }

        @Override
        public ObjectNode flatten(NetworkPlan.Flatten flatten) {
            return o.put("type", "flatten");
        }

        @Override
        public ObjectNode dropout(NetworkPlan.Dropout d) {
            return o.put("type", "dropout").put("rate", d.rate());
        }

        @Override
        public ObjectNode residual(Residual r) {
            o.put("type", "residual");
            o.set("body", layers(r.body()));
            o.set("shortcut", layers(r.shortcut()));
            return o;
        }

        @Override
        public ObjectNode patches(NetworkPlan.Patches p) {
            return o.put("type", "patches").put("channels", p.channels()).put("patch", p.patch());
        }

        @Override
        public ObjectNode embed(NetworkPlan.Embed e) {
            o.put("type", "embed").put("tokens", e.tokens()).put("width", e.width()).put("cls", e.cls());
            return e.looksUpIds() ? o.put("vocabulary", e.vocabulary()) : o; // absent in files of image models, as before
        }

        @Override
        public ObjectNode layerNorm(NetworkPlan.LayerNorm n) {
            return o.put("type", "layernorm").put("width", n.width());
        }

        /**
         * Its parts as nested layer JSON in {@link NetworkPlan.Encoder#partNames()} order, under {@code parts}, and the
         * MLP layers that are factorized under {@code factorized} (written only when there are some).
         */
        @Override
        public ObjectNode encoder(NetworkPlan.Encoder e) {
            o.put("type", "encoder").put("heads", e.heads()).put("headDim", e.headDim()).put("preNorm", e.preNorm())
                    .put("dropout", e.dropout());
            if (!e.factorized().isEmpty()) {
                com.fasterxml.jackson.databind.node.ArrayNode f = o.putArray("factorized");
                e.factorized().forEach(f::add);
            }
            o.set("parts", layers(e.parts()));
            return o;
        }

        @Override
        public ObjectNode tokenPool(NetworkPlan.TokenPool t) {
            return o.put("type", "tokenpool").put("cls", t.cls());
        }
    }

    /** An embedding's vocabulary: absent (0) for embeddings of tokens rather than ids, as in files of image models. */
    private static int vocabulary(JsonNode embed) throws IOException {
        JsonNode v = embed.get("vocabulary");
        if (v == null) {
            return 0;
        }
        if (!v.isInt() || v.intValue() < 2) {
            throw new IOException("an embedding in model.nasm has vocabulary " + v + ", not a whole number of at least 2 ids");
        }
        return v.intValue();
    }

    private static List<Layer> parseLayers(JsonNode arr) throws IOException {
        List<Layer> out = new ArrayList<>();
        for (JsonNode o : arr) {
            String type = o.get("type").asText();
            out.add(switch (type) {
                case "conv" -> new Conv(o.get("in").asInt(), o.get("out").asInt(), o.get("kernel").asInt(),
                        o.get("groups").asInt(), o.get("bias").asBoolean(), null, null);
                case "dense" -> new Dense(o.get("in").asInt(), o.get("out").asInt(), o.get("bias").asBoolean(), null, null);
                case "norm" -> new Norm(o.get("channels").asInt(), null, null, null, null);
                case "relu" -> new NetworkPlan.Relu();
                case "pool" -> new NetworkPlan.Pool(o.get("max").asBoolean());
                case "flatten" -> new NetworkPlan.Flatten();
                case "dropout" -> new NetworkPlan.Dropout(o.get("rate").asDouble());
                case "residual" -> new Residual(parseLayers(o.get("body")), parseLayers(o.get("shortcut")));
                case "patches" -> new NetworkPlan.Patches(o.get("channels").asInt(), o.get("patch").asInt());
                case "embed" -> new NetworkPlan.Embed(o.get("tokens").asInt(), o.get("width").asInt(), o.get("cls").asBoolean(), null, null,
                        vocabulary(o), null);
                case "layernorm" -> new NetworkPlan.LayerNorm(o.get("width").asInt(), null, null);
                case "encoder" -> encoder(o);
                case "tokenpool" -> new NetworkPlan.TokenPool(o.get("cls").asBoolean());
                default -> throw new IOException("unknown layer type '" + type + "' in model.nasm");
            });
        }
        return out;
    }

    /**
     * An encoder from its JSON: its parts must be the layer norms and dense layers of
     * {@link NetworkPlan.Encoder#partNames(List)} for its {@code factorized} MLP layers (none when absent).
     */
    private static NetworkPlan.Encoder encoder(JsonNode o) throws IOException {
        List<Layer> parts = parseLayers(o.get("parts"));
        List<String> factorized = new ArrayList<>();
        for (JsonNode name : o.path("factorized")) {
            if (!List.of("fc1", "fc2").contains(name.asText()) || factorized.contains(name.asText())) {
                throw new IOException("an encoder in model.nasm names " + name + " as factorized; only fc1 and fc2, once each, can be");
            }
            factorized.add(name.asText());
        }
        factorized.sort(java.util.Comparator.naturalOrder());
        List<String> names = NetworkPlan.Encoder.partNames(factorized);
        if (parts.size() != names.size()) {
            throw new IOException("an encoder in model.nasm has " + parts.size() + " parts, not the " + names.size() + " " + names);
        }
        for (int i = 0; i < parts.size(); i++) {
            boolean norm = names.get(i).startsWith("norm");
            if (norm ? !(parts.get(i) instanceof NetworkPlan.LayerNorm) : !(parts.get(i) instanceof Dense)) {
                throw new IOException("an encoder in model.nasm has " + parts.get(i) + " as its " + names.get(i)
                        + ", not a " + (norm ? "layer norm" : "dense layer"));
            }
        }
        try {
            return NetworkPlan.Encoder.of(o.get("heads").asInt(), o.get("headDim").asInt(), o.get("preNorm").asBoolean(),
                    o.get("dropout").asDouble(), factorized, parts);
        } catch (IllegalArgumentException e) {
            throw new IOException("an encoder in model.nasm does not fit together: " + e.getMessage());
        }
    }

    private static NetworkPlan fill(NetworkPlan skeleton, List<float[]> values, List<boolean[]> masks) {
        Iterator<float[]> v = values.iterator();
        Iterator<boolean[]> m = masks.iterator();
        java.util.IdentityHashMap<Layer, Layer> filled = new java.util.IdentityHashMap<>();
        skeleton.forEachWeighted((path, layer) -> {
            if (layer instanceof Weighted wl) {
                float[] w = v.next();
                boolean[] mask = m.next();
                float[] b = null;
                if (wl.hasBias()) {
                    b = v.next();
                    m.next();
                }
                filled.put(layer, wl.with(w, b).withMask(mask));
            } else if (layer instanceof NetworkPlan.Stateful st) {
                List<float[]> arrays = new ArrayList<>();
                for (int i = 0; i < st.names().size(); i++) {
                    arrays.add(v.next());
                    m.next();
                }
                filled.put(layer, st.withValues(arrays));
            }
        });
        return skeleton.withReplaced(filled);
    }

    private static int count(boolean[] mask) {
        int n = 0;
        for (boolean b : mask) {
            if (b) {
                n++;
            }
        }
        return n;
    }
}
