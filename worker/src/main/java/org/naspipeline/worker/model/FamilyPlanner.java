package org.naspipeline.worker.model;

import java.util.List;
import org.naspipeline.api.ArchitectureSpec;
import org.naspipeline.api.CnnArchitecture;
import org.naspipeline.api.MlpArchitecture;
import org.naspipeline.api.TransformerArchitecture;
import org.naspipeline.worker.model.NetworkPlan.Layer;

/**
 * How the layers of one architecture family are planned: its body, from the input to the features the shared head
 * (the optional dense layer, dropout, the classifier) takes. A family is added here: its planner, and a case in
 * {@link #addBody(ArchitectureSpec, long[], List)}. Shapes are checked while planning, so an architecture that cannot
 * be realized for the input fails with its path instead of deep inside the engine.
 *
 * @param <A> the family's architecture type
 */
interface FamilyPlanner<A extends ArchitectureSpec> {
    /** Adds the body of {@code spec}, whatever its family, with that family's planner; see {@link #body}. */
    static int addBody(ArchitectureSpec spec, long[] sampleShape, List<Layer> net) {
        return spec.accept(new ArchitectureSpec.Cases<Integer>() {
            @Override
            public Integer cnn(CnnArchitecture cnn) {
                return new CnnPlanner().body(cnn, sampleShape, net);
            }

            @Override
            public Integer mlp(MlpArchitecture mlp) {
                return new MlpPlanner().body(mlp, sampleShape, net);
            }

            @Override
            public Integer transformer(TransformerArchitecture transformer) {
                return new TransformerPlanner().body(transformer, sampleShape, net);
            }
        });
    }

    /**
     * Adds the body of {@code spec} for examples of {@code sampleShape} to {@code net}; returns the number of
     * features it outputs.
     *
     * @throws UnbuildableArchitectureException when the spec cannot be realized for this input
     */
    int body(A spec, long[] sampleShape, List<Layer> net);
}
