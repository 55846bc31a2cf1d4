package org.naspipeline.worker.data;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.apache.commons.csv.DuplicateHeaderMode;

/**
 * Token sequences with a class label, for users' own text (already tokenized): {@code train.jsonl} and
 * {@code test.jsonl}, or {@code train.csv} and {@code test.csv} (each plain or {@code .gz}; the gzip file wins
 * when both are there, and the JSONL pair wins when both pairs are complete).
 *
 * <ul>
 *   <li>JSONL: one object per non-blank line, {@code {"ids": [12, 7, 431], "label": 2}}; other keys are ignored,
 *       a duplicate key, trailing content after the object or a line that is not an object is refused.
 *   <li>CSV: a header row, the ids in column {@code ids} separated by single spaces ({@code "12 7 431"}; two
 *       spaces in a row or a tab is refused, spaces around the field are trimmed), the label in the spec's
 *       {@code labelColumn}; other columns are ignored, and so are blank lines.
 *   <li>Ids are integers 0..{@value #MAX_ID} written as integers (no {@code 3.0}, {@code 1e3} or {@code "3"}).
 *       {@value #PAD} is the padding id: it may appear (pre-padded sequences) and is masked out by the model,
 *       but a sequence needs at least one other id. At most {@value #MAX_LENGTH} ids a sequence (attention
 *       costs grow with the square of the length).
 *   <li>Labels are integers 0..{@value #MAX_LABEL}; the classes are the largest label + 1.
 *   <li>Text is UTF-8 (a leading byte order mark is skipped); a line of more than {@value #MAX_LINE_CHARS}
 *       characters is refused without being read whole.
 * </ul>
 *
 * <p>An example is its ids as floats, right-padded with {@value #PAD} to the longest sequence read ({@code L},
 * the sample shape {@code (L)}); the vocabulary is the largest id + 1 (at least 2). Test sequences are then
 * {@linkplain #conform conformed} to the training {@code L}: padded, or cut to the first {@code L} ids (as BERT's
 * {@code max_seq_length} truncates). Ids are not normalized.
 */
public final class TokensLoader implements DatasetLoader {
    /** The largest token id: 2^20 − 1, well inside the integers a float holds exactly (2^24). */
    public static final int MAX_ID = 1_048_575;
    /** The padding id. */
    public static final int PAD = 0;
    /** The most ids one sequence may have. */
    public static final int MAX_LENGTH = 1024;
    /** The largest class label. */
    public static final int MAX_LABEL = 65_535;
    /**
     * The longest line read, in characters: 1 MiB, room for {@value #MAX_LENGTH} ids of 7 digits (about 9 KiB)
     * and a long original text kept beside them.
     */
    public static final int MAX_LINE_CHARS = 1 << 20;

    private static final JsonFactory JSON = JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();
    private static final List<String> JSONL = List.of("train.jsonl", "test.jsonl");
    private static final List<String> CSV = List.of("train.csv", "test.csv");
    private static final int SHOWN_CHARS = 40;

    private final String labelColumn;

    /** A loader reading the labels of CSV files from {@code labelColumn}. */
    public TokensLoader(String labelColumn) {
        this.labelColumn = labelColumn;
    }

    /** The JSONL pair; {@code train.csv} and {@code test.csv} do as well (see {@link #missingFiles}). */
    @Override
    public List<String> requiredFiles() {
        return JSONL;
    }

    /** Nothing when either pair is complete, otherwise what the JSONL pair lacks (see {@link #describeMissing}). */
    @Override
    public List<String> missingFiles(Path dir) {
        return missing(dir, CSV).isEmpty() ? List.of() : missing(dir, JSONL);
    }

    /** What each pair lacks, e.g. {@code [test.jsonl] or [train.csv, test.csv]}. */
    @Override
    public String describeMissing(Path dir) {
        return missing(dir, JSONL) + " or " + missing(dir, CSV);
    }

    private static List<String> missing(Path dir, List<String> pair) {
        return pair.stream().filter(f -> find(dir, f) == null).toList();
    }

    /** The {@code .gz} file, else the plain one, else null. */
    private static Path find(Path dir, String name) {
        Path gz = dir.resolve(name + ".gz");
        if (Files.isRegularFile(gz)) {
            return gz;
        }
        Path plain = dir.resolve(name);
        return Files.isRegularFile(plain) ? plain : null;
    }

