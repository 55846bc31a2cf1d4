package org.naspipeline.controller.logic;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonInclude.Include;
import java.util.List;
import org.naspipeline.api.AddedField;
import org.naspipeline.api.Candidate;
import org.naspipeline.api.ExperimentSpec;
import org.naspipeline.api.TrialResult;
import org.naspipeline.api.ValidationError;

/**
 * The two records of a warm start, which the controller writes to {@code nas.experiments} so that they reach the
 * owner of the experiment they are keyed by, wherever its partition lives. Each is a JSON object whose
 * {@code internal} field names its kind; a submission or a command has no such field.
 */
public final class WarmStartExchange {
    /** The {@code internal} value of a {@link Request}. */
    public static final String REQUEST = "warm-start-request";
    /** The {@code internal} value of an {@link Answer}. */
    public static final String ANSWER = "warm-start-answer";

    private WarmStartExchange() {}

    /**
     * Keyed by {@code fromExperiment}: the new experiment {@code experimentId} (its spec, and the tenant that
     * submitted it, or null) asks the earlier experiment's owner for its completed results.
     */
    public record Request(String internal, int schemaVersion, String experimentId, String fromExperiment, String tenant,
                          ExperimentSpec spec) {}

    /**
     * Keyed by {@code experimentId}: either {@code errors} (the warm start is refused, with the paths of the new
     * spec that do not fit) or the {@code seeds}, the earlier experiment's completed results whose candidates lie
     * in the new search space, in the order they completed; {@code skipped} results lay outside it (the first few
     * reasons in {@code skippedReasons}) and {@code leftOut} did not fit the record's size cap.
     */
    public record Answer(String internal, int schemaVersion, String experimentId, String fromExperiment,
                         List<ValidationError> errors, List<Seed> seeds, int skipped, List<String> skippedReasons,
                         int leftOut) {}

    /**
     * One completed result of the earlier experiment: its trial, the candidate (as the new space decodes it), the
     * result of its highest rung (without the per-layer table, the inference block and the checkpoint, which
     * stay with the earlier experiment's artifacts) and the epochs that result was trained for; {@code examples} the
     * training examples it was trained on when the earlier experiment's rungs counted them (else null, and the
     * examples are {@code epochs} times the result's {@code trainSamples}).
     */
    public record Seed(String trialId, Candidate candidate, TrialResult.Completed result, int epochs,
                       @AddedField @JsonInclude(Include.NON_NULL) Long examples) {
        /** A seed trained for whole epochs. */
        public Seed(String trialId, Candidate candidate, TrialResult.Completed result, int epochs) {
            this(trialId, candidate, result, epochs, null);
        }

        /** The training examples this seed's result was trained on. */
        public long examplesTrained() {
            return examples != null ? examples : (long) epochs * Math.max(0, result.metrics().trainSamples());
        }

        /** The whole epochs this seed's result was trained for. */
        public int epochsTrained() {
            int perEpoch = result.metrics().trainSamples();
            return examples != null && perEpoch > 0 ? (int) Math.min(epochs, examples / perEpoch) : epochs;
        }
    }
}
