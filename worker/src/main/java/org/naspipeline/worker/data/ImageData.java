package org.naspipeline.worker.data;

import java.io.IOException;
import java.nio.file.Path;

/**
 * One split of an image dataset, normalized to zero mean and unit variance with the split's own training
 * statistics so every trial sees identical inputs.
 */
public record ImageData(float[] images, float[] labels, int count, int channels, int height, int width, int classes) {
    /** Fashion-MNIST training-set pixel mean and standard deviation (of values scaled to [0, 1]). */
    static final float MEAN = 0.2860f;
    static final float STD = 0.3530f;

    /** Loads up to {@code limit} examples of {@code split} ({@code train} or {@code t10k}) from {@code dir}. */
    public static ImageData load(Path dir, String split, int limit) throws IOException {
        IdxFiles.ImageSet raw = IdxFiles.read(dir, split, limit);
        float[] images = new float[raw.pixels().length];
        for (int i = 0; i < images.length; i++) {
            images[i] = ((raw.pixels()[i] & 0xFF) / 255f - MEAN) / STD;
        }
        float[] labels = new float[raw.count()];
        for (int i = 0; i < labels.length; i++) {
            int label = raw.labels()[i] & 0xFF;
            if (label > 9) {
                throw new IOException(dir + ": label " + label + " at index " + i + " is outside 0..9");
            }
            labels[i] = label;
        }
        return new ImageData(images, labels, raw.count(), 1, raw.rows(), raw.cols(), 10);
    }
}
