package org.naspipeline.worker.pipeline;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.naspipeline.api.ArchitectureSpec;
import org.naspipeline.api.Candidate;
import org.naspipeline.api.JsonCodec;
import org.naspipeline.worker.compress.ArtifactFormat;
import org.naspipeline.worker.model.ModelBuilder;
import org.naspipeline.worker.model.NetworkPlan;
import org.naspipeline.worker.model.PlanBlocks;

/**
 * Loads a trained model from a trial attempt ({@code artifactUri} of a completed result) as a plan with weights:
 * the {@code model.nasm} of a compressed model as stored, or else the DJL parameters of an uncompressed one, built
 * from the architecture in its {@code candidate.json}. The {@link ArtifactStore} makes the attempt a local
 * directory first (a remote one is downloaded into a temporary directory, deleted afterwards), so this class never
 * looks at URI schemes. Teachers and the base models of compression-only experiments come from here. A missing or
 * unusable model is an {@link IllegalArgumentException} naming {@code what} (e.g.
 * {@code compression.distillation.teacher}) and the problem; a failed read is an {@link IOException} naming it too.
 */
final class TrainedModels {
    private TrainedModels() {}

    /** A loaded model: the architecture it was trained for and its weights. */
    record Loaded(ArchitectureSpec architecture, NetworkPlan plan) {}

    static Loaded load(String what, String uri, ArtifactStore store, ModelBuilder builder, Device device) throws IOException {
        try (ScratchDirectory scratch = ScratchDirectory.create("nas-model-")) {
            Path dir;
            try {
                dir = store.fetch(uri, scratch.path());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(what + ": " + e.getMessage(), e);
            } catch (IOException e) {
                throw new IOException(what + ": " + e.getMessage(), e);
            }
            return load(what, uri, dir, builder, device);
        }
    }

    private static Loaded load(String what, String uri, Path dir, ModelBuilder builder, Device device) throws IOException {
        Path candidateFile = dir.resolve(ArtifactStore.CANDIDATE_FILE);
        if (!Files.isRegularFile(candidateFile)) {
            throw new IllegalArgumentException(what + ": " + uri + " holds no " + ArtifactStore.CANDIDATE_FILE
                    + " (no such trial attempt, or not reachable from this worker)");
        }
        Candidate candidate = JsonCodec.readCandidate(Files.readAllBytes(candidateFile));
        NetworkPlan expected = builder.plan(candidate.architecture());
        NetworkPlan plan;
        Path compressed = dir.resolve(ArtifactStore.COMPRESSED_FILE);
        if (Files.isRegularFile(compressed)) {
            plan = ArtifactFormat.decode(Files.readAllBytes(compressed));
        } else {
            plan = loadDjl(what, uri, dir.resolve(ArtifactStore.MODEL_DIR), expected, device);
        }
        if (!Arrays.equals(plan.inputShape(), expected.inputShape()) || plan.classes() != expected.classes()) {
            throw new IllegalArgumentException(what + ": the model at " + uri + " takes inputs of shape "
                    + Arrays.toString(plan.inputShape()) + " with " + plan.classes() + " classes; this dataset has "
                    + Arrays.toString(expected.inputShape()) + " with " + expected.classes());
        }
        if (plan.vocabulary() < expected.vocabulary() || (plan.vocabulary() == 0) != (expected.vocabulary() == 0)) {
            throw new IllegalArgumentException(what + ": the model at " + uri + (plan.vocabulary() == 0 ? " does not read token ids"
                    : " knows token ids below " + plan.vocabulary()) + "; this dataset has " + (expected.vocabulary() == 0
                    ? "no token ids" : "ids below " + expected.vocabulary()));
        }
        return new Loaded(candidate.architecture(), plan);
    }

    private static NetworkPlan loadDjl(String what, String uri, Path modelDir, NetworkPlan expected, Device device)
            throws IOException {
        if (!Files.isDirectory(modelDir)) {
            throw new IllegalArgumentException(what + ": " + uri + " has neither " + ArtifactStore.COMPRESSED_FILE
                    + " nor " + ArtifactStore.MODEL_DIR + "/");
        }
        PlanBlocks.Built built = PlanBlocks.build(expected);
        try (Model model = Model.newInstance("loaded", device)) {
            model.setBlock(built.block());
            built.block().initialize(model.getNDManager(), ai.djl.ndarray.types.DataType.FLOAT32,
                    ModelBuilder.batchShape(expected.inputShape(), 1));
            model.load(modelDir, ArtifactStore.MODEL_DIR);
            return PlanBlocks.capture(built);
        } catch (MalformedModelException | IllegalArgumentException | IllegalStateException e) {
            throw new IllegalArgumentException(what + ": cannot load the model in " + uri + ": " + e.getMessage(), e);
        }
    }
}
