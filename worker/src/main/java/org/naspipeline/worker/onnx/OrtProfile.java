package org.naspipeline.worker.onnx;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Reads ONNX Runtime's profiler output (a JSON array of trace events): every node execution is an event of
 * category {@code Node} named {@code <node>_kernel_time} whose {@code args.op_name} is the kernel's op type, after
 * the graph optimizations (so a fused int8 conv shows as {@code QLinearConv}, not as DequantizeLinear + Conv).
 */
final class OrtProfile {
    private static final ObjectMapper JSON = new ObjectMapper();

    private OrtProfile() {}

    /** The op types of the kernels that ran, sorted. */
    static SortedSet<String> kernels(Path file) throws IOException {
        JsonNode events = JSON.readTree(file.toFile());
        if (events == null || !events.isArray()) {
            throw new IOException(file.getFileName() + ": the profile is not a JSON array of events");
        }
        SortedSet<String> ops = new TreeSet<>();
        for (JsonNode e : events) {
            JsonNode op = e.path("args").path("op_name");
            if ("Node".equals(e.path("cat").asText()) && e.path("name").asText().endsWith("_kernel_time") && op.isTextual()) {
                ops.add(op.asText());
            }
        }
        return ops;
    }
}
