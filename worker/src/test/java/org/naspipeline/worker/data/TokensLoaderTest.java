package org.naspipeline.worker.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.naspipeline.api.DatasetSpec;

/** The {@code tokens} format, fed files as a client would write them. */
class TokensLoaderTest {
    private static final String TRAIN = """
            {"ids": [12, 7, 431], "label": 2}
            {"ids": [5], "label": 0}
            {"ids": [0, 0, 9, 3, 1], "label": 1}
            """;
    private static final String TRAIN_CSV = """
            ids,label
            12 7 431,2
            5,0
            0 0 9 3 1,1
            """;
    private static final String TEST = "{\"ids\": [4, 4], \"label\": 0}\n";
    private static final int ALL = Integer.MAX_VALUE;

    @TempDir
    Path dir;

    private final TokensLoader loader = new TokensLoader("label");

    private Path write(String name, String content) throws IOException {
        return write(name, content.getBytes(StandardCharsets.UTF_8));
    }

    private Path write(String name, byte[] content) throws IOException {
        Path sub = dir.resolve(name).getParent();
        Files.createDirectories(sub);
        return Files.write(dir.resolve(name), content);
    }

    private static byte[] gzip(String s) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bytes)) {
            gz.write(s.getBytes(StandardCharsets.UTF_8));
        }
        return bytes.toByteArray();
    }

    private TensorData train() throws IOException {
        return loader.read(dir, true, ALL);
    }

    /** The message reading {@code content} as train.jsonl gives. */
    private String jsonlError(String content) throws IOException {
        return jsonlError(content.getBytes(StandardCharsets.UTF_8));
    }

    private String jsonlError(byte[] content) throws IOException {
        write("train.jsonl", content);
        write("test.jsonl", TEST);
        Throwable t = catchThrowable(this::train);
        assertThat(t).as("reading %s", new String(content, StandardCharsets.UTF_8)).isExactlyInstanceOf(InvalidDataException.class);
        return t.getMessage();
    }

    private String csvError(String content) throws IOException {
        Files.deleteIfExists(dir.resolve("train.jsonl"));
        write("train.csv", content);
        write("test.csv", "ids,label\n1,0\n");
        Throwable t = catchThrowable(this::train);
        assertThat(t).as("reading %s", content).isInstanceOf(IOException.class);
        return t.getMessage();
    }

    private static float[] floats(int... v) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            f[i] = v[i];
        }
        return f;
    }

    // ---- reading -------------------------------------------------------------------------------------------

    @Test
    void jsonlRowsArePaddedToTheLongestSequenceWithTheVocabularyFromTheData() throws IOException {
        write("train.jsonl", TRAIN);
        write("test.jsonl", TEST);
        TensorData t = train();
        assertThat(t.count()).isEqualTo(3);
        assertThat(t.sampleShape()).containsExactly(5);
        assertThat(t.features()).containsExactly(floats(12, 7, 431, 0, 0, 5, 0, 0, 0, 0, 0, 0, 9, 3, 1));
        assertThat(t.labels()).containsExactly(2, 0, 1);
        assertThat(t.classes()).isEqualTo(3);
        assertThat(t.vocabulary()).isEqualTo(432);
        assertThat(t.isTokens()).isTrue();
        TensorData test = loader.read(dir, false, ALL);
        assertThat(test.sampleShape()).containsExactly(2);
        assertThat(test.vocabulary()).isEqualTo(5);
        assertThat(test.classes()).isEqualTo(1);
    }

    @Test
    void csvWithTheSameContentGivesTheSameTensorData() throws IOException {
        write("train.jsonl", TRAIN);
        write("test.jsonl", TEST);
        TensorData fromJson = train();
        Path csvDir = dir.resolve("csv");
        write("csv/train.csv", TRAIN_CSV);
        write("csv/test.csv", "label,text,ids\n0,\"hello, world\",4 4\n");
        TensorData fromCsv = loader.read(csvDir, true, ALL);
        assertThat(fromCsv.features()).isEqualTo(fromJson.features());
        assertThat(fromCsv.labels()).isEqualTo(fromJson.labels());
        assertThat(fromCsv.sampleShape()).isEqualTo(fromJson.sampleShape());
        assertThat(fromCsv.classes()).isEqualTo(fromJson.classes());
        assertThat(fromCsv.vocabulary()).isEqualTo(fromJson.vocabulary());
        assertThat(loader.read(csvDir, false, ALL).features()).containsExactly(4, 4);
        // the label column is the spec's; other columns (quoted commas and new lines too) are ignored
        write("csv/train.csv", "y,note,ids\n2,\"two\nlines\",12 7 431\n0,,5\n1,\"a, b\",0 0 9 3 1\n");
        TensorData renamed = new TokensLoader("y").read(csvDir, true, ALL);
        assertThat(renamed.features()).isEqualTo(fromJson.features());
        assertThat(renamed.labels()).isEqualTo(fromJson.labels());
    }

    @Test
    void theLimitCapsTheExamplesAndTheLengthIsTheLongestOfThoseRead() throws IOException {
        write("train.jsonl", TRAIN);
        write("test.jsonl", TEST);
        TensorData two = loader.read(dir, true, 2);
        assertThat(two.count()).isEqualTo(2);
        assertThat(two.sampleShape()).containsExactly(3);
        assertThat(two.features()).containsExactly(floats(12, 7, 431, 5, 0, 0));
        // lines after the limit are not read
        write("train.jsonl", TRAIN + "not json\n");
        assertThat(loader.read(dir, true, 3).count()).isEqualTo(3);
        write("train.csv", TRAIN_CSV + "1 x,0\n");
        write("test.csv", "ids,label\n1,0\n");
        Files.delete(dir.resolve("train.jsonl"));
        assertThat(loader.read(dir, true, 3).count()).isEqualTo(3);
    }

    @Test
    void prePaddedZerosOtherKeysBlankLinesAndCrLfAreFine() throws IOException {
        write("train.jsonl", "{\"text\": \"caf\u00e9 \\\"bar\\\"\", \"label\": 1, \"meta\": {\"ids\": [\"x\"], \"n\": [1, {\"a\": null}]},"
                + " \"ids\": [0, 0, 0, 7]}\r\n\r\n   \r\n{\"label\": 0, \"ids\": [3, 0]}\r\n\n");
        write("test.jsonl", TEST);
        TensorData t = train();
        assertThat(t.features()).containsExactly(floats(0, 0, 0, 7, 3, 0, 0, 0));
        assertThat(t.labels()).containsExactly(1, 0);
        assertThat(t.vocabulary()).isEqualTo(8);
        // blank lines count for the line numbers
        write("train.jsonl", "{\"ids\": [1], \"label\": 0}\r\n\r\n\n{\"ids\": [1.5], \"label\": 0}\n");
        assertThat(catchThrowable(this::train)).hasMessage("train.jsonl line 4: ids[0]: 1.5 is not an integer token id");
        write("train.jsonl", "{\"ids\": [1], \"label\": 0}\r\r{\"ids\": [1.5], \"label\": 0}\n");
        assertThat(catchThrowable(this::train)).hasMessage("train.jsonl line 3: ids[0]: 1.5 is not an integer token id");
    }

    @Test
    void theVocabularyIsAtLeastTwoAndTheLongestAllowedSequenceIsRead() throws IOException {
        String longest = "1 ".repeat(TokensLoader.MAX_LENGTH - 1) + TokensLoader.MAX_ID;
        write("train.jsonl", "{\"ids\": [" + longest.replace(" ", ", ") + "], \"label\": 65535}\n{\"ids\": [1], \"label\": 0}\n");
        write("test.jsonl", TEST);
        TensorData t = train();
        assertThat(t.sampleShape()).containsExactly(TokensLoader.MAX_LENGTH);
        assertThat(t.vocabulary()).isEqualTo(TokensLoader.MAX_ID + 1);
        assertThat(t.features()[TokensLoader.MAX_LENGTH - 1]).isEqualTo(1_048_575f); // exact as a float
        assertThat(t.classes()).isEqualTo(65_536);
        write("train.jsonl", "{\"ids\": [1], \"label\": 0}\n{\"ids\": [1, 1], \"label\": 0}\n");
        assertThat(train().vocabulary()).isEqualTo(2);
    }

    @Test
    void gzipFilesAreReadAndWinOverPlainOnes() throws IOException {
        write("train.jsonl.gz", gzip(TRAIN));
        write("test.jsonl.gz", gzip(TEST));
        assertThat(loader.missingFiles(dir)).isEmpty();
        assertThat(train().count()).isEqualTo(3);
        write("train.jsonl", "not read\n");
        assertThat(train().count()).isEqualTo(3);
        write("train.jsonl.gz", "not gzip".getBytes(StandardCharsets.UTF_8));
        assertThat(catchThrowable(this::train)).isInstanceOf(IOException.class)
                .hasMessageStartingWith("train.jsonl.gz: not a gzip file");
        byte[] whole = gzip(TRAIN);
        write("train.jsonl.gz", java.util.Arrays.copyOf(whole, whole.length - 12));
        assertThat(catchThrowable(this::train)).isInstanceOf(IOException.class)
                .hasMessageStartingWith("train.jsonl.gz line ").hasMessageContaining("cannot be read");
        Path csvDir = dir.resolve("csv");
        write("csv/train.csv.gz", gzip(TRAIN_CSV));
        write("csv/test.csv", "ids,label\n4 4,0\n");
        assertThat(loader.read(csvDir, true, ALL).features()).isEqualTo(train(dir, TRAIN).features());
    }

    private TensorData train(Path where, String jsonl) throws IOException {
        Path d = Files.createDirectories(where.resolve("again"));
        Files.writeString(d.resolve("train.jsonl"), jsonl);
        Files.writeString(d.resolve("test.jsonl"), TEST);
        return loader.read(d, true, ALL);
    }

    @Test
    void aLeadingByteOrderMarkIsSkippedAndAnyOtherIsRefused() throws IOException {
        byte[] bom = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};
        byte[] text = TRAIN.getBytes(StandardCharsets.UTF_8);
        byte[] withBom = new byte[bom.length + text.length];
        System.arraycopy(bom, 0, withBom, 0, 3);
        System.arraycopy(text, 0, withBom, 3, text.length);
        write("train.jsonl", withBom);
        write("test.jsonl", TEST);
        assertThat(train().count()).isEqualTo(3);
        write("train.csv", "\uFEFF" + TRAIN_CSV);
        write("test.csv", "\uFEFFids,label\n4 4,0\n");
        Files.delete(dir.resolve("train.jsonl"));
        assertThat(train().features()).isEqualTo(train(dir, TRAIN).features());
        assertThat(loader.read(dir, false, ALL).features()).containsExactly(4, 4);
        assertThat(jsonlError("{\"ids\": [1], \"label\": 0}\n\uFEFF{\"ids\": [1], \"label\": 0}\n"))
                .startsWith("train.jsonl line 2, column 1: not valid JSON: Unexpected character");
    }

    @Test
    void theJsonlPairWinsAndOnePairMustBeComplete() throws IOException {
        assertThat(loader.missingFiles(dir)).containsExactly("train.jsonl", "test.jsonl");
        assertThat(loader.describeMissing(dir)).isEqualTo("[train.jsonl, test.jsonl] or [train.csv, test.csv]");
        write("train.jsonl", TRAIN);
        write("test.csv", "ids,label\n4 4,0\n");
        assertThat(loader.describeMissing(dir)).isEqualTo("[test.jsonl] or [train.csv]");
        assertThatThrownBy(this::train).isInstanceOf(IOException.class)
                .hasMessage(dir + " lacks the tokens files [test.jsonl] or [train.csv]");
        write("train.csv", "ids,label\n8 8 8,1\n9,0\n");
        assertThat(loader.missingFiles(dir)).isEmpty();
        assertThat(train().features()).containsExactly(8, 8, 8, 9, 0, 0); // the CSV pair, as the JSONL pair is not complete
        write("test.jsonl.gz", gzip(TEST));
        assertThat(train().count()).isEqualTo(3); // now the JSONL pair
        DatasetResolver resolver = new DatasetResolver(dir.resolve("no-system"), List.of());
        assertThatThrownBy(() -> resolver.resolve(new DatasetSpec("tokens", null, null), dir.resolve("empty")))
                .hasMessageEndingWith("lacks the tokens files [train.jsonl, test.jsonl] or [train.csv, test.csv]");
        assertThat(resolver.resolve(new DatasetSpec("tokens", null, null), dir).source()).isEqualTo("configured");
    }

    @Test
    void theBundledSubsetIsFoundByTheResolver() {
        DatasetResolver resolver = new DatasetResolver(dir.resolve("no-system"), List.of(Path.of("..")));
        DatasetResolver.ResolvedDataset found = resolver.resolve(new DatasetSpec("tokens", null, null), null);
        assertThat(found.source()).isEqualTo("bundled subset");
        assertThat(found.dir()).isEqualTo(Path.of("..", "datasets", "tokens-mini").toAbsolutePath().normalize());
    }

    // ---- train and test together ------------------------------------------------------------------------------

    @Test
    void longerTestSequencesAreCutShorterOnesPaddedAndTheVocabularyIsTheLargerOne() throws IOException {
        write("train.jsonl", "{\"ids\": [1, 2, 3], \"label\": 0}\n{\"ids\": [4], \"label\": 1}\n");
        write("test.jsonl", """
                {"ids": [5, 6, 7, 8, 900], "label": 0}
                {"ids": [9], "label": 2}
                {"ids": [0, 0, 0, 0, 1], "label": 1}
                """);
        DatasetSplits s = Datasets.load(new DatasetSpec("tokens", null, null, 0.5, null), dir);
        assertThat(s.test().sampleShape()).containsExactly(3);
        assertThat(s.test().features()).containsExactly(floats(5, 6, 7, 9, 0, 0, 0, 0, 0)); // the last one: padding only
        assertThat(s.test().labels()).containsExactly(0, 2, 1);
        for (TensorData d : List.of(s.train(), s.validation(), s.test())) {
            assertThat(d.sampleShape()).containsExactly(3);
            assertThat(d.vocabulary()).isEqualTo(901);
            assertThat(d.classes()).isEqualTo(3);
        }
        // the ids are not scaled
        TensorData train = s.train();
        TensorData validation = s.validation();
        assertThat(train.count() + validation.count()).isEqualTo(2);
        float[] both = new float[6];
        System.arraycopy(train.features(), 0, both, 0, 3);
        System.arraycopy(validation.features(), 0, both, 3, 3);
        assertThat(both).containsAnyOf(1f, 4f).contains(0f);

        write("test.jsonl", "{\"ids\": [7], \"label\": 0}\n");
        DatasetSplits shorter = Datasets.load(new DatasetSpec("tokens", null, null, 0.5, null), dir);
        assertThat(shorter.test().features()).containsExactly(7, 0, 0);
        assertThat(shorter.train().vocabulary()).isEqualTo(8);
        assertThat(shorter.test().vocabulary()).isEqualTo(8);
    }

    @Test
    void conformingLeavesOtherLoadersAloneAndNormalizationKeepsIds() throws IOException {
        TensorData images = new TensorData(new float[4], new float[1], 1, new long[] {1, 2, 2}, 10);
        assertThat(new CsvLoader("label").conform(images, images)).isSameAs(images);
        write("train.jsonl", TRAIN);
        write("test.jsonl", TEST);
        float[][] norm = loader.normalization(train());
        assertThat(norm[0]).containsExactly(0, 0, 0, 0, 0);
        assertThat(norm[1]).containsExactly(1, 1, 1, 1, 1);
    }

    @Test
    void anEmptyTrainingFileNeedsTwoExamples() throws IOException {
        write("train.jsonl", "\n\n");
        write("test.jsonl", TEST);
        assertThatThrownBy(() -> Datasets.load(new DatasetSpec("tokens", null, null), dir))
                .hasMessageEndingWith("the training file has 0 examples; at least 2 are needed");
    }

    // ---- bad JSONL ------------------------------------------------------------------------------------------

    private static String line(String ids, String label) {
        return "{\"ids\": [1], \"label\": 0}\n{\"ids\": " + ids + ", \"label\": " + label + "}\n";
    }

    @Test
    void linesThatAreNotOneJsonObjectAreRefused() throws IOException {
        assertThat(jsonlError("{\"ids\": [1], \"label\": 0}\nhello\n"))
                .startsWith("train.jsonl line 2, column 1: not valid JSON: Unrecognized token 'hello'");
        assertThat(jsonlError("{\"ids\": [1, 2\n"))
                .startsWith("train.jsonl line 1, column 14: not valid JSON: Unexpected end-of-input");
        assertThat(jsonlError("{\"ids\": [1, 2], \"label\": 0\n"))
                .isEqualTo("train.jsonl line 1, column 27: not valid JSON: Unexpected end-of-input: expected close marker for Object");
        assertThat(jsonlError("{\"ids\": [1, 2], \"la")).startsWith("train.jsonl line 1, column ").contains("not valid JSON");
        assertThat(jsonlError("[1, 2]\n"))
                .isEqualTo("train.jsonl line 1: expected an object like {\"ids\": [12, 7, 431], \"label\": 2}, found an array");
        assertThat(jsonlError("7\n")).isEqualTo("train.jsonl line 1: expected an object like {\"ids\": [12, 7, 431], \"label\": 2}, found 7");
        assertThat(jsonlError("\"text\"\n")).endsWith("found \"text\"");
        assertThat(jsonlError("{\"ids\": [1], \"label\": 0} x\n"))
                .startsWith("train.jsonl line 1, column 26: not valid JSON: Unrecognized token 'x'");
        assertThat(jsonlError("{\"ids\": [1], \"label\": 0} {\"ids\": [2], \"label\": 0}\n"))
                .isEqualTo("train.jsonl line 1: an object after the object; one object a line");
        assertThat(jsonlError("{\"ids\": [1], \"label\": 0}]\n")).startsWith("train.jsonl line 1, column 25: not valid JSON: Unexpected close marker ']'");
        assertThat(jsonlError("{\"ids\": [1], \"label\": 0}, 5\n")).startsWith("train.jsonl line 1, column 25: not valid JSON");
        assertThat(jsonlError("{'ids': [1], 'label': 0}\n")).startsWith("train.jsonl line 1, column 2: not valid JSON: Unexpected character");
        assertThat(jsonlError("{\"ids\": [1,], \"label\": 0}\n")).startsWith("train.jsonl line 1, column 12: not valid JSON: Unexpected character");
        assertThat(jsonlError("{\"ids\": [NaN], \"label\": 0}\n")).startsWith("train.jsonl line 1, column ").contains("not valid JSON");
        assertThat(jsonlError("{\"ids\": [01], \"label\": 0}\n")).startsWith("train.jsonl line 1, column ").contains("not valid JSON");
    }

    @Test
    void duplicateAndMissingKeysAreRefused() throws IOException {
        assertThat(jsonlError("{\"ids\": [1], \"label\": 0, \"ids\": [2]}\n"))
                .isEqualTo("train.jsonl line 1, column 31: not valid JSON: Duplicate field 'ids'");
        assertThat(jsonlError("{\"ids\": [1], \"label\": 0, \"label\": 1}\n")).endsWith("not valid JSON: Duplicate field 'label'");
        assertThat(jsonlError("{\"ids\": [1], \"text\": \"a\", \"label\": 0, \"text\": \"b\"}\n")).endsWith("not valid JSON: Duplicate field 'text'");
        assertThat(jsonlError("{\"ids\": [1], \"label\": 0}\n{\"label\": 0}\n")).isEqualTo("train.jsonl line 2: no \"ids\"");
        assertThat(jsonlError("{\"ids\": [1]}\n")).isEqualTo("train.jsonl line 1: no \"label\"");
        assertThat(jsonlError("{}\n")).isEqualTo("train.jsonl line 1: no \"ids\"");
        assertThat(jsonlError("{\"IDS\": [1], \"label\": 0}\n")).isEqualTo("train.jsonl line 1: no \"ids\"");
    }

    @Test
    void idsMustBeANonEmptyArrayOfIntegersInRangeWithOneThatIsNotPadding() throws IOException {
        String at = "train.jsonl line 2: ";
        assertThat(jsonlError(line("\"1 2\"", "0"))).isEqualTo(at + "ids: expected an array of token ids, found \"1 2\"");
        assertThat(jsonlError(line("{\"0\": 1}", "0"))).isEqualTo(at + "ids: expected an array of token ids, found an object");
        assertThat(jsonlError(line("null", "0"))).isEqualTo(at + "ids: expected an array of token ids, found null");
        assertThat(jsonlError(line("[]", "0"))).isEqualTo(at + "ids: empty; a sequence needs at least one non-zero id");
        assertThat(jsonlError(line("[0, 0]", "0"))).isEqualTo(at + "ids: only padding (0); a sequence needs at least one non-zero id");
        assertThat(jsonlError(line("[1, 1.5]", "0"))).isEqualTo(at + "ids[1]: 1.5 is not an integer token id");
        assertThat(jsonlError(line("[\"3\"]", "0"))).isEqualTo(at + "ids[0]: \"3\" is not an integer token id");
        assertThat(jsonlError(line("[3.0]", "0"))).isEqualTo(at + "ids[0]: 3.0 is not an integer token id");
        assertThat(jsonlError(line("[1e3]", "0"))).isEqualTo(at + "ids[0]: 1e3 is not an integer token id");
        assertThat(jsonlError(line("[1E+3]", "0"))).isEqualTo(at + "ids[0]: 1E+3 is not an integer token id");
        assertThat(jsonlError(line("[-1]", "0"))).isEqualTo(at + "ids[0]: -1 is outside 0..1048575");
        assertThat(jsonlError(line("[1048576]", "0"))).isEqualTo(at + "ids[0]: 1048576 is outside 0..1048575");
        assertThat(jsonlError(line("[2147483648]", "0"))).isEqualTo(at + "ids[0]: 2147483648 is outside 0..1048575");
        assertThat(jsonlError(line("[99999999999999999999]", "0"))).isEqualTo(at + "ids[0]: 99999999999999999999 is outside 0..1048575");
        assertThat(jsonlError(line("[-99999999999999999999]", "0"))).isEqualTo(at + "ids[0]: -99999999999999999999 is outside 0..1048575");
        assertThat(jsonlError(line("[" + "9".repeat(5000) + "]", "0")))
                .startsWith("train.jsonl line 2: not valid JSON: Number value length (5000) exceeds the maximum allowed (1000");
        assertThat(jsonlError(line("[1, null]", "0"))).isEqualTo(at + "ids[1]: null is not an integer token id");
        assertThat(jsonlError(line("[true]", "0"))).isEqualTo(at + "ids[0]: true is not an integer token id");
        assertThat(jsonlError(line("[1, [2]]", "0"))).isEqualTo(at + "ids[1]: an array is not an integer token id");
        assertThat(jsonlError(line("[{}]", "0"))).isEqualTo(at + "ids[0]: an object is not an integer token id");
        assertThat(jsonlError(line("[\"" + "x".repeat(100) + "\"]", "0")))
                .isEqualTo(at + "ids[0]: \"" + "x".repeat(40) + "…\" is not an integer token id");
    }

    @Test
    void sequencesLongerThanTheLimitAreRefusedWithTheLimit() throws IOException {
        String ids = "[" + "1, ".repeat(TokensLoader.MAX_LENGTH) + "1]";
        assertThat(jsonlError(line(ids, "0")))
                .isEqualTo("train.jsonl line 2: ids: more than 1024 ids (the longest sequence allowed)");
        String huge = "[" + "1, ".repeat(200_000) + "1]"; // stops at the limit
        assertThat(jsonlError(line(huge, "0"))).isEqualTo("train.jsonl line 2: ids: more than 1024 ids (the longest sequence allowed)");
    }

    @Test
    void overlongLinesAreRefused() throws IOException {
        String text = "x".repeat(TokensLoader.MAX_LINE_CHARS);
        String fits = "{\"ids\": [1], \"label\": 0, \"t\": \"" + "x".repeat(TokensLoader.MAX_LINE_CHARS - 40) + "\"}\n";
        assertThat(fits.length() - 1).isLessThanOrEqualTo(TokensLoader.MAX_LINE_CHARS);
        write("train.jsonl", fits + fits);
        write("test.jsonl", TEST);
        assertThat(train().count()).isEqualTo(2);
        assertThat(jsonlError("{\"ids\": [1], \"label\": 0}\n{\"ids\": [1], \"label\": 0, \"t\": \"" + text + "\"}\n"))
                .isEqualTo("train.jsonl line 2: longer than 1048576 characters");
        // one line of 16 MiB without a line break: refused after the first MiB
        byte[] big = new byte[16 << 20];
        java.util.Arrays.fill(big, (byte) '[');
        assertThat(jsonlError(big)).isEqualTo("train.jsonl line 1: longer than 1048576 characters");
        assertThat(csvError("ids,label\n1," + "2".repeat(TokensLoader.MAX_LINE_CHARS) + "\n"))
                .isEqualTo("train.csv line 2: longer than 1048576 characters");
    }

    @Test
    void labelsMustBeIntegersFrom0To65535() throws IOException {
        String at = "train.jsonl line 2: label: ";
        assertThat(jsonlError(line("[1]", "-1"))).isEqualTo(at + "-1 is not a class index 0..65535");
        assertThat(jsonlError(line("[1]", "2.5"))).isEqualTo(at + "2.5 is not a class index 0..65535");
        assertThat(jsonlError(line("[1]", "2.0"))).isEqualTo(at + "2.0 is not a class index 0..65535");
        assertThat(jsonlError(line("[1]", "\"2\""))).isEqualTo(at + "\"2\" is not a class index 0..65535");
        assertThat(jsonlError(line("[1]", "65536"))).isEqualTo(at + "65536 is not a class index 0..65535");
        assertThat(jsonlError(line("[1]", "99999999999999999999"))).isEqualTo(at + "99999999999999999999 is not a class index 0..65535");
        assertThat(jsonlError(line("[1]", "null"))).isEqualTo(at + "null is not a class index 0..65535");
        assertThat(jsonlError(line("[1]", "[1]"))).isEqualTo(at + "an array is not a class index 0..65535");
        assertThat(jsonlError(line("[1]", "false"))).isEqualTo(at + "false is not a class index 0..65535");
    }

    @Test
    void invalidUtf8IsRefusedWithItsLine() throws IOException {
        byte[] good = "{\"ids\": [1], \"label\": 0, \"text\": \"".getBytes(StandardCharsets.UTF_8);
        byte[] end = "\"}\n".getBytes(StandardCharsets.UTF_8);
        for (byte[] bad : List.of(new byte[] {(byte) 0xFF}, new byte[] {(byte) 0xC3, 'a'}, new byte[] {(byte) 0xC0, (byte) 0x80},
                new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, new byte[] {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80})) {
            ByteArrayOutputStream file = new ByteArrayOutputStream();
            file.writeBytes("{\"ids\": [1], \"label\": 0}\n\n".getBytes(StandardCharsets.UTF_8));
            file.writeBytes(good);
            file.writeBytes(bad);
            file.writeBytes(end);
            assertThat(jsonlError(file.toByteArray())).isEqualTo("train.jsonl line 3: not valid UTF-8");
        }
        // a sequence cut off by the end of the file
        byte[] cut = "{\"ids\": [1], \"label\": 0}\n{\"ids\": [1], \"label\": 0} \u00e9".getBytes(StandardCharsets.UTF_8);
        assertThat(jsonlError(java.util.Arrays.copyOf(cut, cut.length - 1))).isEqualTo("train.jsonl line 2: not valid UTF-8");
        write("train.jsonl", "{\"ids\": [1], \"label\": 0, \"text\": \"\u00e9\u4e2d\ud83d\ude00\"}\n");
        assertThat(train().count()).isEqualTo(1);
    }

    // ---- bad CSV --------------------------------------------------------------------------------------------

    @Test
    void csvFilesNeedTheIdsAndLabelColumnsAndWholeRecords() throws IOException {
        assertThat(csvError("text,label\nab,0\n")).isEqualTo("train.csv: no column 'ids' in header [text, label]");
        assertThat(csvError("ids,y\n1,0\n")).isEqualTo("train.csv: no label column 'label' in header [ids, y]");
        assertThatThrownBy(() -> new TokensLoader("ids").read(dir, true, ALL))
                .hasMessage("train.csv: the label column cannot be 'ids', the column of the token ids");
        assertThat(csvError("")).isEqualTo("train.csv: no column 'ids' in header []");
        assertThat(csvError("ids,label\n1,0\n2\n")).isEqualTo("train.csv line 3: 1 fields, header has 2");
        assertThat(csvError("ids,label\n1,0\n\n\n2,0,7\n")).isEqualTo("train.csv line 5: 3 fields, header has 2");
        assertThat(csvError("ids,label,ids\n1,0,1\n")).startsWith("train.csv line 1: The header contains a duplicate name: \"ids\"");
        assertThat(csvError("ids,label\n1,0\n\"2,0\n")).startsWith("train.csv: ").contains("EOF reached before encapsulated token finished");
        assertThat(csvError("ids,label\n1,0\n\"2\"x,0\n")).startsWith("train.csv: ").contains("Invalid character between encapsulated token and delimiter");
    }

    @Test
    void csvIdsAreSingleSpaceSeparatedIntegers() throws IOException {
        String at = "train.csv line 3: ";
        assertThat(csvError("ids,label\n1,0\n1 x,0\n")).isEqualTo(at + "ids[1]: 'x' is not an integer token id");
        assertThat(csvError("ids,label\n1,0\n1 1.5,0\n")).isEqualTo(at + "ids[1]: '1.5' is not an integer token id");
        assertThat(csvError("ids,label\n1,0\n1 +2,0\n")).isEqualTo(at + "ids[1]: '+2' is not an integer token id");
        assertThat(csvError("ids,label\n1,0\n1  2,0\n")).isEqualTo(at + "ids[1]: empty; separate ids with single spaces");
        assertThat(csvError("ids,label\n1,0\n1\t2,0\n")).isEqualTo(at + "ids[0]: '1\t2' is not an integer token id");
        assertThat(csvError("ids,label\n1,0\n\"1,2\",0\n")).isEqualTo(at + "ids[0]: '1,2' is not an integer token id");
        assertThat(csvError("ids,label\n1,0\n,0\n")).isEqualTo(at + "ids: empty; a sequence needs at least one non-zero id");
        assertThat(csvError("ids,label\n1,0\n0 0,0\n")).isEqualTo(at + "ids: only padding (0); a sequence needs at least one non-zero id");
        assertThat(csvError("ids,label\n1,0\n-1,0\n")).isEqualTo(at + "ids[0]: -1 is outside 0..1048575");
        assertThat(csvError("ids,label\n1,0\n1048576,0\n")).isEqualTo(at + "ids[0]: 1048576 is outside 0..1048575");
        assertThat(csvError("ids,label\n1,0\n99999999999999999999,0\n")).isEqualTo(at + "ids[0]: 99999999999999999999 is outside 0..1048575");
        assertThat(csvError("ids,label\n1,0\n" + "1 ".repeat(1025).trim() + ",0\n"))
                .isEqualTo(at + "ids: more than 1024 ids (the longest sequence allowed)");
        assertThat(csvError("ids,label\n1,0\n1,two\n")).isEqualTo(at + "column 'label': 'two' is not a class index 0..65535");
        assertThat(csvError("ids,label\n1,0\n1,2.0\n")).isEqualTo(at + "column 'label': '2.0' is not a class index 0..65535");
        assertThat(csvError("ids,label\n1,0\n1,-1\n")).isEqualTo(at + "column 'label': -1 is not a class index 0..65535");
        assertThat(csvError("ids,label\n1,0\n1,65536\n")).isEqualTo(at + "column 'label': 65536 is not a class index 0..65535");
        assertThat(csvError("ids,label\n1,0\n1,\n")).isEqualTo(at + "column 'label': '' is not a class index 0..65535");
        // spaces around a field are trimmed, as for csv tables
        write("train.csv", "ids,label\n  1 2  , 1 \n3,0\n");
        assertThat(train().features()).containsExactly(1, 2, 3, 0);
    }

    @Test
    void csvLineNumbersCountQuotedLineBreaksAndBlankLines() throws IOException {
        assertThat(csvError("ids,note,label\r\n1,\"a\r\nb\r\nc\",0\r\n\r\n2,x,1\r\n3 y,z,0\r\n"))
                .isEqualTo("train.csv line 7: ids[1]: 'y' is not an integer token id");
        byte[] bad = "ids,label\n1,0\n2,0\n3\u00e9,0\n".getBytes(StandardCharsets.UTF_8);
        bad[bad.length - 4] = (byte) 0xFF;
        write("train.csv", bad);
        write("test.csv", "ids,label\n1,0\n");
        assertThat(catchThrowable(this::train)).isExactlyInstanceOf(InvalidDataException.class).hasMessage("train.csv line 4: not valid UTF-8");
    }

    // ---- anything else --------------------------------------------------------------------------------------

    /**
     * Arbitrary bytes, mutated valid files and JSON-ish token soup as {@code train.jsonl} (or {@code train.csv}):
     * the loader either reads them or throws an {@link IOException} naming the file; nothing else escapes.
     * (A deterministic generator rather than jqwik, which is not on the worker's test class path.)
     */
    @Test
    void anyContentLoadsOrThrowsAnIoException() throws IOException {
        SplittableRandom random = new SplittableRandom(42);
        String[] soup = {"{", "}", "[", "]", "\"ids\"", "\"label\"", ":", ",", " ", "0", "1", "7", "-", ".", "e", "1e3",
            "null", "true", "\"", "\\", "\n", "\r", "\uFEFF", "\u00e9", "99999999999999999999", "\"text\"", "\t", "x"};
        byte[] valid = (TRAIN + "{\"ids\": [0, 3, 1048575], \"label\": 65535, \"text\": \"\u00e9\"}\n").getBytes(StandardCharsets.UTF_8);
        byte[] validCsv = (TRAIN_CSV + "\"3 4\",\"1\"\n").getBytes(StandardCharsets.UTF_8);
        write("test.jsonl", TEST);
        write("test.csv", "ids,label\n1,0\n");
        int loaded = 0;
        for (int i = 0; i < 3000; i++) {
            boolean csv = i % 3 == 2;
            byte[] content = switch (i % 6) {
                case 0 -> randomBytes(random);
                case 1, 2 -> mutate(csv ? validCsv : valid, random);
                case 3 -> soup(soup, random);
                case 4 -> mutate(mutate(valid, random), random);
                default -> mutate(validCsv, random);
            };
            boolean asCsv = csv || i % 6 == 5;
            Files.deleteIfExists(dir.resolve("train.jsonl"));
            Files.deleteIfExists(dir.resolve("train.csv"));
            Path file = write(asCsv ? "train.csv" : "train.jsonl", content);
            try {
                TensorData t = loader.read(dir, true, ALL);
                assertThat(t.features()).hasSize(t.count() * t.sampleSize());
                assertThat(t.vocabulary()).isGreaterThanOrEqualTo(2);
                Datasets.load(new DatasetSpec("tokens", null, null, 0.5, null), dir);
                loaded++;
            } catch (IOException e) {
                assertThat(e.getMessage()).as("message for %s", file).satisfiesAnyOf(
                        m -> assertThat(m).startsWith(file.getFileName().toString()),
                        m -> assertThat(m).startsWith(dir.toString()));
            } catch (Throwable t) {
                throw new AssertionError("content " + java.util.Arrays.toString(content) + " as " + file.getFileName()
                        + " threw " + t, t);
            }
        }
        assertThat(loaded).isGreaterThan(50);
    }

    private static byte[] randomBytes(SplittableRandom random) {
        byte[] b = new byte[random.nextInt(200)];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) random.nextInt(256);
        }
        return b;
    }

    private static byte[] soup(String[] parts, SplittableRandom random) {
        StringBuilder s = new StringBuilder();
        int n = random.nextInt(60);
        for (int i = 0; i < n; i++) {
            s.append(parts[random.nextInt(parts.length)]);
        }
        return s.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] mutate(byte[] valid, SplittableRandom random) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int at = random.nextInt(valid.length + 1);
        out.write(valid, 0, at);
        switch (random.nextInt(4)) {
            case 0 -> out.write(random.nextInt(256));                                    // insert
            case 1 -> at = Math.min(valid.length, at + 1 + random.nextInt(3));           // delete
            case 2 -> {                                                                  // replace
                String replacements = "{}[]\",:0 1-.e\n\u00e9x";
                out.write(replacements.charAt(random.nextInt(replacements.length())));
                at = Math.min(valid.length, at + 1);
            }
            default -> at = valid.length;                                                // truncate
        }
        out.write(valid, at, valid.length - at);
        return out.toByteArray();
    }
}
