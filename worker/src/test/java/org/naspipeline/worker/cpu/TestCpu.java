package org.naspipeline.worker.cpu;

/** One registration of the test JVM on this host, shared by the tests' trial runners (as a worker's slots share one). */
public final class TestCpu {
    private static WorkerCpu shared;

    private TestCpu() {}

    /** The test JVM's CPU side: default settings, one slot. */
    public static synchronized WorkerCpu shared() {
        if (shared == null) {
            shared = WorkerCpu.open(CpuSettings.defaults(), 1);
        }
        return shared;
    }
}
