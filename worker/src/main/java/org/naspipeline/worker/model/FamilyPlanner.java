package org.naspipeline.worker.model;

import java.util.List;
import org.naspipeline.api.ArchitectureSpec;
import org.naspipeline.api.ModelFamily;
import org.naspipeline.worker.model.NetworkPlan.Layer;

/**
 * How the layers of one architecture family are planned: its body, from the input to the features the shared head
 * (the optional dense layer, dropout, the classifier) takes. A family is added here: its planner, and a case in
 * {@link #of}. Shapes are checked while planning, so an architecture that cannot be realized for the input fails
 * with its path instead of deep inside the engine.
 */
interface FamilyPlanner {
    /** The planner of {@code family}. */
    static FamilyPlanner of(ModelFamily family) {
        return switch (family) {
            case CNN -> new CnnPlanner();
            case MLP -> new MlpPlanner();
        };
    }

    /**
     * Adds the body of {@code spec} for examples of {@code sampleShape} to {@code net}; returns the number of
     * features it outputs.
     *
     * @throws UnbuildableArchitectureException when the spec cannot be realized for this input
     */
    int addBody(ArchitectureSpec spec, long[] sampleShape, List<Layer> net);
}
