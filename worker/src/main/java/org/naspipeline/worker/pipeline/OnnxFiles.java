package org.naspipeline.worker.pipeline;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.naspipeline.worker.data.TensorData;
import org.naspipeline.worker.model.NetworkPlan;
import org.naspipeline.worker.onnx.OnnxExporter;

/**
 * The deployable ONNX files of a trained model: {@code model.onnx} (fp32) always, and {@code model.int8.onnx} (an
 * int8 QDQ graph with calibrated activations) when the candidate quantizes. The int8 file is the one deployed and
 * measured when there is one.
 *
 * @param fp32 the fp32 file's bytes
 * @param int8 the int8 file's bytes, or null
 * @param calibration how the int8 file's activation ranges were calibrated, or null
 */
record OnnxFiles(byte[] fp32, byte[] int8, String calibration) {

    /**
     * Exports {@code fp32Plan}, and {@code int8Plan} as int8 when it is not null, with activation ranges calibrated
     * in ONNX Runtime on {@code threads} threads over {@code calibrationData} through the fp32 plan (both plans have
     * the same layers; the int8 plan's weights are those the artifact stores).
     *
     * @throws org.naspipeline.worker.onnx.UnexportableLayerException naming the layer the exporter cannot express
     */
    static OnnxFiles export(NetworkPlan fp32Plan, NetworkPlan int8Plan, TensorData calibrationData,
                            OnnxExporter.Calibration calibration, int threads) {
        byte[] fp32 = OnnxExporter.fp32(fp32Plan);
        if (int8Plan == null) {
            return new OnnxFiles(fp32, null, null);
        }
        byte[] int8 = OnnxExporter.int8(int8Plan, OnnxExporter.calibrate(fp32Plan, calibrationData, calibration, threads));
        return new OnnxFiles(fp32, int8, describe(calibration));
    }

    /** How activations are calibrated, in words, e.g. {@code min/max over 8 × 32 training examples}. */
    static String describe(OnnxExporter.Calibration c) {
        return (c.percentile() >= 100 ? "min/max" : "central " + c.percentile() + " %") + " over " + c.batches() + " × "
                + c.batchSize() + " training examples";
    }

    /** The file that is deployed and measured: the int8 one when there is one. */
    String deployedName() {
        return int8 != null ? ArtifactStore.ONNX_INT8_FILE : ArtifactStore.ONNX_FILE;
    }

    /** The deployed file's bytes. */
    byte[] deployed() {
        return int8 != null ? int8 : fp32;
    }

    /** The names of the files, fp32 first. */
    List<String> names() {
        List<String> names = new ArrayList<>(List.of(ArtifactStore.ONNX_FILE));
        if (int8 != null) {
            names.add(ArtifactStore.ONNX_INT8_FILE);
        }
        return names;
    }

    /** Saves the files in the attempt. */
    void saveTo(ArtifactStore store, ArtifactStore.StoredArtifact artifact) throws IOException {
        store.saveFile(artifact, ArtifactStore.ONNX_FILE, fp32);
        if (int8 != null) {
            store.saveFile(artifact, ArtifactStore.ONNX_INT8_FILE, int8);
        }
    }
}
