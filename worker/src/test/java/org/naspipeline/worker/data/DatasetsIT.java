package org.naspipeline.worker.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.naspipeline.api.DatasetSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatasetsIT {
    @TempDir
    Path dir;

    @Test
    void fashionMnistSplitsDeterministicallyAndNormalizes() throws IOException {
        Path data = Path.of("..", "datasets", "fashion-mnist-mini");
        DatasetSplits a = Datasets.load(new DatasetSpec("fashion-mnist", 1000, 100, 0.2, null), data);
        DatasetSplits b = Datasets.load(new DatasetSpec("fashion-mnist", 1000, 100, 0.2, null), data);
        assertThat(a.train().count()).isEqualTo(800);
        assertThat(a.validation().count()).isEqualTo(200);
        assertThat(a.test().count()).isEqualTo(100);
        assertThat(a.train().sampleShape()).containsExactly(1, 28, 28);
        assertThat(a.validation().labels()).isEqualTo(b.validation().labels());
        assertThat(a.train().features()).isEqualTo(b.train().features());
        double mean = 0;
        for (float f : a.train().features()) {
            mean += f;
        }
        mean /= a.train().features().length;
        assertThat(mean).isBetween(-0.2, 0.2); // normalized with the published mean/std
    }

    @Test
    void csvTablesAreReadStandardizedAndCheckedWithLineNumbers() throws IOException {
        StringBuilder train = new StringBuilder("x1,label,x2\n");
        for (int i = 0; i < 20; i++) {
            train.append(i).append(',').append(i % 3).append(',').append(10 + 2 * i).append('\n');
        }
        Files.writeString(dir.resolve("train.csv"), train);
        Files.writeString(dir.resolve("test.csv"), "x1,label,x2\n1,0,12\n2,2,14\n");
        DatasetSplits s = Datasets.load(new DatasetSpec("csv", null, null, 0.25, "label"), dir);
        assertThat(s.train().sampleShape()).containsExactly(2);
        assertThat(s.train().classes()).isEqualTo(3);
        assertThat(s.train().count() + s.validation().count()).isEqualTo(20);
        double mean = 0;
        for (int i = 0; i < s.train().count(); i++) {
            mean += s.train().features()[i * 2];
        }
        assertThat(mean / s.train().count()).isCloseTo(0, org.assertj.core.data.Offset.offset(1e-5));

        Files.writeString(dir.resolve("test.csv"), "x1,label,x2\n1,0,12\n2,two,14\n");
        assertThatThrownBy(() -> Datasets.load(new DatasetSpec("csv", null, null, 0.25, "label"), dir))
                .isInstanceOf(InvalidDataException.class).hasMessage("test.csv line 3, column 'label': 'two' is not a finite number");
        assertThatThrownBy(() -> Datasets.load(new DatasetSpec("csv", null, null, 0.25, "y"), dir))
                .hasMessageContaining("no label column 'y' in header [x1, label, x2]");
    }

    @Test
    void theBundledTokenSetSplitsIntoSequencesOfOneLengthAndVocabulary() throws IOException {
        Path data = Path.of("..", "datasets", "tokens-mini");
        DatasetSplits s = Datasets.load(new DatasetSpec("tokens", null, null, 0.1, null), data);
        assertThat(s.train().count()).isEqualTo(2700);
        assertThat(s.validation().count()).isEqualTo(300);
        assertThat(s.test().count()).isEqualTo(600);
        for (TensorData d : List.of(s.train(), s.validation(), s.test())) {
            assertThat(d.sampleShape()).containsExactly(40);
            assertThat(d.vocabulary()).isEqualTo(200);
            assertThat(d.classes()).isEqualTo(4);
            assertThat(d.isTokens()).isTrue();
            for (int n = 0; n < d.count(); n++) {
                int length = 0;
                boolean padding = false;
                for (int t = 0; t < 40; t++) {
                    float id = d.features()[n * 40 + t];
                    assertThat(id).isEqualTo((float) Math.rint(id)).isBetween(0f, 199f);
                    if (id == 0) {
                        padding = true;
                    } else {
                        assertThat(padding).as("padding only at the end").isFalse();
                        length++;
                    }
                }
                assertThat(length).isBetween(6, 40);
                assertThat(d.labels()[n]).isIn(0f, 1f, 2f, 3f);
            }
        }
        DatasetSplits again = Datasets.load(new DatasetSpec("tokens", 1000, 100, 0.1, null), data);
        assertThat(again.train().count() + again.validation().count()).isEqualTo(1000);
        assertThat(again.test().count()).isEqualTo(100);
        assertThat(again.test().sampleShape()).isEqualTo(again.train().sampleShape());
        assertThat(new DatasetResolver(dir, List.of(Path.of(".."))).resolve(new DatasetSpec("tokens", null, null), null)
                .source()).isEqualTo("bundled subset");
    }

    @Test
    void tokenTestSequencesTakeTheTrainingLength() throws IOException {
        Files.writeString(dir.resolve("train.csv"), "ids,label\n1 2,0\n3 4,1\n5 6,0\n");
        Files.writeString(dir.resolve("test.csv"), "ids,label\n7 8 9 10,1\n11,0\n");
        DatasetSplits s = Datasets.load(new DatasetSpec("tokens", null, null, 0.34, null), dir);
        assertThat(s.test().features()).containsExactly(7, 8, 11, 0);
        assertThat(s.test().vocabulary()).isEqualTo(12);
        assertThat(s.train().vocabulary()).isEqualTo(12);
        assertThat(s.validation().vocabulary()).isEqualTo(12);
        assertThat(s.validation().count()).isEqualTo(1);
    }

    @Test
    void cifarBinaryRecordsAreReadAsChannelFirstImages() throws IOException {
        for (String f : List.of("data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin",
                "data_batch_5.bin", "test_batch.bin")) {
            byte[] records = new byte[2 * 3073];
            records[0] = 7;
            records[1] = (byte) 255;        // first red pixel of image 0
            records[3073] = 2;
            records[3073 + 1 + 1024] = (byte) 255; // first green pixel of image 1
            Files.write(dir.resolve(f), records);
        }
        Cifar10Loader loader = new Cifar10Loader();
        TensorData raw = loader.read(dir, true, 3);
        assertThat(raw.count()).isEqualTo(3); // crosses from batch 1 into batch 2
        assertThat(raw.labels()).containsExactly(7f, 2f, 7f);
        assertThat(raw.sampleShape()).containsExactly(3, 32, 32);
        assertThat(raw.features()[0]).isEqualTo(1f);
        assertThat(raw.features()[3072 + 1024]).isEqualTo(1f);
        Files.write(dir.resolve("test_batch.bin"), new byte[100]);
        assertThatThrownBy(() -> loader.read(dir, false, 10)).hasMessageContaining("not a whole number of 3073-byte records");
    }

    @Test
    void theResolverPrefersTheConfiguredDirectoryThenTheSystemSetThenTheBundledSubset() throws IOException {
        Path project = dir.resolve("project");
        Path bundled = project.resolve("datasets").resolve("fashion-mnist-mini");
        Files.createDirectories(bundled);
        for (String f : new IdxLoader(0, 1).requiredFiles()) {
            Files.write(bundled.resolve(f + ".gz"), new byte[0]);
        }
        Path system = dir.resolve("system");
        DatasetResolver r = new DatasetResolver(system, List.of(project));
        DatasetSpec fmnist = new DatasetSpec("fashion-mnist", null, null);
        assertThat(r.resolve(fmnist, null).source()).isEqualTo("bundled subset");
        Files.createDirectories(system.resolve("fashion-mnist"));
        for (String f : new IdxLoader(0, 1).requiredFiles()) {
            Files.write(system.resolve("fashion-mnist").resolve(f), new byte[0]);
        }
        assertThat(r.resolve(fmnist, null).dir()).isEqualTo(system.resolve("fashion-mnist"));
        assertThat(r.resolve(fmnist, bundled).source()).isEqualTo("configured");
        assertThatThrownBy(() -> r.resolve(fmnist, dir.resolve("empty")))
                .hasMessageContaining("lacks the fashion-mnist files [train-images-idx3-ubyte");
        assertThatThrownBy(() -> r.resolve(new DatasetSpec("mnist", null, null), null))
                .hasMessageStartingWith("no mnist data found");
    }
}
