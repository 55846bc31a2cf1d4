package org.naspipeline.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class SafeMessagesTest {
    @Test
    void plainMessagesPassAndMessagesNamingJavaTypesBecomeTheFallback() {
        assertThat(SafeMessages.of(new IllegalStateException("a strategy bug"), "x")).isEqualTo("a strategy bug");
        assertThat(SafeMessages.of(new RuntimeException("loss is NaN at epoch 3"), "x")).isEqualTo("loss is NaN at epoch 3");
        List<Throwable> java = List.of(
                new NullPointerException("Cannot invoke \"java.util.List.size()\" because \"values\" is null"),
                new IllegalArgumentException("Unknown type org.naspipeline.api.Foo"),
                new IllegalStateException("in Outer$Inner"),
                new RuntimeException("wrapped: java.io.IOException: disk full"),
                new RuntimeException("Candidate.architecture() returned null"),
                new NullPointerException(),
                new RuntimeException("  "));
        for (Throwable t : java) {
            assertThat(SafeMessages.of(t, "an unexpected error")).as(String.valueOf(t.getMessage())).isEqualTo("an unexpected error");
        }
        assertThat(SafeMessages.of(new RuntimeException("x".repeat(500)), "f")).hasSize(78);
    }
}
