package org.naspipeline.worker.compress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.naspipeline.api.Quantization;
import org.naspipeline.worker.model.NetworkPlan;
import org.naspipeline.worker.model.NetworkPlan.Dense;
import org.naspipeline.worker.model.NetworkPlan.Embed;
import org.naspipeline.worker.model.NetworkPlan.Encoder;
import org.naspipeline.worker.model.NetworkPlan.Layer;
import org.naspipeline.worker.model.NetworkPlan.LayerNorm;
import org.naspipeline.worker.model.NetworkPlan.Patches;
import org.naspipeline.worker.model.NetworkPlan.TokenPool;

/** The token layers (transformer family) in {@code model.nasm}: structure and arrays round-trip. */
class ArtifactFormatTokensTest {

    static Encoder encoder(int d, int heads, int headDim, int hidden, boolean preNorm, double dropout) {
        int inner = heads * headDim;
        return new Encoder(heads, headDim, preNorm, dropout, new LayerNorm(d, null, null), new Dense(d, inner, true, null, null),
                new Dense(d, inner, false, null, null), new Dense(d, inner, true, null, null), new Dense(inner, d, true, null, null),
                new LayerNorm(d, null, null), new Dense(d, hidden, true, null, null), new Dense(hidden, d, true, null, null));
    }

    /** A small ViT with every token kind, both encoder variants and both embeddings, with random values everywhere. */
    static NetworkPlan plan() {
        NetworkPlan skeleton = new NetworkPlan(new long[] {3, 8, 8}, 4, List.of(new Patches(3, 4), new Dense(48, 8, true, null, null),
                new Embed(4, 8, true, null, null), encoder(8, 2, 4, 16, true, 0.1), encoder(8, 4, 2, 12, false, 0.25),
                new LayerNorm(8, null, null), new TokenPool(true), new Dense(8, 5, true, null, null), new Embed(1, 5, false, null, null),
                new TokenPool(false), new Dense(5, 4, true, null, null)));
        Random r = new Random(5);
        IdentityHashMap<Layer, Layer> with = new IdentityHashMap<>();
        skeleton.forEachWeighted((path, layer) -> {
            if (layer instanceof Dense d) {
                with.put(d, d.with(random(r, d.in() * d.out()), d.hasBias() ? random(r, d.out()) : null));
            } else if (layer instanceof NetworkPlan.Stateful st) {
                List<float[]> values = new ArrayList<>();
                int[] sizes = layer instanceof Embed e ? (e.cls() ? new int[] {e.width(), e.outTokens() * e.width()} : new int[] {e.outTokens() * e.width()})
                        : new int[] {((LayerNorm) layer).width(), ((LayerNorm) layer).width()};
                for (int n : sizes) {
                    values.add(random(r, n));
                }
                with.put(layer, st.withValues(values));
            }
        });
        return skeleton.withReplaced(with);
    }

