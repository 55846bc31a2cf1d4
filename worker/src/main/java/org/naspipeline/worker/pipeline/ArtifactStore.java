package org.naspipeline.worker.pipeline;

import ai.djl.Model;
import java.io.IOException;
import java.nio.file.Path;
import org.naspipeline.api.TrialMetrics;
import org.naspipeline.api.TrialRequest;

/**
 * Where trained models go: a directory (one machine or a shared volume) or an S3 bucket. Every store keeps one
 * attempt under {@code experimentId/trialId/attempt-N/}: the DJL files {@code model/model-0000.params} of an
 * uncompressed model or the {@code model.nasm} file of a compressed one, the deployable ONNX files
 * {@code model.onnx} and (for an int8 model) {@code model.int8.onnx}, {@code candidate.json} and {@code metrics.json};
 * and, when the request of a multi-fidelity scheduler asks for one, {@code checkpoint.nasckpt}: the weights and optimizer
 * state right after training, before any compression stage (format in {@code CheckpointFile}), which a later attempt
 * of the trial reads back through {@link #readFile} to continue training from. A lost or unreadable checkpoint is
 * not an error: that attempt trains from scratch and says so (see {@code Checkpoints}).
 */
public interface ArtifactStore {
    /** The directory of an uncompressed model's DJL files in an attempt, and the name they are saved under. */
    String MODEL_DIR = "model";
    /** The file of a compressed model in an attempt (see {@link org.naspipeline.worker.compress.ArtifactFormat}). */
    String COMPRESSED_FILE = "model.nasm";
    /** The candidate the attempt trained, which is how a saved model is rebuilt. */
    String CANDIDATE_FILE = "candidate.json";
    /** The attempt's measured metrics. */
    String METRICS_FILE = "metrics.json";
    /** The fp32 ONNX model of an attempt (see {@link org.naspipeline.worker.onnx.OnnxExporter}). */
    String ONNX_FILE = "model.onnx";
    /** The int8 ONNX model of an attempt whose candidate quantizes. */
    String ONNX_INT8_FILE = "model.int8.onnx";

    /** The checkpoint of an attempt whose request asked for one (format: {@code CheckpointFile}). */
    String CHECKPOINT_FILE = "checkpoint.nasckpt";

    /** Saves the model of a trial attempt and reports where and how many bytes the saved weights take. */
    StoredArtifact saveModel(TrialRequest request, Model model) throws IOException;

    /**
     * Saves the compressed model of a trial attempt (a {@code model.nasm} file, see
     * {@link org.naspipeline.worker.compress.ArtifactFormat}) and reports where and how many bytes the file takes.
     */
    StoredArtifact saveCompressed(TrialRequest request, byte[] modelFile) throws IOException;

    /** Reads the file of a compressed model saved by {@link #saveCompressed}. */
    byte[] readCompressed(StoredArtifact artifact) throws IOException;

    /**
     * Saves a further file of the attempt, e.g. {@link #ONNX_FILE}, beside the model saved by {@link #saveModel} or
     * {@link #saveCompressed} (which remove what an earlier run of the attempt left, these files included).
     */
    void saveFile(StoredArtifact artifact, String name, byte[] bytes) throws IOException;

    /** Stores the candidate and its metrics beside the saved model. */
    void attachMetadata(StoredArtifact artifact, TrialRequest request, TrialMetrics metrics) throws IOException;

    /**
     * Makes the attempt at {@code uri} (an {@code artifactUri} of a completed result) readable as a local directory
     * and returns that directory: a local attempt directory as it is, a remote attempt copied into {@code into} (an
     * empty directory the caller deletes afterwards). An attempt that does not exist gives a directory without
     * {@link #CANDIDATE_FILE}; a URI this store cannot read is an {@link IllegalArgumentException}.
     */
    Path fetch(String uri, Path into) throws IOException;

    /** The URI of the file {@code name} of the attempt {@code artifact}, which {@link #readFile} reads. */
    default String fileUri(StoredArtifact artifact, String name) {
        return artifact.uri().endsWith("/") ? artifact.uri() + name : artifact.uri() + "/" + name;
    }

    /**
     * Reads one file of an attempt at {@code uri} (as {@link #fileUri} gives it) of at most {@code maxBytes} bytes. A
     * file that does not exist is a {@link java.nio.file.NoSuchFileException}; a larger one an {@link IOException}; a
     * URI outside this store (another scheme, bucket, prefix or directory) an {@link IllegalArgumentException}.
     */
    byte[] readFile(String uri, long maxBytes) throws IOException;

    /** A saved model: its URI and the byte size of the files the engine wrote. */
    record StoredArtifact(String uri, long sizeBytes) {}
}
