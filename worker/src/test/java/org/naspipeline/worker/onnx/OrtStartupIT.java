package org.naspipeline.worker.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnxruntime.OrtEnvironment;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * ONNX Runtime in a JVM whose class path is long, as in a container image ({@code java -cp @jib-classpath-file}):
 * {@link OrtRuntime} loads the runtime on a large stack, and sessions then run on ordinary threads. Each case runs
 * in a child JVM with this test's class path plus many directories that do not exist.
 *
 * <p>Loading the runtime directly on a default-stack thread kills such a JVM on some hosts (the development machine,
 * with a 5 KB class path) and not on others (CI's), so that is not a test: what must hold everywhere is that the
 * load through {@link OrtRuntime} works, with a class path ten times longer too. The child's {@code direct} mode is
 * kept to check a host by hand.
 */
class OrtStartupIT {

    @Test
    void theRuntimeLoadsThroughOrtRuntimeAndRunsOnADefaultStackThreadWithA5KbClassPath() throws Exception {
        Result safe = child("safe", 250);
        assertThat(safe.status()).as(safe.output()).isZero();
        assertThat(safe.output()).contains("ok 1.29.0 logits 2");
    }

    @Test
    void theRuntimeLoadsThroughOrtRuntimeWithA50KbClassPath() throws Exception {
        Result safe = child("safe", 2500);
        assertThat(safe.status()).as(safe.output()).isZero();
        assertThat(safe.output()).contains("ok 1.29.0 logits 2");
    }

    record Result(int status, String output) {}

    static Result child(String mode, int missingDirectories) throws IOException, InterruptedException {
        StringBuilder classPath = new StringBuilder(System.getProperty("java.class.path"));
        for (int i = 0; i < missingDirectories; i++) {
            classPath.append(java.io.File.pathSeparator).append("/nonexistent/nas-ort-startup-").append(i);
        }
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", classPath.toString(), Child.class.getName(), mode));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    /** The child: {@code direct} loads the runtime on a default-stack thread; {@code safe} goes through {@link OrtRuntime}. */
    public static final class Child {
        public static void main(String[] args) throws Exception {
            String[] result = new String[1];
            Thread t = new Thread(() -> {
                if (args[0].equals("direct")) {
                    result[0] = "ok " + OrtEnvironment.getEnvironment().getVersion();
                    return;
                }
                String version = OrtRuntime.version();
                try (OnnxModel m = OnnxModel.load(OnnxExporter.fp32(TestPlans.withRandomWeights(TestPlans.everyLayerKind(), 1)),
                        "every layer kind", 1)) {
                    float[] logits = m.run(new float[2 * 3 * 8 * 8], 2);
                    result[0] = "ok " + version + " logits " + logits.length / m.classes();
                }
            });
            t.start();
            t.join();
            System.out.println(result[0]);
        }
    }
}
