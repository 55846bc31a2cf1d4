package org.naspipeline.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ServiceRunnerTest {
    @Test
    void aFailedLaunchPrintsOneLineWithoutAClassNameAndGivesStatusOne() {
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            assertThat(ServiceRunner.exitStatus("worker", () -> {
                throw new IllegalStateException("NAS_ARTIFACT_URI: bucket 'models' does not exist",
                        new java.io.IOException("404"));
            })).isEqualTo(1);
        } finally {
            System.setErr(err);
        }
        assertThat(captured.toString(StandardCharsets.UTF_8)).isEqualTo("worker: NAS_ARTIFACT_URI: bucket 'models' does not exist"
                + System.lineSeparator());
    }

    @Test
    void aKafkaClientThatFailsToStartSaysWhy() {
        IllegalStateException e = new IllegalStateException("the worker did not start: Failed to create new KafkaAdminClient",
                new org.apache.kafka.common.KafkaException("Failed to create new KafkaAdminClient",
                        new org.apache.kafka.common.config.ConfigException("default.api.timeout.ms must be at least request.timeout.ms")));
        assertThat(ServiceRunner.messages(e)).isEqualTo("the worker did not start: Failed to create new KafkaAdminClient: "
                + "default.api.timeout.ms must be at least request.timeout.ms");
        assertThat(ServiceRunner.messages(new IllegalStateException("bucket 'models' does not exist", new java.io.IOException("404"))))
                .as("a message that says why stands alone").isEqualTo("bucket 'models' does not exist");
    }

    @Test
    void aLaunchsOwnStatusIsKeptAndAnInterruptionGivesOneWithTheFlagRestored() throws Exception {
        assertThat(ServiceRunner.exitStatus("controller", () -> 0)).isZero();
        assertThat(ServiceRunner.exitStatus("controller", () -> {
            throw new InterruptedException();
        })).isEqualTo(1);
        assertThat(Thread.interrupted()).as("interrupt flag restored (and cleared here)").isTrue();
    }

    @Test
    void aStartThatFailsOrTimesOutNamesTheServiceAndTheCauseOnly() {
        io.vertx.core.Future<Void> failed = io.vertx.core.Future.failedFuture(new java.net.BindException("Address already in use"));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ServiceRunner.awaitStart("the worker", failed, java.time.Duration.ofSeconds(1)))
                .hasMessage("the worker did not start: Address already in use");
        io.vertx.core.Future<Void> never = io.vertx.core.Promise.<Void>promise().future();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ServiceRunner.awaitStart("the controller", never, java.time.Duration.ofSeconds(1)))
                .hasMessage("the controller did not start within 1 s");
    }
}
