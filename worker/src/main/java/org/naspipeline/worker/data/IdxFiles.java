package org.naspipeline.worker.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

/** Reads the IDX files of MNIST-format datasets ({@code .gz} or plain), validating their headers. */
public final class IdxFiles {
    private static final int LABEL_MAGIC = 0x0801;
    private static final int IMAGE_MAGIC = 0x0803;

    private IdxFiles() {}

    /** The four file names of a split, without {@code .gz}. */
    static List<String> names() {
        return List.of("train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte");
    }

    /** Which of the four IDX files are absent from {@code dir} (in either plain or gzip form). */
    public static List<String> missingFiles(Path dir) {
        List<String> missing = new ArrayList<>();
        for (String name : names()) {
            if (find(dir, name) == null) {
                missing.add(name + "[.gz]");
            }
        }
        return missing;
    }

    private static Path find(Path dir, String name) {
        Path gz = dir.resolve(name + ".gz");
        if (Files.isRegularFile(gz)) {
            return gz;
        }
        Path plain = dir.resolve(name);
        return Files.isRegularFile(plain) ? plain : null;
    }

    /** Reads up to {@code limit} examples of a split ({@code train} or {@code t10k}). */
    public static ImageSet read(Path dir, String split, int limit) throws IOException {
        Path labelsFile = find(dir, split + "-labels-idx1-ubyte");
        Path imagesFile = find(dir, split + "-images-idx3-ubyte");
        if (labelsFile == null || imagesFile == null) {
            throw new IOException("missing IDX files for split '" + split + "' in " + dir);
        }
        byte[] labels;
        try (DataInputStream in = open(labelsFile)) {
            int magic = in.readInt();
            if (magic != LABEL_MAGIC) {
                throw new IOException(labelsFile + ": not an IDX label file (magic 0x" + Integer.toHexString(magic) + ")");
            }
            int n = Math.min(in.readInt(), limit);
            labels = in.readNBytes(n);
            if (labels.length != n) {
                throw new EOFException(labelsFile + ": truncated after " + labels.length + " labels");
            }
        }
        try (DataInputStream in = open(imagesFile)) {
            int magic = in.readInt();
            if (magic != IMAGE_MAGIC) {
                throw new IOException(imagesFile + ": not an IDX image file (magic 0x" + Integer.toHexString(magic) + ")");
            }
            int n = in.readInt();
            int rows = in.readInt();
            int cols = in.readInt();
            if (n < labels.length) {
                throw new IOException(imagesFile + ": " + n + " images but " + labels.length + " labels");
            }
            byte[] pixels = in.readNBytes(labels.length * rows * cols);
            if (pixels.length != labels.length * rows * cols) {
                throw new EOFException(imagesFile + ": truncated image data");
            }
            return new ImageSet(pixels, labels, labels.length, rows, cols);
        }
    }

    private static DataInputStream open(Path file) throws IOException {
        InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        return new DataInputStream(file.toString().endsWith(".gz") ? new GZIPInputStream(raw, 1 << 16) : raw);
    }

    /** Raw unsigned-byte images (row-major) and labels. */
    public record ImageSet(byte[] pixels, byte[] labels, int count, int rows, int cols) {}
}