    static float[] random(Random r, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) r.nextGaussian();
        }
        return x;
    }

    /** Every trained array by path and name, in file order. */
    static List<String> arrays(NetworkPlan plan) {
        List<String> out = new ArrayList<>();
        plan.forEachWeighted((path, layer) -> {
            if (layer instanceof Dense d) {
                out.add(path + ".weight=" + java.util.Arrays.toString(d.weight()));
                out.add(path + ".bias=" + java.util.Arrays.toString(d.bias()));
            } else if (layer instanceof NetworkPlan.Stateful st) {
                for (int i = 0; i < st.names().size(); i++) {
                    out.add(path + "." + st.names().get(i) + "=" + java.util.Arrays.toString(st.values().get(i)));
                }
            }
        });
        return out;
    }

    @Test
    void fp32RoundTripsTheTokenLayersExactly() throws IOException {
        NetworkPlan plan = plan();
        assertThat(plan.hasWeights()).isTrue();
        NetworkPlan back = ArtifactFormat.decode(ArtifactFormat.encode(plan, Quantization.FP32).bytes());
        assertThat(back.inputShape()).containsExactly(3, 8, 8);
        // Embed has no toString of its own (a record's prints its arrays' identities): compared field by field below
        assertThat(back.layers()).extracting(l -> l instanceof Embed ? "embed" : l.toString())
                .containsExactlyElementsOf(plan.layers().stream().map(l -> l instanceof Embed ? "embed" : l.toString()).toList());
        Encoder e = (Encoder) back.layers().get(4);
        assertThat(List.of(e.heads(), e.headDim(), e.preNorm(), e.dropout())).containsExactly(4, 2, false, 0.25);
        assertThat(((Encoder) back.layers().get(3)).key().hasBias()).isFalse();
        Embed cls = (Embed) back.layers().get(2);
        assertThat(List.of(cls.tokens(), cls.width(), cls.cls())).containsExactly(4, 8, true);
        assertThat(((Embed) back.layers().get(8)).cls()).isFalse();
        assertThat(((Patches) back.layers().get(0))).isEqualTo(new Patches(3, 4));
        assertThat(back.layers().get(6)).isEqualTo(new TokenPool(true));
        assertThat(back.layers().get(9)).isEqualTo(new TokenPool(false));
        List<String> arrays = arrays(plan);
        assertThat(arrays(back)).containsExactlyElementsOf(arrays);
        // 15 dense layers outside and in the encoders (weight, bias; one key's bias null), 1 + 2·2 layer norms, 3 embedding arrays
        assertThat(arrays).hasSize(2 * 15 + 2 * 5 + 3).contains("layers[3].key.bias=null").anySatisfy(a -> assertThat(a).startsWith("layers[3].fc2.weight="));
    }

    @Test
    void int8QuantizesTheEncoderWeightsAndKeepsNormsAndEmbeddingsExact() throws IOException {
        NetworkPlan plan = plan();
        ArtifactFormat.Encoded perChannel = ArtifactFormat.encode(plan, Quantization.INT8_PER_CHANNEL);
        assertThat(perChannel.weightEncodings()).containsExactly("i8-channel");
        NetworkPlan back = ArtifactFormat.decode(perChannel.bytes());
        Encoder e = (Encoder) plan.layers().get(3);
        Encoder decoded = (Encoder) back.layers().get(3);
        Quantizer.Symmetric s = Quantizer.perChannel(e.fc1().weight(), e.fc1().out());
        for (int i = 0; i < e.fc1().weight().length; i++) {
            assertThat(decoded.fc1().weight()[i]).isEqualTo(s.value(i));
        }
        assertThat(decoded.fc1().bias()).containsExactly(e.fc1().bias());
        assertThat(decoded.norm2().gamma()).containsExactly(e.norm2().gamma());
        assertThat(((Embed) back.layers().get(2)).positions()).containsExactly(((Embed) plan.layers().get(2)).positions());
        assertThat(((Embed) back.layers().get(2)).clsToken()).containsExactly(((Embed) plan.layers().get(2)).clsToken());
    }

    /** The file with its header's JSON text put through {@code edit} (header length rewritten). */
    static byte[] withHeader(byte[] file, java.util.function.UnaryOperator<String> edit) {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(file);
        int length = b.getInt(5);
        String header = new String(file, 9, length, java.nio.charset.StandardCharsets.UTF_8);
        byte[] edited = edit.apply(header).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        java.nio.ByteBuffer out = java.nio.ByteBuffer.allocate(file.length - length + edited.length);
        out.put(file, 0, 5).putInt(edited.length).put(edited).put(file, 9 + length, file.length - 9 - length);
        return out.array();
    }

    /** A damaged header (a field missing, null, of the wrong kind, or layers that do not fit) is an IOException. */
    @Test
    void aMalformedHeaderIsRefusedAsAnUnreadableFile() {
        byte[] file = ArtifactFormat.encode(plan(), Quantization.FP32).bytes();
        assertThat(withHeader(file, h -> h)).isEqualTo(file);
        List<java.util.function.UnaryOperator<String>> damage = List.of(
                h -> h.replaceFirst("\"heads\":\\d+,", ""),
                h -> h.replaceFirst("\"heads\":\\d+", "\"heads\":null"),
                h -> h.replaceFirst("\"heads\":\\d+", "\"heads\":\"two\""),
                h -> h.replaceFirst("\"heads\":\\d+", "\"heads\":99999999999"),
                h -> h.replaceFirst("\"parts\":", "\"partz\":"),
                h -> h.replaceFirst("\"tokens\":", "\"tokenz\":"),
                h -> h.replaceFirst("\"type\":\"layernorm\",\"width\":\\d+", "\"type\":\"layernorm\",\"width\":3"),
                h -> h.replaceFirst("\"type\":\"embed\",\"tokens\":\\d+", "\"type\":\"embed\",\"tokens\":5"));
        for (java.util.function.UnaryOperator<String> d : damage) {
            byte[] bad = withHeader(file, d);
            assertThat(bad).isNotEqualTo(file);
            assertThatThrownBy(() -> ArtifactFormat.decode(bad)).isInstanceOf(IOException.class)
                    .hasMessageContaining("model.nasm");
        }
    }

    @Test
    void anEncoderWithTheWrongPartsIsRefused() {
        byte[] file = ArtifactFormat.encode(plan(), Quantization.FP32).bytes();
        String text = new String(file, StandardCharsets.ISO_8859_1);
        // the first encoder's norm1 becomes a ReLU, padded with JSON whitespace to keep the header's length
        String norm = "{\"type\":\"layernorm\",\"width\":8}";
        String tampered = text.replaceFirst(java.util.regex.Pattern.quote(norm), "{\"type\":\"relu\"" + " ".repeat(norm.length() - 15) + "}");
        assertThat(tampered).isNotEqualTo(text).hasSameSizeAs(text);
        assertThatThrownBy(() -> ArtifactFormat.decode(tampered.getBytes(StandardCharsets.ISO_8859_1))).isInstanceOf(IOException.class)
                .hasMessage("an encoder in model.nasm has Relu[] as its norm1, not a layer norm");
    }

    /** A model on token ids: the table is one more embedding array, and the vocabulary is written only for it. */
    @Test
    void aModelOnTokenIdsRoundTripsItsTableAndVocabulary() throws IOException {
        NetworkPlan skeleton = new NetworkPlan(new long[] {6}, 3, List.of(Embed.ofIds(6, 8, true, 40), encoder(8, 2, 4, 16, true, 0.0),
                new LayerNorm(8, null, null), new TokenPool(false), new Dense(8, 3, true, null, null)));
        Random r = new Random(8);
        IdentityHashMap<Layer, Layer> with = new IdentityHashMap<>();
        skeleton.forEachWeighted((path, layer) -> {
            if (layer instanceof Dense d) {
                with.put(d, d.with(random(r, d.in() * d.out()), d.hasBias() ? random(r, d.out()) : null));
            } else if (layer instanceof Embed e) {
                with.put(e, e.withValues(List.of(random(r, 40 * 8), random(r, 8), random(r, 7 * 8))));
            } else if (layer instanceof LayerNorm n) {
                with.put(n, n.withValues(List.of(random(r, 8), random(r, 8))));
            }
        });
        NetworkPlan plan = skeleton.withReplaced(with);
        for (Quantization q : List.of(Quantization.FP32, Quantization.INT8_PER_CHANNEL)) {
            byte[] file = ArtifactFormat.encode(plan, q).bytes();
            NetworkPlan back = ArtifactFormat.decode(file);
            Embed embed = (Embed) back.layers().get(0);
            assertThat(List.of(embed.vocabulary(), embed.tokens(), embed.cls())).containsExactly(40, 6, true);
            assertThat(embed.table()).as("%s: the table stays float", q).containsExactly(((Embed) plan.layers().get(0)).table());
            assertThat(back.vocabulary()).isEqualTo(40);
            assertThat(new String(file, StandardCharsets.ISO_8859_1)).contains("\"vocabulary\":40");
        }
        assertThat(new String(ArtifactFormat.encode(plan(), Quantization.FP32).bytes(), StandardCharsets.ISO_8859_1))
                .as("image models' files are as before").doesNotContain("vocabulary");
        byte[] file = ArtifactFormat.encode(plan, Quantization.FP32).bytes();
        for (String bad : List.of("1", "-3", "\"x\"", "99999999999", "2.5", "null", "[40]")) {
            assertThatThrownBy(() -> ArtifactFormat.decode(withHeader(file, h -> h.replace("\"vocabulary\":40", "\"vocabulary\":" + bad))))
                    .as(bad).isInstanceOf(IOException.class).hasMessageContaining("model.nasm");
        }
        assertThatThrownBy(() -> ArtifactFormat.decode(withHeader(file, h -> h.replace(",\"vocabulary\":40", ""))))
                .as("the table without a vocabulary").isInstanceOf(IOException.class).hasMessageContaining("model.nasm");
    }
}
