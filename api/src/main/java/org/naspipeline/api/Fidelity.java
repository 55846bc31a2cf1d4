package org.naspipeline.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonInclude.Include;

/**
 * How a request of a multi-fidelity scheduler (ASHA, Hyperband) trains: to the end of rung {@code rung}, continuing
 * from an earlier rung's checkpoint when {@code resumeFrom} is set. Null on a request means: train
 * {@code training.epochs} from scratch, save no checkpoint.
 *
 * <p>Rungs count epochs ({@code examples} null): the request trains to {@code training.epochs}, the rung's epochs.
 * Or they count training examples ({@code examples} set, the scheduler's {@code resource: examples}): the request
 * trains until {@code examples} examples have been processed since the trial's start, stopping at the first batch
 * that reaches the count, possibly inside an epoch; {@code training.epochs} plays no part then. The three fields of
 * examples are written only when set: a request of rungs of epochs is as it was before they existed.
 *
 * @param rung the rung this request trains to (0 = the first)
 * @param scheduleEpochs the epochs the learning-rate schedule spans: the top rung's, so a trial's schedule is the
 *     same whether it stops at a low rung or continues to the top (under examples, {@code training.epochs}, unused)
 * @param saveCheckpoint whether the worker saves the trained weights and optimizer state, and reports where
 * @param resumeFrom the checkpoint to continue from (an artifact URI a worker reported), or null: from scratch
 * @param resumeEpoch the epoch that checkpoint was saved at (set with {@code resumeFrom} when rungs count epochs)
 * @param examples the training examples to have processed at the end of this rung, or null when rungs count epochs
 * @param scheduleExamples the examples the learning-rate schedule spans (the top rung's; set with {@code examples})
 * @param resumeExamples the examples that checkpoint was saved after (set with {@code resumeFrom} under examples)
 */
public record Fidelity(int rung, int scheduleEpochs, boolean saveCheckpoint, String resumeFrom, Integer resumeEpoch,
                       @AddedField @JsonInclude(Include.NON_NULL) Long examples,
                       @AddedField @JsonInclude(Include.NON_NULL) Long scheduleExamples,
                       @AddedField @JsonInclude(Include.NON_NULL) Long resumeExamples) {

    /** A fidelity whose rungs count epochs. */
    public Fidelity(int rung, int scheduleEpochs, boolean saveCheckpoint, String resumeFrom, Integer resumeEpoch) {
        this(rung, scheduleEpochs, saveCheckpoint, resumeFrom, resumeEpoch, null, null, null);
    }

    /** A fidelity whose rungs count training examples. */
    public static Fidelity ofExamples(int rung, int trainingEpochs, boolean saveCheckpoint, String resumeFrom,
                                      Long resumeExamples, long examples, long scheduleExamples) {
        return new Fidelity(rung, trainingEpochs, saveCheckpoint, resumeFrom, null, examples, scheduleExamples,
                resumeExamples);
    }

    /** Whether this request's rung counts training examples. */
    public boolean countsExamples() {
        return examples != null;
    }

    /** Checks under {@code path}, against the request's target epochs. */
    void validate(Errors errors, String path, int targetEpochs) {
        if (rung < 0) {
            errors.add(path + ".rung", "must be at least 0 (got " + rung + ")");
        }
        if (scheduleEpochs < targetEpochs || scheduleEpochs > 1000) {
            errors.add(path + ".scheduleEpochs", "must be in [training.epochs, 1000] (got " + scheduleEpochs + ", training.epochs "
                    + targetEpochs + ")");
        }
        if (resumeFrom != null && (resumeFrom.isBlank() || resumeFrom.length() > 2048)) {
            errors.add(path + ".resumeFrom", "must be an artifact URI of 1 to 2048 characters");
        }
        if (countsExamples()) {
            validateExamples(errors, path);
            return;
        }
        if (scheduleExamples != null || resumeExamples != null) {
            errors.add(path + ".examples", "must be set when scheduleExamples or resumeExamples is");
        }
        if ((resumeFrom == null) != (resumeEpoch == null)) {
            errors.add(path + ".resumeEpoch", "must be set exactly when resumeFrom is");
        } else if (resumeFrom != null && (resumeEpoch < 1 || resumeEpoch >= targetEpochs)) {
            errors.add(path + ".resumeEpoch", "must be in [1, training.epochs) (got " + resumeEpoch + ", training.epochs "
                    + targetEpochs + ")");
        }
    }

    /** The checks of a rung that counts examples. */
    private void validateExamples(Errors errors, String path) {
        if (examples < 1 || examples > SchedulerSpec.MAX_EXAMPLES) {
            errors.range(path + ".examples", examples, 1, SchedulerSpec.MAX_EXAMPLES);
            return;
        }
        if (scheduleExamples == null || scheduleExamples < examples || scheduleExamples > SchedulerSpec.MAX_EXAMPLES) {
            errors.add(path + ".scheduleExamples", "must be in [examples, " + SchedulerSpec.MAX_EXAMPLES + "] (got "
                    + scheduleExamples + ", examples " + examples + ")");
        }
        if (resumeEpoch != null) {
            errors.add(path + ".resumeEpoch", "must be absent when the rung counts examples (resumeExamples says where)");
        }
        if ((resumeFrom == null) != (resumeExamples == null)) {
            errors.add(path + ".resumeExamples", "must be set exactly when resumeFrom is");
        } else if (resumeExamples != null && (resumeExamples < 1 || resumeExamples >= examples)) {
            errors.add(path + ".resumeExamples", "must be in [1, examples) (got " + resumeExamples + ", examples "
                    + examples + ")");
        }
    }
}
