package org.naspipeline.worker.onnx;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.naspipeline.worker.data.TensorData;
import org.naspipeline.worker.model.NetworkPlan;
import org.naspipeline.worker.model.NetworkPlan.Conv;
import org.naspipeline.worker.model.NetworkPlan.Dense;

/** Throwaway harness: one conv (then ReLU, flatten, dense) timed as fp32, int8 and int8 with the conv kept float. */
public final class OnnxConvSweepProbe {
    public static void main(String[] args) throws Exception {
        int[][] cases = {{1, 32, 3, 1, 28}, {1, 16, 3, 1, 28}, {3, 32, 3, 1, 28}, {1, 32, 5, 1, 28}, {3, 16, 3, 1, 32},
            {32, 32, 3, 32, 14}, {64, 64, 3, 64, 14}, {8, 8, 1, 1, 28}, {8, 32, 1, 1, 28}, {16, 32, 1, 1, 14}, {32, 64, 1, 1, 14},
            {8, 16, 3, 1, 28}, {16, 32, 3, 1, 14}};
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        OrtEnvironment env = OrtRuntime.environment();
        for (int[] c : cases) {
            int cin = c[0], cout = c[1], k = c[2], g = c[3], hw = c[4];
            NetworkPlan plan = TestPlans.withRandomWeights(new NetworkPlan(new long[] {cin, hw, hw}, 10, List.of(
                    new Conv(cin, cout, k, g, true, null, null), new NetworkPlan.Relu(), new NetworkPlan.Flatten(),
                    new Dense(cout * hw * hw, 10, true, null, null))), 3);
            Random r = new Random(1);
            int n = 256;
            float[] x = new float[n * cin * hw * hw];
            for (int i = 0; i < x.length; i++) {
                x[i] = r.nextFloat();
            }
            TensorData data = new TensorData(x, new float[n], n, new long[] {cin, hw, hw}, 10);
            OnnxExporter.Calibration cal = OnnxExporter.Calibration.minMax(4, 32);
            byte[] fp = OnnxExporter.fp32(plan);
            byte[] q = OnnxExporter.int8(plan, OnnxExporter.calibrate(plan, data, cal, 1, 0), OnnxExporter.Activations.U8, 0, true);
            byte[] qf = OnnxExporter.int8(plan, OnnxExporter.calibrate(plan, data, cal, 1, Integer.MAX_VALUE), OnnxExporter.Activations.U8, Integer.MAX_VALUE, true);
            byte[][] models = {fp, q, qf};
            OrtSession[] s = new OrtSession[3];
            for (int i = 0; i < 3; i++) {
                s[i] = env.createSession(models[i], OnnxSpeedProbe.options(Map.of(), null));
            }
            for (int batch : new int[] {1, 32}) {
                float[] in = java.util.Arrays.copyOf(x, batch * cin * hw * hw);
                List<Double> rq = new ArrayList<>(), rf = new ArrayList<>(), tq = new ArrayList<>(), tf = new ArrayList<>(), tp = new ArrayList<>();
                for (int round = 0; round < rounds; round++) {
                    double a = OnnxSpeedProbe.time(env, s[0], in, batch, batch == 1 ? 300 : 40, new long[] {batch, cin, hw, hw});
                    double b = OnnxSpeedProbe.time(env, s[1], in, batch, batch == 1 ? 300 : 40, new long[] {batch, cin, hw, hw});
                    double d = OnnxSpeedProbe.time(env, s[2], in, batch, batch == 1 ? 300 : 40, new long[] {batch, cin, hw, hw});
                    tp.add(a); tq.add(b); tf.add(d); rq.add(b / a); rf.add(d / a);
                }
                System.out.printf("conv %2d->%2d k%d g%2d %2dx%2d reduction %3d batch %2d: fp32 %.3f ms, int8 %.3f (x%.2f [%.2f..%.2f]), int8 conv-float %.3f (x%.2f [%.2f..%.2f])%n",
                        cin, cout, k, g, hw, hw, cin / g * k * k, batch, OnnxSpeedProbe.median(tp), OnnxSpeedProbe.median(tq),
                        OnnxSpeedProbe.median(rq), OnnxSpeedProbe.min(rq), OnnxSpeedProbe.max(rq), OnnxSpeedProbe.median(tf),
                        OnnxSpeedProbe.median(rf), OnnxSpeedProbe.min(rf), OnnxSpeedProbe.max(rf));
            }
            for (OrtSession x0 : s) {
                x0.close();
            }
        }
    }
}
