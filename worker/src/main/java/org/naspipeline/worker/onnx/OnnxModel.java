package org.naspipeline.worker.onnx;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import ai.onnx.proto.OnnxMl;
import com.google.protobuf.InvalidProtocolBufferException;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.naspipeline.worker.measure.LatencyTimer;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.stream.Stream;
import org.naspipeline.worker.cpu.MeasurementGate;
import org.naspipeline.worker.data.TensorData;

/**
 * An ONNX model in an ONNX Runtime CPU session: {@code threads} intra-op threads, one inter-op thread, sequential
 * execution, all graph optimizations (so QDQ groups become int8 kernels). Its one input is a float batch
 * {@code (N, sample…)}, its first output the logits {@code (N, classes)}. A file that is not an ONNX model, or one
 * whose input or output does not have that form, is refused with an {@link IllegalArgumentException} naming the
 * file; a runtime failure becomes an {@link IllegalStateException}; ONNX Runtime's own exceptions never escape.
 */
public final class OnnxModel implements AutoCloseable {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(OnnxModel.class);
    static final int EVAL_BATCH = 256;
    /** Warm-up runs, minimum timed runs and the time after which no more timed runs start, as for DJL. */

    private final byte[] bytes;
    private final String source;
    private final int threads;
    private final OrtEnvironment env = OrtRuntime.environment();
    private final OrtSession.SessionOptions options;
    private final OrtSession session;
    private final String inputName;
    private final long[] sampleShape;
    private final long fixedBatch;
    private final int classes;

