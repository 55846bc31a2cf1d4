package org.naspipeline.ops;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Runs a long-lived service until the JVM is asked to stop (SIGTERM, Ctrl-C) or the service fails fatally; the
 * shutdown hook closes the service, which for a worker means finishing or handing back its running trials.
 */
public final class ServiceRunner {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ServiceRunner.class);

    private ServiceRunner() {}

    /** A service's launch: its configuration, start and run until shutdown; returns the exit status. */
    @FunctionalInterface
    public interface Launch {
        /** Runs the service and returns its exit status. */
        int run() throws InterruptedException;
    }

    /**
     * Runs {@code launch} and turns a failure into an exit status: configuration and start-up errors (bad settings,
     * a Kafka client refusing its properties, a missing bucket, a port in use) print one line naming {@code
     * service} and the cause, without a stack trace (that goes to the debug log), and give 1.
     */
    public static int exitStatus(String service, Launch launch) {
        try {
            return launch.run();
        } catch (RuntimeException e) {
            LOG.debug("{} start-up failed", service, e);
            System.err.println(service + ": " + messages(e));
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        }
    }

    /**
     * The message of {@code e}; where it only says what failed (a Kafka client's "Failed to create new
     * KafkaAdminClient", "Failed to construct kafka consumer"), with its cause's message, which says why.
     */
    static String messages(Throwable e) {
        String message = e.getMessage() == null || e.getMessage().isBlank() ? "failed without a reason" : e.getMessage();
        String last = message;
        for (Throwable c = e.getCause(); c != null && last.matches("(?s).*\\bFailed to (create|construct) .*"); c = c.getCause()) {
            if (c.getMessage() != null && !message.contains(c.getMessage())) {
                message += ": " + c.getMessage();
                last = c.getMessage();
            }
        }
        return message;
    }

    /**
     * Waits for {@code started} (a verticle deployment) and turns its failure into an {@link IllegalStateException}
     * whose message names {@code what} and the cause's own message, without exception class names.
     */
    public static void awaitStart(String what, io.vertx.core.Future<?> started, java.time.Duration timeout) {
        try {
            started.toCompletionStage().toCompletableFuture().get(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new IllegalStateException(what + " did not start: " + (cause.getMessage() == null ? "no reason given" : cause.getMessage()), cause);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException(what + " did not start within " + timeout.toSeconds() + " s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(what + " was interrupted while starting", e);
        }
    }

    /** Starts the service and blocks until shutdown; returns the process exit code (0). */
    public static int runUntilShutdown(AutoCloseable service, Runnable start) throws InterruptedException {
        return runUntilShutdown(service, start, new CompletableFuture<>());
    }

    /**
     * As {@link #runUntilShutdown(AutoCloseable, Runnable)}, and also returns 1 (after closing the service) when
     * {@code failed} completes exceptionally: a fatal error, so the orchestrator restarts or reports the process.
     */
    public static int runUntilShutdown(AutoCloseable service, Runnable start, CompletableFuture<?> failed)
            throws InterruptedException {
        CountDownLatch done = new CountDownLatch(1);
        AtomicBoolean fatal = new AtomicBoolean();
        failed.whenComplete((v, e) -> {
            if (e != null) {
                fatal.set(true);
                done.countDown();
            }
        });
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                service.close();
            } catch (Exception e) {
                System.err.println("error while stopping: " + e.getMessage());
            } finally {
                done.countDown();
            }
        }));
        start.run();
        done.await();
        if (fatal.get()) {
            try {
                service.close();
            } catch (Exception e) {
                System.err.println("error while stopping after a fatal error: " + e.getMessage());
            }
            return 1;
        }
        return 0;
    }
}
