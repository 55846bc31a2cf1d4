package org.naspipeline.worker.cpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The gate within one JVM: ordering of the slots' work and measurements, nesting, interrupts, an unusable file. */
class MeasurementGateTest {

    @Test
    void aMeasurementWaitsForRunningWorkAndNewWorkWaitsForTheMeasurement(@TempDir Path dir) throws Exception {
        MeasurementGate gate = MeasurementGate.in(dir);
        CountDownLatch measuring = new CountDownLatch(1);
        AtomicBoolean workRan = new AtomicBoolean();
        CompletableFuture<Boolean> measured;
        try (MeasurementGate.Work running = gate.work()) {
            measured = CompletableFuture.supplyAsync(() -> gate.exclusive(() -> {
                measuring.countDown();
                assertThat(workRan).isFalse(); // the second unit below waits
                return true;
            }).hostWide());
            // the measurement cannot start while this unit runs
            await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> measuring.getCount() == 1);
        }
        assertThat(measuring.await(5, TimeUnit.SECONDS)).isTrue();
        try (MeasurementGate.Work next = gate.work()) {
            workRan.set(true);
        }
        assertThat(measured.get(5, TimeUnit.SECONDS)).isTrue();
        assertThat(gate.measurements(true)).isEqualTo(1);
        assertThat(gate.measurementWaitSeconds()).isGreaterThan(0.2);
    }

    @Test
    void nestedWorkOfOneThreadPassesThroughAndAMeasurementInsideWorkIsRefused(@TempDir Path dir) throws Exception {
        MeasurementGate gate = MeasurementGate.in(dir);
        CompletableFuture<Boolean> pending = new CompletableFuture<>();
        Thread measurer = new Thread(() -> pending.complete(gate.exclusive(() -> true).value()));
        try (MeasurementGate.Work outer = gate.work()) {
            measurer.start();
            await().atMost(Duration.ofSeconds(5)).until(() -> measurer.getState() == Thread.State.WAITING);
            try (MeasurementGate.Work inner = gate.work()) { // would deadlock with the pending measurement if it waited
                assertThat(inner.waitedNanos()).isZero();
            }
            assertThatThrownBy(() -> gate.exclusive(() -> 1)).isInstanceOf(IllegalStateException.class);
            assertThat(pending).isNotDone();
        }
        assertThat(pending.get(5, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void anInterruptWhileWaitingCancelsThatWaitOnlyAndTheGateStaysUsable(@TempDir Path dir) throws Exception {
        MeasurementGate gate = MeasurementGate.in(dir);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread waiter;
        try (MeasurementGate.Work running = gate.work()) {
            waiter = new Thread(() -> {
                try {
                    gate.exclusive(() -> 1);
                } catch (Throwable e) {
                    failure.set(e);
                }
            });
            waiter.start();
            await().atMost(Duration.ofSeconds(5)).until(() -> waiter.getState() == Thread.State.WAITING);
            waiter.interrupt();
            waiter.join(5000);
        }
        assertThat(failure.get()).isInstanceOf(CancellationException.class);
        // the cancelled measurement left nothing behind: work and measurements go on, with the host-wide lock
        try (MeasurementGate.Work w = gate.work()) {
            assertThat(w.waitedNanos()).isLessThan(TimeUnit.SECONDS.toNanos(1));
        }
        assertThat(gate.exclusive(() -> 2).hostWide()).isTrue();
    }

    @Test
    void whenTheLockFileCannotBeUsedTheProcessStillOrdersItsOwnWorkAndSaysSo(@TempDir Path dir) throws Exception {
        Path notADirectory = Files.writeString(dir.resolve("file"), "x");
        MeasurementGate gate = MeasurementGate.in(notADirectory);
        MeasurementGate.Exclusive<Integer> m = gate.exclusive(() -> 7);
        assertThat(m.value()).isEqualTo(7);
        assertThat(m.hostWide()).isFalse();
        try (MeasurementGate.Work w = gate.work()) {
            assertThat(w.waitedNanos()).isGreaterThanOrEqualTo(0);
        }
        assertThat(gate.measurements(false)).isEqualTo(1);
        assertThat(gate.measurements(true)).isZero();
    }
}