    @Override
    public TensorData read(Path dir, boolean train, int limit) throws IOException {
        boolean jsonl = missing(dir, JSONL).isEmpty();
        if (!jsonl && !missing(dir, CSV).isEmpty()) {
            throw new IOException(dir + " lacks the tokens files " + describeMissing(dir));
        }
        Path file = find(dir, (jsonl ? JSONL : CSV).get(train ? 0 : 1));
        Sequences s = new Sequences(Math.min(limit, 1 << 16));
        try (TextLines text = new TextLines(open(file), file.getFileName().toString(), MAX_LINE_CHARS, !jsonl)) {
            if (jsonl) {
                readJsonl(text, file.getFileName().toString(), limit, s);
            } else {
                readCsv(text, file.getFileName().toString(), limit, s);
            }
        }
        return s.toTensorData(file.getFileName().toString());
    }

    private static InputStream open(Path file) throws IOException {
        InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        if (!file.getFileName().toString().endsWith(".gz")) {
            return raw;
        }
        try {
            return new GZIPInputStream(raw, 1 << 16);
        } catch (IOException e) {
            raw.close();
            throw new InvalidDataException(file.getFileName() + ": not a gzip file (" + e.getMessage() + ")", e);
        }
    }

    // ---- JSONL ----------------------------------------------------------------------------------------------

    private static void readJsonl(TextLines text, String name, int limit, Sequences out) throws IOException {
        while (out.size() < limit) {
            long line = text.line();
            String s = text.readLine();
            if (s == null) {
                return;
            }
            if (s.isBlank()) {
                continue;
            }
            String where = name + " line " + line;
            try (JsonParser p = JSON.createParser(s)) {
                parseObject(p, where, out);
            } catch (JsonProcessingException e) {
                String column = e.getLocation() == null ? "" : ", column " + e.getLocation().getColumnNr();
                // Jackson's own locations say nothing here (the source is not kept): only the line's column is shown
                String message = String.valueOf(e.getOriginalMessage())
                        .replaceAll(" \\(start marker at \\[Source: .*?column: \\d+]\\)", "");
                throw new InvalidDataException(where + column + ": not valid JSON: " + shorten(message, 300));
            }
        }
    }

