package org.naspipeline.worker.pipeline;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import java.io.IOException;
import java.net.URI;
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
 * Loads a trained model from a trial attempt directory ({@code artifactUri} of a completed result) as a plan
 * with weights: the {@code model.nasm} of a compressed model as stored, or else the DJL parameters of an
 * uncompressed one, built from the architecture in its {@code candidate.json}. Teachers and the base models of
 * compression-only experiments come from here. Every failure is an {@link IllegalArgumentException} naming
 * {@code what} (e.g. {@code compression.distillation.teacher}) and the problem.
 */
final class TrainedModels {
    private TrainedModels() {}

    /** A loaded model: the architecture it was trained for and its weights. */
    record Loaded(ArchitectureSpec architecture, NetworkPlan plan) {}

    static Loaded load(String what, String uri, ModelBuilder builder, Device device) throws IOException {
        Path dir;
        try {
            dir = Path.of(URI.create(uri));
        } catch (IllegalArgumentException | java.nio.file.FileSystemNotFoundException e) {
            throw new IllegalArgumentException(what + ": '" + uri + "' is not a file: URI of a trial attempt directory");
        }
        Path candidateFile = dir.resolve("candidate.json");
        if (!Files.isRegularFile(candidateFile)) {
            throw new IllegalArgumentException(what + ": " + dir + " holds no candidate.json (not a trial attempt "
                    + "directory, or not reachable from this worker)");
        }
        Candidate candidate = JsonCodec.readCandidate(Files.readAllBytes(candidateFile));
        NetworkPlan expected = builder.plan(candidate.architecture());
        NetworkPlan plan;
        Path compressed = dir.resolve(FileArtifactStore.COMPRESSED_FILE);
        if (Files.isRegularFile(compressed)) {
            plan = ArtifactFormat.decode(Files.readAllBytes(compressed));
        } else {
            plan = loadDjl(what, dir.resolve("model"), expected, device);
        }
        if (!Arrays.equals(plan.inputShape(), expected.inputShape()) || plan.classes() != expected.classes()) {
            throw new IllegalArgumentException(what + ": the model at " + dir + " takes inputs of shape "
                    + Arrays.toString(plan.inputShape()) + " with " + plan.classes() + " classes; this dataset has "
                    + Arrays.toString(expected.inputShape()) + " with " + expected.classes());
        }
        return new Loaded(candidate.architecture(), plan);
    }

    private static NetworkPlan loadDjl(String what, Path modelDir, NetworkPlan expected, Device device) throws IOException {
        if (!Files.isDirectory(modelDir)) {
            throw new IllegalArgumentException(what + ": " + modelDir.getParent() + " has neither model.nasm nor model/");
        }
        PlanBlocks.Built built = PlanBlocks.build(expected);
        try (Model model = Model.newInstance("loaded", device)) {
            model.setBlock(built.block());
            built.block().initialize(model.getNDManager(), ai.djl.ndarray.types.DataType.FLOAT32,
                    ModelBuilder.batchShape(expected.inputShape(), 1));
            model.load(modelDir, "model");
            return PlanBlocks.capture(built);
        } catch (MalformedModelException | IllegalArgumentException | IllegalStateException e) {
            throw new IllegalArgumentException(what + ": cannot load the model in " + modelDir + ": " + e.getMessage());
        }
    }
}
