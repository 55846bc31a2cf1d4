package org.naspipeline.worker.pipeline;

import ai.djl.Device;
import ai.djl.engine.Engine;
import java.util.ArrayList;
import java.util.List;

/**
 * Parses {@code NAS_DEVICES}: {@code auto} (every GPU the engine sees, else the CPU), {@code cpu}, or
 * {@code gpu:0,1} (those GPUs, each of which must exist). A worker runs one trial per GPU at a time.
 */
public final class DeviceSelection {
    private DeviceSelection() {}

    /** The devices named by {@code spec}, given {@code gpuCount} visible GPUs. */
    public static List<Device> parse(String spec, int gpuCount) {
        String s = spec == null ? "auto" : spec.trim().toLowerCase(java.util.Locale.ROOT);
        if (s.equals("auto")) {
            List<Device> gpus = new ArrayList<>();
            for (int i = 0; i < gpuCount; i++) {
                gpus.add(Device.gpu(i));
            }
            return gpus.isEmpty() ? List.of(Device.cpu()) : gpus;
        }
        if (s.equals("cpu")) {
            return List.of(Device.cpu());
        }
        if (s.startsWith("gpu:")) {
            List<Device> gpus = new ArrayList<>();
            for (String part : s.substring(4).split(",")) {
                int id;
                try {
                    id = Integer.parseInt(part.trim());
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("NAS_DEVICES: '" + part.trim() + "' in '" + spec + "' is not a GPU index");
                }
                if (id < 0 || id >= gpuCount) {
                    throw new IllegalArgumentException("NAS_DEVICES: gpu " + id + " requested but the engine sees "
                            + gpuCount + " GPU(s); are the CUDA natives installed? (see docs/operations.md)");
                }
                if (gpus.contains(Device.gpu(id))) {
                    throw new IllegalArgumentException("NAS_DEVICES: gpu " + id + " is listed twice in '" + spec + "'");
                }
                gpus.add(Device.gpu(id));
            }
            return gpus;
        }
        throw new IllegalArgumentException("NAS_DEVICES: '" + spec + "' is not auto, cpu or gpu:<i>[,<j>…]");
    }

    /** The devices named by {@code spec} on this machine. */
    public static List<Device> parse(String spec) {
        return parse(spec, Engine.getInstance().getGpuCount());
    }
}
