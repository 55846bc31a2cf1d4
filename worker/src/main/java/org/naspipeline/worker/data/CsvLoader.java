package org.naspipeline.worker.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

/**
 * Tables: {@code train.csv} and {@code test.csv} with a header row, one integer class label column (0..k−1)
 * and numeric feature columns. Features are standardized with the training examples' mean and deviation.
 */
public final class CsvLoader implements DatasetLoader {
    private final String labelColumn;

    /** A loader reading labels from {@code labelColumn}. */
    public CsvLoader(String labelColumn) {
        this.labelColumn = labelColumn;
    }

    @Override
    public List<String> requiredFiles() {
        return List.of("train.csv", "test.csv");
    }

    @Override
    public TensorData read(Path dir, boolean train, int limit) throws IOException {
        Path file = dir.resolve(train ? "train.csv" : "test.csv");
        CSVFormat format = CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).setTrim(true).get();
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8);
             CSVParser parser = CSVParser.parse(reader, format)) {
            List<String> header = parser.getHeaderNames();
            int labelIndex = header.indexOf(labelColumn);
            if (labelIndex < 0) {
                throw new InvalidDataException(file + ": no label column '" + labelColumn + "' in header " + header);
            }
            int features = header.size() - 1;
            List<float[]> rows = new ArrayList<>();
            List<Float> labels = new ArrayList<>();
            int maxLabel = 0;
            for (CSVRecord r : parser) {
                if (rows.size() >= limit) {
                    break;
                }
                String where = file.getFileName() + " line " + (r.getRecordNumber() + 1);
                if (r.size() != header.size()) {
                    throw new InvalidDataException(where + ": " + r.size() + " fields, header has " + header.size());
                }
                float[] x = new float[features];
                int j = 0;
                for (int c = 0; c < r.size(); c++) {
                    if (c == labelIndex) {
                        continue;
                    }
                    x[j++] = parse(r.get(c), where + ", column '" + header.get(c) + "'");
                }
                float label = parse(r.get(labelIndex), where + ", column '" + labelColumn + "'");
                if (label < 0 || label != Math.rint(label)) {
                    throw new InvalidDataException(where + ": label " + r.get(labelIndex) + " is not a class index 0, 1, 2, …");
                }
                maxLabel = Math.max(maxLabel, (int) label);
                rows.add(x);
                labels.add(label);
            }
            float[] x = new float[rows.size() * features];
            float[] y = new float[rows.size()];
            for (int i = 0; i < rows.size(); i++) {
                System.arraycopy(rows.get(i), 0, x, i * features, features);
                y[i] = labels.get(i);
            }
            return new TensorData(x, y, y.length, new long[] {features}, maxLabel + 1);
        }
    }

    private static float parse(String s, String where) throws IOException {
        try {
            float v = Float.parseFloat(s);
            if (!Float.isFinite(v)) {
                throw new NumberFormatException("not finite");
            }
            return v;
        } catch (NumberFormatException e) {
            throw new InvalidDataException(where + ": '" + s + "' is not a finite number");
        }
    }

    @Override
    public float[][] normalization(TensorData train) {
        int f = train.sampleSize();
        float[] mean = new float[f];
        float[] std = new float[f];
        for (int n = 0; n < train.count(); n++) {
            for (int i = 0; i < f; i++) {
                mean[i] += train.features()[n * f + i] / train.count();
            }
        }
        for (int n = 0; n < train.count(); n++) {
            for (int i = 0; i < f; i++) {
                float d = train.features()[n * f + i] - mean[i];
                std[i] += d * d / train.count();
            }
        }
        for (int i = 0; i < f; i++) {
            std[i] = std[i] > 0 ? (float) Math.sqrt(std[i]) : 1f; // a constant column stays 0 rather than NaN
        }
        return new float[][] {mean, std};
    }

    @Override
    public String toString() {
        return "CsvLoader" + Arrays.asList(labelColumn);
    }
}
