package org.naspipeline.worker.data;

/**
 * Examples of one split as flat float features and class labels. {@code sampleShape} is the shape of one
 * example: {@code (channels, height, width)} for images, {@code (features)} for tables, {@code (length)} for token
 * sequences. For token sequences {@code vocabulary} is the number of token ids (the largest id + 1; id 0 pads) and
 * the features are the ids as floats (exact below 2^24); it is 0 for every other kind of data.
 */
public record TensorData(float[] features, float[] labels, int count, long[] sampleShape, int classes, int vocabulary) {

    /** Examples that are not token sequences. */
    public TensorData(float[] features, float[] labels, int count, long[] sampleShape, int classes) {
        this(features, labels, count, sampleShape, classes, 0);
    }

    /** True for token sequences. */
    public boolean isTokens() {
        return vocabulary > 0;
    }

    /** Number of floats in one example. */
    public int sampleSize() {
        long n = 1;
        for (long d : sampleShape) {
            n *= d;
        }
        return (int) n;
    }

    /** The examples at {@code indices}, in that order. */
    public TensorData select(int[] indices) {
        int size = sampleSize();
        float[] x = new float[indices.length * size];
        float[] y = new float[indices.length];
        for (int i = 0; i < indices.length; i++) {
            System.arraycopy(features, indices[i] * size, x, i * size, size);
            y[i] = labels[indices[i]];
        }
        return new TensorData(x, y, indices.length, sampleShape, classes, vocabulary);
    }

    /** Normalizes in place, per channel (images: the first shape dimension) or per feature (tables). */
    void normalize(float[] mean, float[] std) {
        int size = sampleSize();
        int groups = mean.length;
        int per = size / groups;
        for (int n = 0; n < count; n++) {
            for (int i = 0; i < size; i++) {
                int g = sampleShape.length == 1 ? i : i / per;
                features[n * size + i] = (features[n * size + i] - mean[g]) / std[g];
            }
        }
    }
}
