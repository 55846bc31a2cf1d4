package org.naspipeline.worker.model;

import java.util.List;
import org.naspipeline.api.MlpArchitecture;
import org.naspipeline.worker.model.NetworkPlan.Dense;
import org.naspipeline.worker.model.NetworkPlan.Layer;

/** The MLP family on examples of any shape: flatten, then hidden dense layers with ReLU. */
final class MlpPlanner implements FamilyPlanner<MlpArchitecture> {
    @Override
    public int body(MlpArchitecture spec, long[] sampleShape, List<Layer> net) {
        List<Integer> hiddenUnits = spec.hiddenUnits();
        if (hiddenUnits.isEmpty()) {
            throw new UnbuildableArchitectureException("architecture.hiddenUnits: an MLP needs at least one hidden layer");
        }
        net.add(new NetworkPlan.Flatten());
        int in = 1;
        for (long d : sampleShape) {
            in *= (int) d;
        }
        for (int i = 0; i < hiddenUnits.size(); i++) {
            int units = hiddenUnits.get(i);
            if (units < 1) {
                throw new UnbuildableArchitectureException("architecture.hiddenUnits[" + i + "]: must be ≥ 1 (got " + units + ")");
            }
            net.add(new Dense(in, units, true, null, null));
            net.add(new NetworkPlan.Relu());
            in = units;
        }
        return in;
    }
}