    private OnnxModel(byte[] bytes, String source, int threads, Path profileDir) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads: must be ≥ 1 (got " + threads + ")");
        }
        this.bytes = bytes;
        this.source = source;
        this.threads = threads;
        checkProtobuf(bytes, source);
        options = new OrtSession.SessionOptions();
        try {
            options.setIntraOpNumThreads(threads);
            options.setInterOpNumThreads(1);
            options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            if (profileDir != null) {
                options.enableProfiling(profileDir.resolve("ort").toString());
            }
        } catch (OrtException e) {
            options.close();
            throw new IllegalStateException("onnxruntime: cannot set up a session: " + e.getMessage(), e);
        }
        try {
            session = env.createSession(bytes, options);
        } catch (OrtException e) {
            options.close();
            throw new IllegalArgumentException(source + ": ONNX Runtime cannot load the model: " + e.getMessage(), e);
        }
        try {
            NodeInfo in = single(session.getInputInfo(), "input");
            TensorInfo inInfo = floatTensor(in, "input");
            TensorInfo outInfo = floatTensor(session.getOutputInfo().values().iterator().next(), "output");
            long[] inShape = inInfo.getShape();
            long[] outShape = outInfo.getShape();
            if (inShape.length != 2 && inShape.length != 4 || Arrays.stream(inShape).skip(1).anyMatch(d -> d < 1)) {
                throw new IllegalArgumentException(source + ": input " + in.getName() + " has shape " + Arrays.toString(inShape)
                        + "; it must be (N, features) or (N, channels, height, width)");
            }
            if (outShape.length != 2 || outShape[1] < 1) {
                throw new IllegalArgumentException(source + ": output has shape " + Arrays.toString(outShape)
                        + "; it must be (N, classes)");
            }
            inputName = in.getName();
            sampleShape = Arrays.copyOfRange(inShape, 1, inShape.length);
            fixedBatch = inShape[0];
            classes = (int) outShape[1];
        } catch (OrtException | RuntimeException e) {
            close();
            if (e instanceof IllegalArgumentException iae) {
                throw iae;
            }
            throw new IllegalArgumentException(source + ": cannot read the model's inputs and outputs: " + e.getMessage(), e);
        }
    }

    /** Loads a model from {@code bytes}; {@code source} names it in errors (e.g. its file name). */
    public static OnnxModel load(byte[] bytes, String source, int threads) {
        return new OnnxModel(bytes.clone(), source, threads, null);
    }

    /** Loads the model file. */
    public static OnnxModel load(Path file, int threads) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": cannot be read: " + e.getMessage(), e);
        }
        return new OnnxModel(bytes, file.toString(), threads, null);
    }

    private static void checkProtobuf(byte[] bytes, String source) {
        OnnxMl.ModelProto model;
        try {
            model = OnnxMl.ModelProto.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalArgumentException(source + ": not an ONNX model (the file is truncated or not ONNX protobuf: "
                    + e.getMessage() + ")", e);
        }
        if (!model.hasGraph() || model.getGraph().getNodeCount() == 0 || model.getOpsetImportCount() == 0) {
            throw new IllegalArgumentException(source + ": not an ONNX model (no graph nodes or no opset)");
        }
    }

    private NodeInfo single(Map<String, NodeInfo> infos, String what) {
        if (infos.size() != 1) {
            throw new IllegalArgumentException(source + ": the model has " + infos.size() + " " + what
                    + "s " + infos.keySet() + "; exactly one is expected");
        }
        return infos.values().iterator().next();
    }

    private TensorInfo floatTensor(NodeInfo info, String what) {
        if (!(info.getInfo() instanceof TensorInfo t) || t.type != OnnxJavaType.FLOAT) {
            throw new IllegalArgumentException(source + ": " + what + " " + info.getName() + " is not a float tensor ("
                    + info.getInfo() + ")");
        }
        return t;
    }

    /** The shape of one example the model reads. */
    public long[] sampleShape() {
        return sampleShape.clone();
    }

    /** Number of class scores per example. */
    public int classes() {
        return classes;
    }

    /** Intra-op threads of the session. */
    public int threads() {
        return threads;
    }

    /** The logits of {@code n} examples laid out one after another in {@code x}: {@code n × classes} floats. */
    public float[] run(float[] x, int n) {
        return outputs(x, n, false).get(null);
    }

    /** All outputs of a run by name, the first (the logits) also under key null. */
    Map<String, float[]> outputs(float[] x, int n, boolean all) {
        int size = sampleSize();
        if (n < 1 || x == null || (long) n * size != x.length) {
            throw new IllegalArgumentException("input: " + n + " examples of shape " + Arrays.toString(sampleShape) + " need "
                    + (long) n * size + " floats, got " + (x == null ? "none" : x.length));
        }
        if (fixedBatch > 0 && n != fixedBatch) {
            throw new IllegalArgumentException("input: " + source + " takes batches of exactly " + fixedBatch + ", got " + n);
        }
        long[] shape = new long[sampleShape.length + 1];
        shape[0] = n;
        System.arraycopy(sampleShape, 0, shape, 1, sampleShape.length);
        try (OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap(x), shape);
             OrtSession.Result result = session.run(Map.of(inputName, t))) {
            Map<String, float[]> out = new LinkedHashMap<>();
            for (Map.Entry<String, OnnxValue> e : result) {
                if (out.isEmpty() || all) {
                    float[] values = floats(e.getValue(), e.getKey());
                    if (out.isEmpty()) {
                        out.put(null, values);
                    }
                    out.put(e.getKey(), values);
                }
            }
            return out;
        } catch (OrtException e) {
            throw new IllegalStateException(source + ": inference failed: " + e.getMessage(), e);
        }
    }

    private static float[] floats(OnnxValue v, String name) {
        if (!(v instanceof OnnxTensor t) || t.getInfo().type != OnnxJavaType.FLOAT) {
            throw new IllegalStateException("output " + name + " is not a float tensor");
        }
        FloatBuffer b = t.getFloatBuffer();
        float[] out = new float[b.remaining()];
        b.get(out);
        return out;
    }

    private int sampleSize() {
        long n = 1;
        for (long d : sampleShape) {
            n *= d;
        }
        return (int) n;
    }

    /** Top-1 accuracy over the split. */
    public double accuracy(TensorData data) {
        return accuracy(data, null);
    }

    /**
     * Top-1 accuracy over the split, each batch a unit of work of {@code gate} (null: none), so that it pauses
     * for a latency measurement elsewhere on the host, as the DJL evaluation does.
     */
    public double accuracy(TensorData data, MeasurementGate gate) {
        checkFits(data);
        int size = sampleSize();
        long correct = 0;
        for (int from = 0; from < data.count(); from += EVAL_BATCH) {
            int n = Math.min(EVAL_BATCH, data.count() - from);
            float[] logits;
            try (MeasurementGate.Work work = gate == null ? null : gate.work()) {
                logits = run(Arrays.copyOfRange(data.features(), from * size, (from + n) * size), n);
            }
            for (int i = 0; i < n; i++) {
                if (argMax(logits, i * classes, classes) == (int) data.labels()[from + i]) {
                    correct++;
                }
            }
        }
        return data.count() == 0 ? 0 : (double) correct / data.count();
    }

    /** The index of the largest of {@code n} values from {@code offset} (the first of equal ones). */
    public static int argMax(float[] values, int offset, int n) {
        int best = 0;
        for (int j = 1; j < n; j++) {
            if (values[offset + j] > values[offset + best]) {
                best = j;
            }
        }
        return best;
    }

    private void checkFits(TensorData data) {
        if (!Arrays.equals(data.sampleShape(), sampleShape)) {
            throw new IllegalArgumentException("dataset examples of shape " + Arrays.toString(data.sampleShape())
                    + " do not fit " + source + ", whose input is " + Arrays.toString(sampleShape));
        }
        if (data.classes() != classes) {
            throw new IllegalArgumentException("dataset has " + data.classes() + " classes, but " + source + " gives "
                    + classes + " class scores");
        }
        if (data.count() < 1) {
            throw new IllegalArgumentException("dataset: no examples");
        }
    }

    /**
     * Times forward passes of {@code batch} examples (cycled from {@code data}) with {@link LatencyTimer}, as the DJL
     * measurement does.
     */
    public Latency latency(TensorData data, int batch, int runs) {
        checkFits(data);
        if (batch < 1 || runs < 1) {
            throw new IllegalArgumentException("latency: batch and runs must be ≥ 1 (got " + batch + ", " + runs + ")");
        }
        int size = sampleSize();
        float[] input = new float[batch * size];
        for (int i = 0; i < batch; i++) {
            System.arraycopy(data.features(), (i % data.count()) * size, input, i * size, size);
        }
        return Latency.of(LatencyTimer.time(() -> run(input, batch), runs), batch, threads);
    }

    /**
     * The op types of the kernels ONNX Runtime runs for this model, after its graph optimizations: one batch of
     * zeros through a second session of the same model with the profiler on, read from the profile it writes.
     */
    public SortedSet<String> kernels() {
        SortedSet<String> ops = new java.util.TreeSet<>();
        kernelRuns().forEach(r -> ops.add(r.op()));
        return ops;
    }

    /** Each kernel execution of that profiled run, in order, with the element type of its first input. */
    List<OrtProfile.KernelRun> kernelRuns() {
        Path dir = null;
        try {
            dir = Files.createTempDirectory("nas-ort-profile");
            try (OnnxModel profiled = new OnnxModel(bytes, source, threads, dir)) {
                long batch = fixedBatch > 0 ? fixedBatch : 1;
                profiled.run(new float[(int) batch * sampleSize()], (int) batch);
                String file = profiled.session.endProfiling();
                return OrtProfile.runs(Path.of(file));
            }
        } catch (IOException e) {
            throw new IllegalStateException(source + ": the profile of a run cannot be read: " + e.getMessage(), e);
        } catch (OrtException e) {
            throw new IllegalStateException(source + ": profiling failed: " + e.getMessage(), e);
        } finally {
            deleteQuietly(dir);
        }
    }

    private static void deleteQuietly(Path dir) {
        if (dir == null) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            LOG.warn("the temporary ONNX Runtime profile in {} could not be deleted: {}", dir, e.getMessage());
        }
    }

    @Override
    public void close() {
        try {
            session.close();
        } catch (OrtException e) {
            throw new IllegalStateException(source + ": closing the session failed: " + e.getMessage(), e);
        } finally {
            options.close();
        }
    }
}
