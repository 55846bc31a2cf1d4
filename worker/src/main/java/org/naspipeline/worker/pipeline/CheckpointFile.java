package org.naspipeline.worker.pipeline;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The checkpoint file of a multi-fidelity attempt ({@link ArtifactStore#CHECKPOINT_FILE}): the trained weights and the
 * optimizer state, keyed by each parameter's path in the block (DJL's parameter ids differ per instance). Big-endian:
 *
 * <pre>
 * magic    8 bytes  "NASCKPT\n"
 * version  u16      1
 * length   u64      bytes of the body
 * body     epoch i32, steps i32, optimizer (u16 length + UTF-8), parameter count i32, then per parameter:
 *          name (u16 length + UTF-8), rank u8, dims i64 × rank, state count u8,
 *          weights f32 × (product of dims), then each state array f32 × (product of dims)
 * crc      u32      CRC-32C of the body
 * </pre>
 *
 * A file that is short, long, has another magic or version, or whose checksum differs is refused with a
 * {@link CorruptCheckpointException} saying which; so is a body whose fields do not add up.
 */
final class CheckpointFile {
    private static final byte[] MAGIC = "NASCKPT\n".getBytes(StandardCharsets.US_ASCII);
    static final int VERSION = 1;
    private static final int HEADER = MAGIC.length + 2 + 8;
    private static final int MAX_RANK = 8;
    private static final int MAX_STATES = 4;

    private CheckpointFile() {}

    /** What a checkpoint holds: the epoch it was saved at, the optimizer's name and steps, and the parameters. */
    record Contents(int epoch, int steps, String optimizer, List<Entry> parameters) {}

    /** One parameter: its path in the block, shape, weights and optimizer state (none for one never updated). */
    record Entry(String name, long[] shape, float[] weights, List<float[]> state) {}

    /** A checkpoint file that cannot be read: why, in words. */
    static final class CorruptCheckpointException extends IOException {
        CorruptCheckpointException(String message) {
            super(message);
        }
    }

    static byte[] encode(Contents c) {
        try {
            ByteArrayOutputStream bodyBytes = new ByteArrayOutputStream();
            DataOutputStream body = new DataOutputStream(bodyBytes);
            body.writeInt(c.epoch());
            body.writeInt(c.steps());
            writeUtf(body, c.optimizer());
            body.writeInt(c.parameters().size());
            for (Entry e : c.parameters()) {
                writeUtf(body, e.name());
                body.writeByte(e.shape().length);
                for (long d : e.shape()) {
                    body.writeLong(d);
                }
                body.writeByte(e.state().size());
                writeFloats(body, e.weights());
                for (float[] s : e.state()) {
                    writeFloats(body, s);
                }
            }
            body.flush();
            byte[] b = bodyBytes.toByteArray();
            CRC32C crc = new CRC32C();
            crc.update(b);
            ByteBuffer out = ByteBuffer.allocate(HEADER + b.length + 4);
            out.put(MAGIC).putShort((short) VERSION).putLong(b.length).put(b).putInt((int) crc.getValue());
            return out.array();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // in memory: cannot happen
        }
    }

    private static void writeUtf(DataOutputStream out, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        if (b.length > 0xFFFF) {
            throw new IllegalArgumentException("name of " + b.length + " bytes: too long for a checkpoint");
        }
        out.writeShort(b.length);
        out.write(b);
    }

    private static void writeFloats(DataOutputStream out, float[] values) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(values.length * 4);
        buf.asFloatBuffer().put(values);
        out.write(buf.array());
    }

    static Contents decode(byte[] file) throws CorruptCheckpointException {
        if (file.length == 0) {
            throw new CorruptCheckpointException("empty file");
        }
        if (file.length < HEADER + 4 || !Arrays.equals(file, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
            throw new CorruptCheckpointException("not a checkpoint file (no NASCKPT header)");
        }
        ByteBuffer in = ByteBuffer.wrap(file);
        in.position(MAGIC.length);
        int version = Short.toUnsignedInt(in.getShort());
        if (version != VERSION) {
            throw new CorruptCheckpointException("checkpoint format version " + version + ", this worker reads " + VERSION);
        }
        long length = in.getLong();
        long expected = (long) file.length - HEADER - 4;
        if (length != expected) {
            throw new CorruptCheckpointException(length > expected
                    ? "truncated (" + file.length + " bytes, header says " + (length + HEADER + 4) + ")"
                    : "trailing bytes after the checkpoint (" + file.length + " bytes, header says " + (length + HEADER + 4) + ")");
        }
        CRC32C crc = new CRC32C();
        crc.update(file, HEADER, (int) length);
        int stored = ByteBuffer.wrap(file, HEADER + (int) length, 4).getInt();
        if (stored != (int) crc.getValue()) {
            throw new CorruptCheckpointException("checksum mismatch (stored " + Integer.toHexString(stored) + ", computed "
                    + Integer.toHexString((int) crc.getValue()) + ")");
        }
        try {
            return body(ByteBuffer.wrap(file, HEADER, (int) length).slice());
        } catch (BufferUnderflowException | IllegalArgumentException e) {
            throw new CorruptCheckpointException("malformed body: " + e.getMessage());
        }
    }

    private static Contents body(ByteBuffer in) throws CorruptCheckpointException {
        int epoch = in.getInt();
        int steps = in.getInt();
        String optimizer = utf(in);
        int count = in.getInt();
        if (epoch < 0 || steps < 0 || count < 0 || count > in.remaining()) {
            throw new CorruptCheckpointException("malformed body: epoch " + epoch + ", steps " + steps + ", parameters " + count);
        }
        List<Entry> entries = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            String name = utf(in);
            int rank = Byte.toUnsignedInt(in.get());
            if (rank > MAX_RANK) {
                throw new CorruptCheckpointException("malformed body: parameter " + name + " has rank " + rank);
            }
            long[] shape = new long[rank];
            long size = 1;
            for (int d = 0; d < rank; d++) {
                shape[d] = in.getLong();
                if (shape[d] < 0 || shape[d] > in.remaining()) {
                    throw new CorruptCheckpointException("malformed body: parameter " + name + " has dimension " + shape[d]);
                }
                size *= shape[d];
            }
            int states = Byte.toUnsignedInt(in.get());
            if (states > MAX_STATES || size * 4 * (1 + states) > in.remaining()) {
                throw new CorruptCheckpointException("malformed body: parameter " + name + " runs past the end");
            }
            float[] weights = readFloats(in, (int) size);
            List<float[]> state = new ArrayList<>(states);
            for (int s = 0; s < states; s++) {
                state.add(readFloats(in, (int) size));
            }
            entries.add(new Entry(name, shape, weights, state));
        }
        if (in.hasRemaining()) {
            throw new CorruptCheckpointException("malformed body: " + in.remaining() + " bytes after the last parameter");
        }
        return new Contents(epoch, steps, optimizer, entries);
    }

    private static float[] readFloats(ByteBuffer in, int n) {
        float[] values = new float[n];
        in.asFloatBuffer().get(values);
        in.position(in.position() + n * 4);
        return values;
    }

    /** A string as {@link #writeUtf} wrote it. */
    private static String utf(ByteBuffer in) {
        int n = Short.toUnsignedInt(in.getShort());
        byte[] b = new byte[n];
        in.get(b);
        return new String(b, StandardCharsets.UTF_8);
    }
}
