package org.naspipeline.worker.data;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** Reads one dataset format from a directory. */
public interface DatasetLoader {
    /** Files the directory must hold (a {@code .gz} variant counts where the format allows it). */
    List<String> requiredFiles();

    /** Which of the required files {@code dir} lacks. */
    default List<String> missingFiles(Path dir) {
        return requiredFiles().stream()
                .filter(f -> !java.nio.file.Files.isRegularFile(dir.resolve(f))
                        && !java.nio.file.Files.isRegularFile(dir.resolve(f + ".gz")))
                .toList();
    }

    /** What {@code dir} lacks, for messages: {@link #missingFiles} as a list by default. */
    default String describeMissing(Path dir) {
        return missingFiles(dir).toString();
    }

    /** Reads up to {@code limit} raw (unnormalized) examples of the training or the test file. */
    TensorData read(Path dir, boolean train, int limit) throws IOException;

    /**
     * {@code test} made to fit the model trained on {@code train}, called before the two are compared: unchanged
     * by default; token sequences are padded or cut to the training length.
     */
    default TensorData conform(TensorData test, TensorData train) {
        return test;
    }

    /**
     * Per-channel (images) or per-feature (tables, token positions) mean and standard deviation to normalize
     * with: published constants for the image sets, statistics of the training examples for tables, mean 0 and
     * deviation 1 for token ids (which are not scaled).
     */
    float[][] normalization(TensorData train);
}
