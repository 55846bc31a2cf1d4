package org.naspipeline.worker.onnx;

import java.util.Map;
import java.util.TreeMap;

/**
 * Calibrated value ranges of the activation tensors an int8 export quantizes, by tensor name (the path of the
 * layer that produces it, e.g. {@code layers[2]}, or {@code input}), as {@code {min, max}}.
 */
public record ActivationRanges(Map<String, float[]> ranges) {
    /** Copies the map (sorted by name); every range is a {@code {min, max}} pair. */
    public ActivationRanges {
        TreeMap<String, float[]> copy = new TreeMap<>();
        ranges.forEach((k, v) -> {
            if (k == null || v == null || v.length != 2) {
                throw new IllegalArgumentException("activation ranges." + k + ": must be a {min, max} pair");
            }
            copy.put(k, new float[] {v[0], v[1]});
        });
        ranges = java.util.Collections.unmodifiableMap(copy);
    }

    /** The 8-bit code of tensor {@code name}, signed or {@code unsigned}. */
    QuantParams params(String name, boolean unsigned) {
        float[] r = ranges.get(name);
        if (r == null) {
            throw new IllegalArgumentException("activation ranges: none for tensor " + name
                    + " (calibrate the same plan that is exported)");
        }
        if (!Float.isFinite(r[0]) || !Float.isFinite(r[1]) || r[0] > r[1]) {
            throw new IllegalArgumentException("activation ranges." + name + ": [" + r[0] + ", " + r[1]
                    + "] is not a finite range");
        }
        return QuantParams.of(r[0], r[1], unsigned);
    }
}
