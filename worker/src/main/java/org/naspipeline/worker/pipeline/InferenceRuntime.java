package org.naspipeline.worker.pipeline;

import ai.djl.engine.Engine;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;
import org.naspipeline.worker.onnx.OrtRuntime;

/**
 * The runtime a trial's model is measured in ({@code NAS_INFERENCE_RUNTIME}): test and validation accuracy, latency
 * and size are those of the model as it runs there. Training always runs in DJL; every trial saves its ONNX files
 * whichever runtime measures.
 */
public enum InferenceRuntime {
    /**
     * ONNX Runtime on the CPU, over the trial's {@code model.onnx} or {@code model.int8.onnx}: the portable file a
     * user deploys, with real int8 kernels. The default.
     */
    ONNXRUNTIME("onnxruntime"),
    /** The trained DJL (PyTorch) model on the trial's device; int8 weights run dequantized to fp32. */
    DJL("djl");

    private final String setting;

    InferenceRuntime(String setting) {
        this.setting = setting;
    }

    /** The setting's value naming this runtime. */
    public String setting() {
        return setting;
    }

    /** The runtime named {@code value} of the variable {@code variable}; an unknown one is refused, naming both. */
    public static InferenceRuntime parse(String variable, String value) {
        String v = value == null ? "" : value.trim().toLowerCase(Locale.ROOT);
        for (InferenceRuntime r : values()) {
            if (r.setting.equals(v)) {
                return r;
            }
        }
        throw new IllegalArgumentException(variable + ": must be one of "
                + Arrays.stream(values()).map(InferenceRuntime::setting).collect(Collectors.joining(", "))
                + " (got '" + value + "')");
    }

    /** The runtime and its version as results report it, e.g. {@code onnxruntime 1.29.0}. */
    public String describe() {
        if (this == ONNXRUNTIME) {
            return "onnxruntime " + OrtRuntime.version();
        }
        Engine engine = Engine.getEngine("PyTorch");
        return "djl " + Engine.getDjlVersion() + " " + engine.getEngineName() + " " + engine.getVersion();
    }
}