    private static void parseObject(JsonParser p, String where, Sequences out) throws IOException {
        JsonToken t = p.nextToken();
        if (t != JsonToken.START_OBJECT) {
            throw new InvalidDataException(where + ": expected an object like {\"ids\": [12, 7, 431], \"label\": 2}, found "
                    + describe(p, t));
        }
        int[] ids = null;
        int label = -1;
        while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
            String key = p.currentName();
            JsonToken value = p.nextToken();
            if (value == null) {
                throw new InvalidDataException(where + ": the line ends inside the object");
            }
            if ("ids".equals(key)) {
                ids = parseIds(p, value, where);
            } else if ("label".equals(key)) {
                label = parseLabel(p, value, where);
            } else {
                p.skipChildren();
            }
        }
        if (t != JsonToken.END_OBJECT) {
            throw new InvalidDataException(where + ": the line ends inside the object");
        }
        t = p.nextToken();
        if (t != null) {
            throw new InvalidDataException(where + ": " + describe(p, t) + " after the object; one object a line");
        }
        if (ids == null) {
            throw new InvalidDataException(where + ": no \"ids\"");
        }
        if (label < 0) {
            throw new InvalidDataException(where + ": no \"label\"");
        }
        out.add(ids, label);
    }

    private static int[] parseIds(JsonParser p, JsonToken t, String where) throws IOException {
        if (t != JsonToken.START_ARRAY) {
            throw new InvalidDataException(where + ": ids: expected an array of token ids, found " + describe(p, t));
        }
        int[] ids = new int[16];
        int n = 0;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
            if (t == null) {
                throw new InvalidDataException(where + ": the line ends inside ids");
            }
            if (n == MAX_LENGTH) {
                throw new InvalidDataException(where + ": ids: more than " + MAX_LENGTH + " ids (the longest sequence allowed)");
            }
            String at = where + ": ids[" + n + "]: ";
            if (t == JsonToken.VALUE_NUMBER_INT) {
                ids[n] = id(p.getText(), at);
            } else {
                throw new InvalidDataException(at + describe(p, t) + " is not an integer token id");
            }
            if (++n == ids.length) {
                ids = Arrays.copyOf(ids, Math.min(2 * n, MAX_LENGTH));
            }
        }
        return checked(Arrays.copyOf(ids, n), where);
    }

    private static int parseLabel(JsonParser p, JsonToken t, String where) throws IOException {
        if (t != JsonToken.VALUE_NUMBER_INT) {
            throw new InvalidDataException(where + ": label: " + describe(p, t) + " is not a class index 0.." + MAX_LABEL);
        }
        return label(p.getText(), where + ": label: ");
    }

    /** A token for messages: numbers as written, strings quoted and shortened, other values by kind. */
    private static String describe(JsonParser p, JsonToken t) throws IOException {
        if (t == null) {
            return "the end of the line";
        }
        return switch (t) {
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT, VALUE_TRUE, VALUE_FALSE, VALUE_NULL -> shorten(p.getText());
            case VALUE_STRING -> "\"" + shorten(p.getText()) + "\"";
            case START_ARRAY -> "an array";
            case START_OBJECT -> "an object";
            default -> t.asString() == null ? t.name() : t.asString();
        };
    }

    // ---- CSV ------------------------------------------------------------------------------------------------

    private void readCsv(TextLines text, String name, int limit, Sequences out) throws IOException {
        CSVFormat format = CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).setTrim(true)
                .setAllowMissingColumnNames(true).setDuplicateHeaderMode(DuplicateHeaderMode.ALLOW_EMPTY)
                // blank lines come through (skipped below): every record's position is then where its line starts
                .setIgnoreEmptyLines(false).get();
        CSVParser parser;
        try {
            parser = CSVParser.parse(text, format); // reads the header
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new InvalidDataException(name + " line 1: " + shorten(String.valueOf(e.getMessage()), 200));
        } catch (UncheckedIOException e) {
            throw unwrap(e.getCause(), name);
        } catch (IOException e) {
            throw unwrap(e, name);
        }
        try (parser) {
            List<String> header = parser.getHeaderNames();
            int idsIndex = header.indexOf("ids");
            if (idsIndex < 0) {
                throw new InvalidDataException(name + ": no column 'ids' in header " + shorten(header.toString(), 200));
            }
            if ("ids".equals(labelColumn)) {
                throw new InvalidDataException(name + ": the label column cannot be 'ids', the column of the token ids");
            }
            int labelIndex = header.indexOf(labelColumn);
            if (labelIndex < 0) {
                throw new InvalidDataException(name + ": no label column '" + labelColumn + "' in header "
                        + shorten(header.toString(), 200));
            }
            var records = parser.iterator();
            while (out.size() < limit && hasNext(records, name)) {
                CSVRecord r = records.next();
                if (r.size() == 1 && r.get(0).isEmpty()) {
                    continue; // a blank line
                }
                String where = name + " line " + text.lineAt(r.getCharacterPosition());
                if (r.size() != header.size()) {
                    throw new InvalidDataException(where + ": " + r.size() + " fields, header has " + header.size());
                }
                int[] ids = csvIds(r.get(idsIndex), where);
                int label = label(r.get(labelIndex), where + ": column '" + labelColumn + "': ");
                out.add(ids, label);
            }
        } catch (UncheckedIOException e) {
            throw unwrap(e.getCause(), name);
        }
    }

    private static boolean hasNext(java.util.Iterator<CSVRecord> records, String name) throws IOException {
        try {
            return records.hasNext();
        } catch (IllegalStateException e) {
            throw new InvalidDataException(name + ": " + e.getMessage());
        }
    }

    /**
     * Commons-csv wraps the reader's and its own errors; the reader's already name the file and the line (and say whether
     * the bytes or the disk failed), its own are the format's.
     */
    private static IOException unwrap(IOException cause, String name) {
        return cause.getMessage() != null && cause.getMessage().startsWith(name + " line ")
                ? cause
                : new InvalidDataException(name + ": " + shorten(String.valueOf(cause.getMessage()), 200), cause);
    }

    private static int[] csvIds(String field, String where) throws IOException {
        if (field.isEmpty()) {
            return checked(new int[0], where);
        }
        int[] ids = new int[16];
        int n = 0;
        int start = 0;
        while (true) {
            int end = field.indexOf(' ', start);
            String token = end < 0 ? field.substring(start) : field.substring(start, end);
            if (n == MAX_LENGTH) {
                throw new InvalidDataException(where + ": ids: more than " + MAX_LENGTH + " ids (the longest sequence allowed)");
            }
            String at = where + ": ids[" + n + "]: ";
            if (token.isEmpty()) {
                throw new InvalidDataException(at + "empty; separate ids with single spaces");
            }
            ids[n] = id(token, at);
            if (++n == ids.length) {
                ids = Arrays.copyOf(ids, Math.min(2 * n, MAX_LENGTH));
            }
            if (end < 0) {
                return checked(Arrays.copyOf(ids, n), where);
            }
            start = end + 1;
        }
    }

    // ---- values ---------------------------------------------------------------------------------------------

    /** An id written as a decimal integer (JSON's integer text, or a CSV token). */
    private static int id(String text, String at) throws IOException {
        long v = integer(text);
        if (v == NOT_AN_INTEGER) {
            throw new InvalidDataException(at + "'" + shorten(text) + "' is not an integer token id");
        }
        if (v < 0 || v > MAX_ID) {
            throw new InvalidDataException(at + shorten(text) + " is outside 0.." + MAX_ID);
        }
        return (int) v;
    }

    private static int label(String text, String at) throws IOException {
        long v = integer(text);
        if (v < 0 || v > MAX_LABEL) {
            String shown = v == NOT_AN_INTEGER ? "'" + shorten(text) + "'" : shorten(text);
            throw new InvalidDataException(at + shown + " is not a class index 0.." + MAX_LABEL);
        }
        return (int) v;
    }

    private static final long NOT_AN_INTEGER = Long.MIN_VALUE;
    private static final long TOO_LARGE = Long.MAX_VALUE;

    /**
     * {@code text} as an integer ({@code -?[0-9]+}); {@link #TOO_LARGE} (or its negative) beyond 12 digits,
     * {@link #NOT_AN_INTEGER} for anything else.
     */
    private static long integer(String text) {
        int i = text.startsWith("-") ? 1 : 0;
        if (i == text.length()) {
            return NOT_AN_INTEGER;
        }
        for (int j = i; j < text.length(); j++) {
            char c = text.charAt(j);
            if (c < '0' || c > '9') {
                return NOT_AN_INTEGER;
            }
        }
        if (text.length() - i > 12) {
            return i == 1 ? -TOO_LARGE : TOO_LARGE;
        }
        return Long.parseLong(text);
    }

    private static int[] checked(int[] ids, String where) throws IOException {
        if (ids.length == 0) {
            throw new InvalidDataException(where + ": ids: empty; a sequence needs at least one non-zero id");
        }
        for (int id : ids) {
            if (id != PAD) {
                return ids;
            }
        }
        throw new InvalidDataException(where + ": ids: only padding (" + PAD + "); a sequence needs at least one non-zero id");
    }

    private static String shorten(String s) {
        return shorten(s, SHOWN_CHARS);
    }

    private static String shorten(String s, int chars) {
        return s.length() <= chars ? s : s.substring(0, chars) + "…";
    }

    // ---- result ---------------------------------------------------------------------------------------------

    /** Sequences read so far, kept as ints until the longest is known. */
    private static final class Sequences {
        private final List<int[]> rows;
        private final List<Integer> labels;
        private int length;
        private int maxId;
        private int maxLabel;

        Sequences(int capacity) {
            rows = new ArrayList<>(capacity);
            labels = new ArrayList<>(capacity);
        }

        int size() {
            return rows.size();
        }

        void add(int[] ids, int label) {
            rows.add(ids);
            labels.add(label);
            length = Math.max(length, ids.length);
            for (int id : ids) {
                maxId = Math.max(maxId, id);
            }
            maxLabel = Math.max(maxLabel, label);
        }

        TensorData toTensorData(String file) throws IOException {
            int n = rows.size();
            if ((long) n * length > Integer.MAX_VALUE - 8) { // one float array holds a split
                throw new InvalidDataException(file + ": " + n + " sequences padded to " + length + " ids are more than one array holds; "
                        + "set dataset.trainLimit / testLimit");
            }
            float[] x = new float[n * length];
            float[] y = new float[n];
            for (int i = 0; i < n; i++) {
                int[] ids = rows.get(i);
                for (int t = 0; t < ids.length; t++) {
                    x[i * length + t] = ids[t];
                }
                y[i] = labels.get(i);
            }
            return new TensorData(x, y, n, new long[] {length}, maxLabel + 1, Math.max(2, maxId + 1));
        }
    }

    /**
     * {@code test} with the training length: shorter sequences padded with {@value #PAD}, longer ones cut to their
     * first {@code L} ids (a cut sequence may be left holding padding only, when it was padded on the left).
     */
    @Override
    public TensorData conform(TensorData test, TensorData train) {
        int to = train.sampleSize();
        int from = test.sampleSize();
        if (from == to) {
            return test;
        }
        float[] x = new float[test.count() * to];
        int kept = Math.min(from, to);
        for (int i = 0; i < test.count(); i++) {
            System.arraycopy(test.features(), i * from, x, i * to, kept);
        }
        return new TensorData(x, test.labels(), test.count(), new long[] {to}, test.classes(), test.vocabulary());
    }

    /** Ids are not scaled: mean 0 and deviation 1 at every position. */
    @Override
    public float[][] normalization(TensorData train) {
        float[] std = new float[train.sampleSize()];
        Arrays.fill(std, 1f);
        return new float[][] {new float[train.sampleSize()], std};
    }

    @Override
    public String toString() {
        return "TokensLoader" + List.of(labelColumn);
    }
}
