package org.naspipeline.worker.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.naspipeline.api.Candidate;
import org.naspipeline.api.CompressionSpec;
import org.naspipeline.api.HeadSpec;
import org.naspipeline.api.JsonCodec;
import org.naspipeline.api.Quantization;
import org.naspipeline.api.TransformerArchitecture;
import org.naspipeline.api.TransformerArchitecture.NormPlacement;
import org.naspipeline.api.TransformerArchitecture.TokenPooling;
import org.naspipeline.worker.compress.ArtifactFormat;
import org.naspipeline.worker.model.ModelBuilder;
import org.naspipeline.worker.model.NetworkPlan;

/**
 * A trained model on token ids as a base model or teacher: it serves a dataset whose ids it knows (its table has a row
 * for each), and is refused, naming the setting, for ids beyond its table or for data that are not ids.
 */
class TrainedModelsTokensTest {
    static final TransformerArchitecture BERT = new TransformerArchitecture(1, 8, 2, 2.0, 1, NormPlacement.PRE, TokenPooling.MEAN,
            0.0, new HeadSpec(0, 0.0));

    @TempDir
    Path dir;

    /** An attempt directory holding the model trained on 6-id sequences with ids below 40 (random weights). */
    String attempt() throws IOException {
        NetworkPlan skeleton = new ModelBuilder(new long[] {6}, 3, 40).plan(BERT);
        Random r = new Random(1);
        IdentityHashMap<NetworkPlan.Layer, NetworkPlan.Layer> with = new IdentityHashMap<>();
        skeleton.forEachWeighted((path, layer) -> {
            if (layer instanceof NetworkPlan.Dense d) {
                with.put(d, d.with(random(r, d.in() * d.out()), random(r, d.out())));
            } else if (layer instanceof NetworkPlan.Stateful st) {
                int width = layer instanceof NetworkPlan.Embed e ? e.width() : ((NetworkPlan.LayerNorm) layer).width();
                List<float[]> values = st.names().stream().map(name -> random(r, switch (name) {
                    case "table" -> 40 * width;
                    case "positions" -> 6 * width;
                    default -> width;
                })).toList();
                with.put(layer, st.withValues(values));
            }
        });
        Files.write(dir.resolve(ArtifactStore.COMPRESSED_FILE), ArtifactFormat.encode(skeleton.withReplaced(with), Quantization.FP32).bytes());
        Files.writeString(dir.resolve(ArtifactStore.CANDIDATE_FILE), JsonCodec.writePretty(new Candidate(BERT, CompressionSpec.NONE)));
        return dir.toUri().toString();
    }

    static float[] random(Random r, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) r.nextGaussian();
        }
        return x;
    }

    TrainedModels.Loaded load(String uri, ModelBuilder data) throws IOException {
        return TrainedModels.load("compression.baseModel", uri, new FileArtifactStore(dir), data, Device.cpu());
    }

    @Test
    void aModelServesIdsItsTableCoversAndIsRefusedBeyondThem() throws IOException {
        String uri = attempt();
        assertThat(load(uri, new ModelBuilder(new long[] {6}, 3, 40)).plan().vocabulary()).isEqualTo(40);
        assertThat(load(uri, new ModelBuilder(new long[] {6}, 3, 25)).plan().vocabulary()).as("fewer ids: every one has a row").isEqualTo(40);
        assertThatThrownBy(() -> load(uri, new ModelBuilder(new long[] {6}, 3, 50)))
                .hasMessage("compression.baseModel: the model at " + uri + " knows token ids below 40; this dataset has ids below 50");
        assertThatThrownBy(() -> load(uri, new ModelBuilder(new long[] {8}, 3, 40)))
                .hasMessageContaining("takes inputs of shape [6] with 3 classes; this dataset has [8] with 3");
    }
}
