package org.naspipeline.worker.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;

/** The checkpoint file format: what is written reads back, and every damaged file is refused with the reason. */
class CheckpointFileTest {
    static final CheckpointFile.Contents CONTENTS = new CheckpointFile.Contents(3, 42, "adam", List.of(
            new CheckpointFile.Entry("01Linear_weight", new long[] {2, 3}, new float[] {1, -2, 3.5f, 0, 1e-7f, -0f},
                    List.of(new float[] {0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f}, new float[] {1, 2, 3, 4, 5, 6})),
            new CheckpointFile.Entry("01Linear_bias", new long[] {2}, new float[] {7, 8}, List.of(new float[2], new float[2])),
            new CheckpointFile.Entry("02BatchNorm_runningMean", new long[] {2}, new float[] {0.5f, 0.25f}, List.of())));

    @Test
    void whatIsWrittenReadsBack() throws Exception {
        CheckpointFile.Contents back = CheckpointFile.decode(CheckpointFile.encode(CONTENTS));
        assertThat(back.epoch()).isEqualTo(3);
        assertThat(back.steps()).isEqualTo(42);
        assertThat(back.optimizer()).isEqualTo("adam");
        assertThat(back.parameters()).hasSize(3);
        for (int i = 0; i < 3; i++) {
            CheckpointFile.Entry a = CONTENTS.parameters().get(i);
            CheckpointFile.Entry b = back.parameters().get(i);
            assertThat(b.name()).isEqualTo(a.name());
            assertThat(b.shape()).containsExactly(a.shape());
            assertThat(b.weights()).containsExactly(a.weights());
            assertThat(b.state()).hasSameSizeAs(a.state());
            for (int s = 0; s < a.state().size(); s++) {
                assertThat(b.state().get(s)).containsExactly(a.state().get(s));
            }
        }
    }

    @Test
    void everyTruncationIsRefused() {
        byte[] file = CheckpointFile.encode(CONTENTS);
        for (int n = 0; n < file.length; n++) {
            byte[] cut = Arrays.copyOf(file, n);
            assertThatThrownBy(() -> CheckpointFile.decode(cut)).as("%d of %d bytes", n, file.length)
                    .isInstanceOf(CheckpointFile.CorruptCheckpointException.class)
                    .hasMessageMatching(n == 0 ? "empty file" : "(not a checkpoint file.*|truncated.*)");
        }
    }

    @Test
    void everySingleBitFlipIsRefused() {
        byte[] file = CheckpointFile.encode(CONTENTS);
        for (int bit = 0; bit < file.length * 8; bit++) {
            byte[] flipped = file.clone();
            flipped[bit / 8] ^= (byte) (1 << (bit % 8));
            assertThatThrownBy(() -> CheckpointFile.decode(flipped)).as("bit %d", bit)
                    .isInstanceOf(CheckpointFile.CorruptCheckpointException.class);
        }
    }

    @Test
    void trailingBytesAnotherVersionAndGarbageAreRefused() {
        byte[] file = CheckpointFile.encode(CONTENTS);
        assertThatThrownBy(() -> CheckpointFile.decode(Arrays.copyOf(file, file.length + 1)))
                .hasMessageStartingWith("trailing bytes after the checkpoint");
        byte[] v2 = file.clone();
        v2[9] = 2;
        assertThatThrownBy(() -> CheckpointFile.decode(v2)).hasMessage("checkpoint format version 2, this worker reads 1");
        byte[] garbage = new byte[file.length];
        new java.util.SplittableRandom(3).nextBytes(garbage);
        assertThatThrownBy(() -> CheckpointFile.decode(garbage)).hasMessage("not a checkpoint file (no NASCKPT header)");
    }

    /** A body whose checksum is right but whose fields do not add up (a writer's bug) is refused, not thrown past. */
    @Test
    void aWellSealedMalformedBodyIsRefused() {
        for (byte[] body : List.of(new byte[] {0, 0, 0, 1}, body(Integer.MAX_VALUE), body(1))) {
            assertThatThrownBy(() -> CheckpointFile.decode(seal(body)))
                    .isInstanceOf(CheckpointFile.CorruptCheckpointException.class)
                    .hasMessageStartingWith("malformed body");
        }
    }

    /** Epoch 1, 0 steps, optimizer "adam", {@code count} parameters and nothing more. */
    static byte[] body(int count) {
        return ByteBuffer.allocate(4 + 4 + 2 + 4 + 4).putInt(1).putInt(0).putShort((short) 4).put("adam".getBytes())
                .putInt(count).array();
    }

    static byte[] seal(byte[] body) {
        CRC32C crc = new CRC32C();
        crc.update(body);
        return ByteBuffer.allocate(8 + 2 + 8 + body.length + 4).put("NASCKPT\n".getBytes()).putShort((short) 1)
                .putLong(body.length).put(body).putInt((int) crc.getValue()).array();
    }
}
