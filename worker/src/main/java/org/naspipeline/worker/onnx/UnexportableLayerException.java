package org.naspipeline.worker.onnx;

/** A layer of a network plan that the ONNX exporter cannot express; the message starts with the layer's path. */
public final class UnexportableLayerException extends RuntimeException {
    private final String path;

    /** A failure at {@code path} (e.g. {@code layers[2].body[0]}) for {@code reason}. */
    public UnexportableLayerException(String path, String reason) {
        super(path + ": " + reason);
        this.path = path;
    }

    /** The layer's path in the plan. */
    public String path() {
        return path;
    }
}
