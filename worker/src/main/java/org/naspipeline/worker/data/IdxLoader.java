package org.naspipeline.worker.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPInputStream;

/** MNIST-format IDX files ({@code .gz} or plain): Fashion-MNIST and MNIST, 28×28 grey-scale, 10 classes. */
public final class IdxLoader implements DatasetLoader {
    private static final int LABEL_MAGIC = 0x0801;
    private static final int IMAGE_MAGIC = 0x0803;
    private final float mean;
    private final float std;

    /** A loader normalizing pixels (scaled to [0, 1]) with the dataset's mean and standard deviation. */
    public IdxLoader(float mean, float std) {
        this.mean = mean;
        this.std = std;
    }

    @Override
    public List<String> requiredFiles() {
        return List.of("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte");
    }

    private static Path find(Path dir, String name) throws IOException {
        Path gz = dir.resolve(name + ".gz");
        if (Files.isRegularFile(gz)) {
            return gz;
        }
        Path plain = dir.resolve(name);
        if (Files.isRegularFile(plain)) {
            return plain;
        }
        throw new IOException("missing " + name + "[.gz] in " + dir);
    }

    @Override
    public TensorData read(Path dir, boolean train, int limit) throws IOException {
        String split = train ? "train" : "t10k";
        Path labelsFile = find(dir, split + "-labels-idx1-ubyte");
        Path imagesFile = find(dir, split + "-images-idx3-ubyte");
        byte[] labels;
        try (DataInputStream in = open(labelsFile)) {
            int magic = in.readInt();
            if (magic != LABEL_MAGIC) {
                throw new InvalidDataException(labelsFile + ": not an IDX label file (magic 0x" + Integer.toHexString(magic) + ")");
            }
            int n = Math.min(in.readInt(), limit);
            labels = in.readNBytes(n);
            if (labels.length != n) {
                throw new InvalidDataException(labelsFile + ": truncated after " + labels.length + " labels");
            }
        }
        try (DataInputStream in = open(imagesFile)) {
            int magic = in.readInt();
            if (magic != IMAGE_MAGIC) {
                throw new InvalidDataException(imagesFile + ": not an IDX image file (magic 0x" + Integer.toHexString(magic) + ")");
            }
            int n = in.readInt();
            int rows = in.readInt();
            int cols = in.readInt();
            if (n < labels.length) {
                throw new InvalidDataException(imagesFile + ": " + n + " images but " + labels.length + " labels");
            }
            byte[] pixels = in.readNBytes(labels.length * rows * cols);
            if (pixels.length != labels.length * rows * cols) {
                throw new InvalidDataException(imagesFile + ": truncated image data");
            }
            float[] x = new float[pixels.length];
            for (int i = 0; i < x.length; i++) {
                x[i] = (pixels[i] & 0xFF) / 255f;
            }
            float[] y = new float[labels.length];
            for (int i = 0; i < y.length; i++) {
                int label = labels[i] & 0xFF;
                if (label > 9) {
                    throw new InvalidDataException(labelsFile + ": label " + label + " at index " + i + " is outside 0..9");
                }
                y[i] = label;
            }
            return new TensorData(x, y, labels.length, new long[] {1, rows, cols}, 10);
        }
    }

    @Override
    public float[][] normalization(TensorData train) {
        return new float[][] {{mean}, {std}};
    }

    private static DataInputStream open(Path file) throws IOException {
        InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        return new DataInputStream(file.toString().endsWith(".gz") ? new GZIPInputStream(raw, 1 << 16) : raw);
    }
}
