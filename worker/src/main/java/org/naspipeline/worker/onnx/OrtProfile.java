package org.naspipeline.worker.onnx;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads ONNX Runtime's profiler output (a JSON array of trace events): every node execution is an event of
 * category {@code Node} named {@code <node>_kernel_time} whose {@code args.op_name} is the kernel's op type, after
 * the graph optimizations (so a fused int8 conv shows as {@code QLinearConv}, not as DequantizeLinear + Conv).
 */
final class OrtProfile {
    private static final ObjectMapper JSON = new ObjectMapper();

    private OrtProfile() {}

    /**
     * One kernel execution: the node's name (after ORT's rewrites), its op type, and the element type of its first
     * input ({@code float}, {@code uint8}, …; empty when the profile does not say).
     */
    record KernelRun(String node, String op, String inputType) {}

    /** Every kernel execution in the profile, in order. */
    static List<KernelRun> runs(Path file) throws IOException {
        JsonNode events = JSON.readTree(file.toFile());
        if (events == null || !events.isArray()) {
            throw new IOException(file.getFileName() + ": the profile is not a JSON array of events");
        }
        List<KernelRun> runs = new ArrayList<>();
        for (JsonNode e : events) {
            JsonNode op = e.path("args").path("op_name");
            String name = e.path("name").asText();
            if ("Node".equals(e.path("cat").asText()) && name.endsWith("_kernel_time") && op.isTextual()) {
                // input_type_shape: [{"float": [1, 1, 28, 28]}, …], one object per input
                JsonNode first = e.path("args").path("input_type_shape").path(0);
                String type = first.isObject() && first.fieldNames().hasNext() ? first.fieldNames().next() : "";
                runs.add(new KernelRun(name.substring(0, name.length() - "_kernel_time".length()), op.asText(), type));
            }
        }
        return runs;
    }
}
