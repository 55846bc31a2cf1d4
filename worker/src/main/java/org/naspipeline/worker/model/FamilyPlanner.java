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
    /**
     * Adds the body of {@code spec}, whatever its family, with that family's planner; see {@link #body}. On token ids
     * ({@code vocabulary} > 0) only the transformer family plans: the others would read ids as numbers.
     */
    static int addBody(ArchitectureSpec spec, long[] sampleShape, int vocabulary, List<Layer> net) {
        return spec.accept(new ArchitectureSpec.Cases<Integer>() {
            @Override
            public Integer cnn(CnnArchitecture cnn) {
                return new CnnPlanner().body(cnn, numbers(sampleShape, vocabulary, "cnn"), net);
            }

            @Override
            public Integer mlp(MlpArchitecture mlp) {
                return new MlpPlanner().body(mlp, numbers(sampleShape, vocabulary, "mlp"), net);
            }

            @Override
            public Integer transformer(TransformerArchitecture transformer) {
                TransformerPlanner planner = new TransformerPlanner();
                return vocabulary > 0 ? planner.tokenBody(transformer, sampleShape, vocabulary, net) : planner.body(transformer, sampleShape, net);
            }
        });
    }

    /** {@code sampleShape}, when the examples are numbers rather than token ids. */
    private static long[] numbers(long[] sampleShape, int vocabulary, String family) {
        if (vocabulary > 0) {
            throw new UnbuildableArchitectureException("architecture.family: " + family + " cannot read token ids (the dataset is "
                    + "'tokens'); use the transformer family, which embeds them");
        }
        return sampleShape;
    }

    /**
     * Adds the body of {@code spec} for examples of {@code sampleShape} to {@code net}; returns the number of
     * features it outputs.
     *
     * @throws UnbuildableArchitectureException when the spec cannot be realized for this input
     */
    int body(A spec, long[] sampleShape, List<Layer> net);
}
