package org.naspipeline.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonInclude.Include;

/**
 * What a completed attempt of a multi-fidelity request (see {@link Fidelity}) says about its checkpoint. The two
 * fields of examples are written only when set: a result of a rung of epochs is as it was before they existed.
 *
 * @param uri where the trained weights and optimizer state were saved (null: not asked to save)
 * @param epoch the epoch training ended at, which the checkpoint holds (under examples: the epoch it ended in, which
 *     may be unfinished)
 * @param resumedFromEpoch the epoch training continued from (null: trained from scratch, or the rung counts examples)
 * @param note why a requested resume trained from scratch instead (the checkpoint was lost or unreadable), or null
 * @param examples the training examples processed since the trial's start when training ended (null unless the
 *     rung counts examples)
 * @param resumedFromExamples the examples training continued from (null: from scratch, or the rung counts epochs)
 */
public record Checkpoint(String uri, int epoch, Integer resumedFromEpoch, String note,
                         @AddedField @JsonInclude(Include.NON_NULL) Long examples,
                         @AddedField @JsonInclude(Include.NON_NULL) Long resumedFromExamples) {

    /** The checkpoint of a rung that counts epochs. */
    public Checkpoint(String uri, int epoch, Integer resumedFromEpoch, String note) {
        this(uri, epoch, resumedFromEpoch, note, null, null);
    }

    /** Checks under {@code path}. */
    void validate(Errors errors, String path) {
        if (uri != null && (uri.isBlank() || uri.length() > 2048)) {
            errors.add(path + ".uri", "must be an artifact URI of 1 to 2048 characters");
        }
        if (epoch < 1 || epoch > 1000) {
            errors.add(path + ".epoch", "must be in [1, 1000] (got " + epoch + ")");
        }
        if (resumedFromEpoch != null && (resumedFromEpoch < 1 || resumedFromEpoch >= epoch)) {
            errors.add(path + ".resumedFromEpoch", "must be in [1, epoch) (got " + resumedFromEpoch + ", epoch " + epoch + ")");
        }
        if (note != null && note.length() > 4096) {
            errors.add(path + ".note", "must be at most 4096 characters (got " + note.length() + ")");
        }
        if (examples != null && (examples < 1 || examples > SchedulerSpec.MAX_EXAMPLES)) {
            errors.range(path + ".examples", examples, 1, SchedulerSpec.MAX_EXAMPLES);
        }
        if (resumedFromExamples != null) {
            if (examples == null) {
                errors.add(path + ".resumedFromExamples", "must come with examples");
            } else if (resumedFromExamples < 1 || resumedFromExamples >= examples) {
                errors.add(path + ".resumedFromExamples", "must be in [1, examples) (got " + resumedFromExamples
                        + ", examples " + examples + ")");
            }
        }
    }
}
