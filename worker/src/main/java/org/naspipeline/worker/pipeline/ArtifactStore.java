package org.naspipeline.worker.pipeline;

import ai.djl.Model;
import java.io.IOException;
import org.naspipeline.api.TrialMetrics;
import org.naspipeline.api.TrialRequest;

/** Where trained models go. The filesystem store serves one machine or a shared volume; object stores come later. */
public interface ArtifactStore {
    /** Saves the model of a trial attempt and reports where and how many bytes the saved weights take. */
    StoredArtifact saveModel(TrialRequest request, Model model) throws IOException;

    /**
     * Saves the compressed model of a trial attempt (a {@code model.nasm} file, see
     * {@link org.naspipeline.worker.compress.ArtifactFormat}) and reports where and how many bytes the file takes.
     */
    StoredArtifact saveCompressed(TrialRequest request, byte[] modelFile) throws IOException;

    /** Reads the file of a compressed model saved by {@link #saveCompressed}. */
    byte[] readCompressed(StoredArtifact artifact) throws IOException;

    /** Stores the candidate and its metrics beside the saved model. */
    void attachMetadata(StoredArtifact artifact, TrialRequest request, TrialMetrics metrics) throws IOException;

    /** A saved model: its URI and the byte size of the files the engine wrote. */
    record StoredArtifact(String uri, long sizeBytes) {}
}
