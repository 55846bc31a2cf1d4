package org.naspipeline.worker.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.naspipeline.worker.compress.L1FilterPruner;
import org.naspipeline.worker.data.TensorData;
import org.naspipeline.worker.model.NetworkPlan;

/**
 * Throwaway measurement harness (not a test): exports the trained reference CNN in several int8 forms and times
 * them side by side in ONNX Runtime, 1 intra-op thread, alternating rounds; prints kernels, agreement, per-op
 * profile times and the medians of the per-round ratios to fp32.
 */
public final class OnnxSpeedProbe {
    record Variant(String name, byte[] model, Map<String, String> config, String baseline) {}

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 7;
        int epochs = args.length > 1 ? Integer.parseInt(args[1]) : 1;
        String only = args.length > 2 ? args[2] : "";
        TrainedReference ref = TrainedReference.train(epochs);
        NetworkPlan plan = ref.plan;
        NetworkPlan l1 = L1FilterPruner.prune(plan, 0.5).plan();
        OnnxExporter.Calibration cal = OnnxExporter.Calibration.minMax(8, 32);
        Map<String, String> noProp = Map.of("optimization.disable_specified_optimizers", "QDQPropagationTransformer");
        List<Variant> vs = new ArrayList<>();
        for (Object[] p : new Object[][] {{"", plan}, {"L1 ", l1}}) {
            String pre = (String) p[0];
            NetworkPlan pl = (NetworkPlan) p[1];
            ActivationRanges all = OnnxExporter.calibrate(pl, ref.data.train(), cal, 1, 0);
            ActivationRanges def = OnnxExporter.calibrate(pl, ref.data.train(), cal, 1);
            String base = pre + "fp32";
            vs.add(new Variant(base, OnnxExporter.fp32(pl), Map.of(), base));
            vs.add(new Variant(pre + "int8 all-conv", OnnxExporter.int8(pl, all, OnnxExporter.Activations.U8, 0, false), Map.of(), base));
            vs.add(new Variant(pre + "int8 f1 noswap", OnnxExporter.int8(pl, def, OnnxExporter.Activations.U8, 4, false), Map.of(), base));
            vs.add(new Variant(pre + "int8", OnnxExporter.int8(pl, def), Map.of(), base));
            vs.add(new Variant(pre + "int8 noprop", OnnxExporter.int8(pl, def), noProp, base));
        }
        if (!only.isEmpty()) {
            List<String> keep = Arrays.asList(only.split(","));
            vs.removeIf(v -> !keep.contains(v.name) && !v.name.endsWith("fp32"));
        }
        OrtEnvironment env = OrtRuntime.environment();
        TensorData test = ref.data.test();
        Map<String, OrtSession> sessions = new LinkedHashMap<>();
        float[] fpLogits = null;
        Map<String, float[]> baseLogits = new LinkedHashMap<>();
        for (Variant v : vs) {
            OrtSession s = env.createSession(v.model, options(v.config, null));
            sessions.put(v.name, s);
            float[] logits = run(env, s, test.features(), test.count());
            if (v.name.equals(v.baseline)) {
                baseLogits.put(v.name, logits);
            }
            float[] b = baseLogits.get(v.baseline);
            int same = 0;
            int correct = 0;
            for (int i = 0; i < test.count(); i++) {
                int a = OnnxModel.argMax(logits, i * 10, 10);
                same += a == OnnxModel.argMax(b, i * 10, 10) ? 1 : 0;
                correct += a == (int) test.labels()[i] ? 1 : 0;
            }
            Map<String, double[]> prof = profile(env, v, test);
            System.out.printf("%-22s bytes %8d  acc %.4f  agree(%s) %.3f%n", v.name, v.model.length,
                    (double) correct / test.count(), v.baseline, (double) same / test.count());
            double total = prof.values().stream().mapToDouble(d -> d[0]).sum();
            System.out.printf("    profile batch 32, total node time %.3f ms/run%n", total);
            prof.forEach((k, d) -> System.out.printf("      %-100s %.3f ms%n", k, d[0]));
        }
        int[] batches = {1, 32};
        Map<String, List<Double>> p50 = new LinkedHashMap<>();
        Map<String, List<Double>> ratio = new LinkedHashMap<>();
        Map<String, List<Double>> ratio0 = new LinkedHashMap<>();
        for (int r = 0; r < rounds; r++) {
            for (int batch : batches) {
                float[] x = Arrays.copyOf(test.features(), batch * 784);
                Map<String, Double> thisRound = paired(env, vs, sessions, x, batch, batch == 1 ? 300 : 30);
                for (Variant v : vs) {
                    p50.computeIfAbsent(v.name + " @" + batch, k -> new ArrayList<>()).add(thisRound.get(v.name));
                    ratio.computeIfAbsent(v.name + " @" + batch, k -> new ArrayList<>()).add(thisRound.get(v.name) / thisRound.get(v.baseline));
                    ratio0.computeIfAbsent(v.name + " @" + batch, k -> new ArrayList<>()).add(thisRound.get(v.name) / thisRound.get("fp32"));
                }
            }
            System.out.println("round " + r + " done");
        }
        System.out.println("variant @batch: median p50 ms [min..max], median ratio to its fp32 [min..max], to the unpruned fp32 [min..max]");
        for (String k : p50.keySet()) {
            List<Double> t = p50.get(k);
            List<Double> q = ratio.get(k);
            List<Double> q0 = ratio0.get(k);
            System.out.printf("%-28s %.4f ms [%.4f..%.4f]  ratio %.3f [%.3f..%.3f]  vs fp32 %.3f [%.3f..%.3f]%n", k, median(t), min(t), max(t),
                    median(q), min(q), max(q), median(q0), min(q0), max(q0));
        }
    }

    /**
     * Paired timing: 10 warm-up runs of each model, then {@code iterations} iterations each running every model once
     * in turn; the median time per model, in ms. Models measured in the same iteration see the same host load.
     */
    static Map<String, Double> paired(OrtEnvironment env, List<Variant> vs, Map<String, OrtSession> sessions, float[] x, int n,
                                      int iterations) throws Exception {
        try (OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap(x), new long[] {n, 1, 28, 28})) {
            Map<String, OnnxTensor> in = Map.of("input", t);
            Map<String, double[]> times = new LinkedHashMap<>();
            for (Variant v : vs) {
                for (int i = 0; i < 10; i++) {
                    sessions.get(v.name).run(in).close();
                }
                times.put(v.name, new double[iterations]);
            }
            for (int i = 0; i < iterations; i++) {
                for (Variant v : vs) {
                    long t0 = System.nanoTime();
                    sessions.get(v.name).run(in).close();
                    times.get(v.name)[i] = (System.nanoTime() - t0) / 1e6;
                }
            }
            Map<String, Double> medians = new LinkedHashMap<>();
            times.forEach((name, d) -> {
                Arrays.sort(d);
                medians.put(name, d[d.length / 2]);
            });
            return medians;
        }
    }

    static OrtSession.SessionOptions options(Map<String, String> config, Path profile) throws Exception {
        OrtSession.SessionOptions o = new OrtSession.SessionOptions();
        o.setIntraOpNumThreads(1);
        o.setInterOpNumThreads(1);
        o.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
        o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
        for (Map.Entry<String, String> e : config.entrySet()) {
            o.addConfigEntry(e.getKey(), e.getValue());
        }
        if (profile != null) {
            o.enableProfiling(profile.toString());
        }
        return o;
    }

    static float[] run(OrtEnvironment env, OrtSession s, float[] x, int n) throws Exception {
        try (OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap(x), new long[] {n, 1, 28, 28});
             OrtSession.Result r = s.run(Map.of("input", t))) {
            FloatBuffer b = ((OnnxTensor) r.get(0)).getFloatBuffer();
            float[] out = new float[b.remaining()];
            b.get(out);
            return out;
        }
    }

    /** Median of {@code runs} timed runs after 10 warm-up runs, in ms. */
    static double time(OrtEnvironment env, OrtSession s, float[] x, int n, int runs) throws Exception {
        return time(env, s, x, n, runs, new long[] {n, 1, 28, 28});
    }

    static double time(OrtEnvironment env, OrtSession s, float[] x, int n, int runs, long[] shape) throws Exception {
        try (OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap(x), shape)) {
            Map<String, OnnxTensor> in = Map.of("input", t);
            for (int i = 0; i < 10; i++) {
                s.run(in).close();
            }
            double[] d = new double[runs];
            for (int i = 0; i < runs; i++) {
                long t0 = System.nanoTime();
                s.run(in).close();
                d[i] = (System.nanoTime() - t0) / 1e6;
            }
            Arrays.sort(d);
            return d[runs / 2];
        }
    }

    /** Per node (op type and name) median time per run at batch 32 over 30 profiled runs, ms. */
    static Map<String, double[]> profile(OrtEnvironment env, Variant v, TensorData test) throws Exception {
        Path dir = Files.createTempDirectory("probe");
        Map<String, List<Double>> times = new LinkedHashMap<>();
        try (OrtSession.SessionOptions o = options(v.config, dir.resolve("p")); OrtSession s = env.createSession(v.model, o)) {
            float[] x = Arrays.copyOf(test.features(), 32 * 784);
            for (int i = 0; i < 40; i++) {
                run(env, s, x, 32);
            }
            String file = s.endProfiling();
            JsonNode events = new ObjectMapper().readTree(Path.of(file).toFile());
            for (JsonNode e : events) {
                String name = e.path("name").asText();
                if ("Node".equals(e.path("cat").asText()) && name.endsWith("_kernel_time")) {
                    String key = e.path("args").path("op_name").asText() + " " + name.substring(0, name.length() - 12) + " "
                            + e.path("args").path("input_type_shape").toString().replaceAll("\\s", "");
                    times.computeIfAbsent(key, k -> new ArrayList<>()).add(e.path("dur").asDouble() / 1000);
                }
            }
        }
        Map<String, double[]> out = new LinkedHashMap<>();
        times.forEach((k, l) -> out.put(k, new double[] {median(l.subList(Math.min(10, l.size() - 1), l.size()))}));
        return out;
    }

    static double median(List<Double> l) {
        List<Double> s = new ArrayList<>(l);
        s.sort(null);
        return s.get(s.size() / 2);
    }

    static double min(List<Double> l) {
        return l.stream().mapToDouble(d -> d).min().orElse(0);
    }

    static double max(List<Double> l) {
        return l.stream().mapToDouble(d -> d).max().orElse(0);
    }
}
