package org.naspipeline.worker.data;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * CIFAR-10 "binary version": {@code data_batch_1..5.bin} and {@code test_batch.bin}, each record one label byte
 * then 3×32×32 pixel bytes (red plane, green plane, blue plane), 10 classes.
 */
public final class Cifar10Loader implements DatasetLoader {
    private static final int PIXELS = 3 * 32 * 32;
    private static final float[] MEAN = {0.4914f, 0.4822f, 0.4465f};
    private static final float[] STD = {0.2470f, 0.2435f, 0.2616f};

    @Override
    public List<String> requiredFiles() {
        return List.of("data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin",
                "data_batch_5.bin", "test_batch.bin");
    }

    @Override
    public TensorData read(Path dir, boolean train, int limit) throws IOException {
        List<Path> files = train
                ? requiredFiles().subList(0, 5).stream().map(dir::resolve).toList()
                : List.of(dir.resolve("test_batch.bin"));
        List<float[]> images = new ArrayList<>();
        List<Float> labels = new ArrayList<>();
        byte[] record = new byte[1 + PIXELS];
        for (Path f : files) {
            long size = Files.size(f);
            if (size % record.length != 0) {
                throw new InvalidDataException(f + ": " + size + " bytes is not a whole number of " + record.length + "-byte records");
            }
            try (InputStream in = new java.io.BufferedInputStream(Files.newInputStream(f), 1 << 16)) {
                while (labels.size() < limit && in.readNBytes(record, 0, record.length) == record.length) {
                    int label = record[0] & 0xFF;
                    if (label > 9) {
                        throw new InvalidDataException(f + ": label " + label + " in record " + labels.size() + " is outside 0..9");
                    }
                    float[] x = new float[PIXELS];
                    for (int i = 0; i < PIXELS; i++) {
                        x[i] = (record[1 + i] & 0xFF) / 255f;
                    }
                    images.add(x);
                    labels.add((float) label);
                }
            }
            if (labels.size() >= limit) {
                break;
            }
        }
        float[] x = new float[images.size() * PIXELS];
        float[] y = new float[labels.size()];
        for (int i = 0; i < images.size(); i++) {
            System.arraycopy(images.get(i), 0, x, i * PIXELS, PIXELS);
            y[i] = labels.get(i);
        }
        return new TensorData(x, y, y.length, new long[] {3, 32, 32}, 10);
    }

    @Override
    public float[][] normalization(TensorData train) {
        return new float[][] {MEAN, STD};
    }
}
