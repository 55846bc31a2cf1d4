package org.naspipeline.api;

/**
 * How a request of a multi-fidelity scheduler (ASHA, Hyperband) trains: to {@code training.epochs}, the epochs of
 * rung {@code rung}, continuing from an earlier rung's checkpoint when {@code resumeFrom} is set. Null on a request
 * means: train {@code training.epochs} from scratch, save no checkpoint.
 *
 * @param rung the rung this request trains to (0 = the first)
 * @param scheduleEpochs the epochs the learning-rate schedule spans: the top rung's, so a trial's schedule is the
 *     same whether it stops at a low rung or continues to the top
 * @param saveCheckpoint whether the worker saves the trained weights and optimizer state, and reports where
 * @param resumeFrom the checkpoint to continue from (an artifact URI a worker reported), or null: from scratch
 * @param resumeEpoch the epoch that checkpoint was saved at (set with {@code resumeFrom})
 */
public record Fidelity(int rung, int scheduleEpochs, boolean saveCheckpoint, String resumeFrom, Integer resumeEpoch) {

    /** Checks under {@code path}, against the request's target epochs. */
    void validate(Errors errors, String path, int targetEpochs) {
        if (rung < 0) {
            errors.add(path + ".rung", "must be at least 0 (got " + rung + ")");
        }
        if (scheduleEpochs < targetEpochs || scheduleEpochs > 1000) {
            errors.add(path + ".scheduleEpochs", "must be in [training.epochs, 1000] (got " + scheduleEpochs + ", training.epochs "
                    + targetEpochs + ")");
        }
        if ((resumeFrom == null) != (resumeEpoch == null)) {
            errors.add(path + ".resumeEpoch", "must be set exactly when resumeFrom is");
        } else if (resumeFrom != null) {
            if (resumeFrom.isBlank() || resumeFrom.length() > 2048) {
                errors.add(path + ".resumeFrom", "must be an artifact URI of 1 to 2048 characters");
            }
            if (resumeEpoch < 1 || resumeEpoch >= targetEpochs) {
                errors.add(path + ".resumeEpoch", "must be in [1, training.epochs) (got " + resumeEpoch + ", training.epochs "
                        + targetEpochs + ")");
            }
        }
    }
}
