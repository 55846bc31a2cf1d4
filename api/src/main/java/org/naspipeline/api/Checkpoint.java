package org.naspipeline.api;

/**
 * What a completed attempt of a multi-fidelity request (see {@link Fidelity}) says about its checkpoint.
 *
 * @param uri where the trained weights and optimizer state were saved (null: not asked to save)
 * @param epoch the epoch training ended at, which the checkpoint holds
 * @param resumedFromEpoch the epoch training continued from (null: trained from scratch)
 * @param note why a requested resume trained from scratch instead (the checkpoint was lost or unreadable), or null
 */
public record Checkpoint(String uri, int epoch, Integer resumedFromEpoch, String note) {

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
    }
}
