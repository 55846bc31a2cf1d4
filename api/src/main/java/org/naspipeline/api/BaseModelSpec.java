package org.naspipeline.api;

/**
 * The trained model a compression-only experiment compresses: its artifact URI (a trial attempt directory,
 * {@code artifactUri} of a completed result) and its architecture, which fixes the architecture half of the
 * search. Workers check that the artifact was trained for this architecture.
 */
public record BaseModelSpec(String artifact, ArchitectureSpec architecture) {
    /** Validates under {@code path}. */
    public void validate(Errors errors, String path) {
        if (errors.required(path + ".artifact", artifact) && !ArtifactUris.readable(artifact)) {
            errors.add(path + ".artifact", ArtifactUris.unreadable(artifact));
        }
        errors.required(path + ".architecture", architecture);
    }
}
