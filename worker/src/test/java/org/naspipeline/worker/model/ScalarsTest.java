package org.naspipeline.worker.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import java.lang.ref.Cleaner;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;

/**
 * The constants of {@link Scalars} outlive the garbage collector: between the forward pass and the backward one, the
 * test has unreachable direct buffers freed and fills freshly allocated small ones with 0xFF bytes (a NaN). With
 * DJL's own {@code x.div(4f)} and {@code x.mul(3f)} in place of {@link Scalars}, the same test reads the gradients back
 * as -2.3e-35 and NaN instead of 0.25 and 3: the backward pass read the freed constant.
 */
class ScalarsTest {
    private static final Cleaner CLEANER = Cleaner.create();

    @Test
    void theGradientThroughADivisionSurvivesACollection() {
        assertThat(gradientAfterChurn(Scalars::divide, 4.0)).containsOnly(0.25f);
    }

    @Test
    void theGradientThroughAMultiplicationSurvivesACollection() {
        assertThat(gradientAfterChurn(Scalars::times, 3.0)).containsOnly(3f);
    }

    @Test
    void theResultKeepsTheInputsTypeAndShape() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.create(new float[] {1, 2, 3, 4}, new ai.djl.ndarray.types.Shape(2, 2));
            NDArray y = Scalars.divide(x, 2);
            assertThat(y.getShape()).isEqualTo(x.getShape());
            assertThat(y.getDataType()).isEqualTo(x.getDataType());
            assertThat(y.toFloatArray()).containsExactly(0.5f, 1f, 1.5f, 2f);
            assertThat(Scalars.times(x, -1).toFloatArray()).containsExactly(-1f, -2f, -3f, -4f);
        }
    }

    private static float[] gradientAfterChurn(BiFunction<NDArray, Double, NDArray> op, double c) {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.create(new float[] {1, 2, 3, 4, 5, 6, 7, 8});
            x.setRequiresGradient(true);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray loss = op.apply(x, c).sum();
                List<ByteBuffer> zeros = churnDirectMemory();
                gc.backward(loss);
                assertThat(zeros).isNotEmpty();
            }
            return x.getGradient().toFloatArray();
        }
    }

    /**
     * Collects garbage until reference processing has run (a sentinel direct buffer's cleaning action has), then
     * takes small direct buffers, as DJL's constants are, filled with 0xFF.
     */
    private static List<ByteBuffer> churnDirectMemory() {
        List<ByteBuffer> held = new ArrayList<>();
        for (int round = 0; round < 20; round++) {
            AtomicBoolean cleaned = new AtomicBoolean();
            CLEANER.register(ByteBuffer.allocateDirect(4), () -> cleaned.set(true));
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(10)).until(() -> {
                System.gc();
                return cleaned.get();
            });
            for (int i = 0; i < 2_000; i++) {
                ByteBuffer b = ByteBuffer.allocateDirect(4 + (i % 8) * 4);
                while (b.hasRemaining()) {
                    b.put((byte) 0xFF);
                }
                held.add(b);
            }
        }
        return held;
    }
}
