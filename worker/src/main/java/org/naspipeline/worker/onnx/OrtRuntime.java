package org.naspipeline.worker.onnx;

import ai.onnxruntime.OrtEnvironment;

/**
 * The process's ONNX Runtime environment, created once on a thread with a large stack.
 *
 * <p>Creating the environment loads ORT's native library, and in ORT 1.29 that can need more than a default 1 MB
 * thread stack when the JVM's class path string is long: on the development machine, with a 5 KB class path (a
 * container image started with {@code java -cp @jib-classpath-file}, or {@code java -cp <list>}), the JVM dies of a
 * SIGSEGV, without an error file, on any thread with the default stack, while a 2 MB stack suffices. Other hosts
 * load directly; this class loads safely on all ({@code OrtStartupIT}). Once loaded, sessions run on ordinary
 * threads.
 */
public final class OrtRuntime {
    /** The stack of the thread that loads the runtime: far more than it needs. */
    static final long LOADER_STACK_BYTES = 64L << 20;

    private static volatile OrtEnvironment environment;

    private OrtRuntime() {}

    /** The environment, loading the runtime first if this process has not yet. */
    public static OrtEnvironment environment() {
        OrtEnvironment e = environment;
        return e != null ? e : load();
    }

    /** The runtime's version, e.g. {@code 1.29.0}. */
    public static String version() {
        return environment().getVersion();
    }

    private static synchronized OrtEnvironment load() {
        if (environment != null) {
            return environment;
        }
        OrtEnvironment[] loaded = new OrtEnvironment[1];
        Throwable[] failure = new Throwable[1];
        Thread loader = new Thread(null, () -> {
            try {
                loaded[0] = OrtEnvironment.getEnvironment();
            } catch (Throwable t) { // an UnsatisfiedLinkError on a platform without bundled natives, or an OrtException
                failure[0] = t;
            }
        }, "onnxruntime-loader", LOADER_STACK_BYTES);
        loader.start();
        boolean interrupted = false;
        while (true) {
            try {
                loader.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true; // finish loading: a half-loaded native library cannot be retried
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (failure[0] != null) {
            throw new IllegalStateException("onnxruntime: cannot load the runtime on this platform ("
                    + System.getProperty("os.name") + ", " + System.getProperty("os.arch") + "): " + failure[0], failure[0]);
        }
        environment = loaded[0];
        return environment;
    }
}
