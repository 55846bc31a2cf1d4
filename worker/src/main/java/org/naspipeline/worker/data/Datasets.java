package org.naspipeline.worker.data;

import java.io.IOException;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.naspipeline.api.DatasetSpec;

/** The dataset formats the worker reads, and the deterministic train/validation split. */
public final class Datasets {
    /** The split never depends on the trial's seed: every trial of every experiment sees the same one. */
    private static final long SPLIT_SEED = 0x5EED_5A17L;

    private Datasets() {}

    /** The loader for a dataset name of {@link DatasetSpec#KNOWN}. */
    public static DatasetLoader loader(DatasetSpec spec) {
        return switch (spec.name()) {
            case "fashion-mnist" -> new IdxLoader(0.2860f, 0.3530f);
            case "mnist" -> new IdxLoader(0.1307f, 0.3081f);
            case "cifar10" -> new Cifar10Loader();
            case "csv" -> new CsvLoader(spec.labelColumn());
            case DatasetSpec.TOKENS -> new TokensLoader(spec.labelColumn());
            default -> throw new IllegalArgumentException("dataset '" + spec.name() + "' is not supported by this worker");
        };
    }

    /**
     * Reads {@code spec}'s examples from {@code dir}: up to {@code trainLimit} from the training file, of which a
     * {@code validationFraction} chosen by a fixed permutation is held out, and up to {@code testLimit} from the
     * test file (conformed to the training examples' shape by the loader); all normalized the same way, all with
     * the same classes and, for token sequences, the same vocabulary (the larger of the training and test files').
     */
    public static DatasetSplits load(DatasetSpec spec, Path dir) throws IOException {
        DatasetLoader loader = loader(spec);
        TensorData all = loader.read(dir, true, spec.trainLimit() == null ? Integer.MAX_VALUE : spec.trainLimit());
        TensorData test = loader.read(dir, false, spec.testLimit() == null ? Integer.MAX_VALUE : spec.testLimit());
        if (all.count() < 2) {
            throw new InvalidDataException(dir + ": the training file has " + all.count() + " examples; at least 2 are needed");
        }
        test = loader.conform(test, all);
        if (test.sampleSize() != all.sampleSize()) {
            throw new InvalidDataException(dir + ": test examples have " + test.sampleSize() + " values, training examples " + all.sampleSize());
        }
        int[] order = permutation(all.count());
        int validationCount = Math.max(1, (int) Math.round(all.count() * spec.validationFraction()));
        TensorData validation = all.select(java.util.Arrays.copyOfRange(order, 0, validationCount));
        TensorData train = all.select(java.util.Arrays.copyOfRange(order, validationCount, order.length));
        float[][] norm = loader.normalization(train);
        for (TensorData d : new TensorData[] {train, validation, test}) {
            d.normalize(norm[0], norm[1]);
        }
        int classes = Math.max(train.classes(), test.classes());
        int vocabulary = Math.max(all.vocabulary(), test.vocabulary());
        return new DatasetSplits(with(train, classes, vocabulary), with(validation, classes, vocabulary),
                with(test, classes, vocabulary));
    }

    /** {@code d} with the classes and (token sequences; 0 otherwise) the vocabulary of all splits. */
    private static TensorData with(TensorData d, int classes, int vocabulary) {
        return new TensorData(d.features(), d.labels(), d.count(), d.sampleShape(), classes, vocabulary);
    }

    private static int[] permutation(int n) {
        return permutation(n, new SplittableRandom(SPLIT_SEED));
    }

    /** A permutation of {@code 0 .. n-1} drawn from {@code random} (Fisher–Yates): the same draws, the same order. */
    public static int[] permutation(int n, SplittableRandom random) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }
}
