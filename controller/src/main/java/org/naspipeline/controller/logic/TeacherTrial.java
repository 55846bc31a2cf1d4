package org.naspipeline.controller.logic;

import org.naspipeline.api.Candidate;
import org.naspipeline.api.ExperimentEvent;
import org.naspipeline.api.ExperimentSpec;
import org.naspipeline.api.ExperimentStatus;
import org.naspipeline.api.TrialResult;
import org.naspipeline.api.TrialStatus;

/**
 * The teacher trial of an experiment that distils from a {@code teacherArchitecture}: one trial
 * ({@code <id>-teacher}: that architecture, uncompressed, with the experiment's training settings) that runs before
 * the search. It is retried and timed out like any trial but is not a search trial: the strategy never sees it and
 * it counts neither towards the budget nor the best. When it completes, its artifact is filled into every distilled
 * candidate's request; when it fails for good, the experiment fails.
 */
final class TeacherTrial {
    private static final int V = ExperimentSpec.SCHEMA_VERSION;

    private TeacherTrial() {}

    /**
     * Whether the search must wait for the teacher: true while the experiment needs one that is not trained yet,
     * scheduling it first if it was not.
     */
    static boolean holdsSearch(ExperimentState state, long nowMillis, Effects effects) {
        if (!state.needsTeacher() || state.teacherArtifact != null) {
            return false;
        }
        if (!state.teacherIssued) {
            issue(state, nowMillis, effects);
        }
        return true;
    }

    /** Schedules the teacher trial on the lowest free slot. */
    private static void issue(ExperimentState state, long nowMillis, Effects effects) {
        Candidate teacher = new Candidate(state.spec.searchSpace().compression().teacherArchitecture(),
                org.naspipeline.api.CompressionSpec.NONE);
        TrialRecord trial = new TrialRecord(state.teacherTrialId(), teacher, state.inFlight.freeSlot(), nowMillis);
        state.teacherIssued = true;
        state.trials.put(trial);
        state.inFlight.hold(trial.trialId, trial.slot);
        effects.requests.add(ExperimentLogic.request(state, trial));
        effects.events.add(new ExperimentEvent.TrialScheduled(V, state.spec.id(), trial.trialId, 1, teacher));
    }

    /**
     * The teacher trial ended: keeps its artifact and returns true (the search may start), or fails the experiment
     * and returns false.
     */
    static boolean finish(ExperimentState state, TrialRecord trial, TrialResult result, long nowMillis, Effects effects) {
        String experimentId = state.spec.id();
        trial.result = result;
        trial.endedAtMillis = nowMillis;
        trial.status = result instanceof TrialResult.Completed ? TrialStatus.COMPLETED : TrialStatus.FAILED;
        state.inFlight.release(trial.trialId);
        state.trials.put(trial);
        effects.events.add(new ExperimentEvent.TrialFinished(V, experimentId, trial.trialId, trial.candidate, trial.status,
                result instanceof TrialResult.Completed c ? c.metrics() : null,
                result instanceof TrialResult.Failed f ? f.reason() : null,
                state.completed, state.failed, state.spec.budget().maxTrials(), state.bestTrialId));
        if (result instanceof TrialResult.Completed c) {
            state.teacherArtifact = c.artifactUri();
            return true;
        }
        state.status = ExperimentStatus.FAILED;
        effects.events.add(new ExperimentEvent.StatusChanged(V, experimentId, state.status,
                "the teacher trial " + trial.trialId + " failed: " + ((TrialResult.Failed) result).reason(), ExperimentEvent.CONTROLLER));
        effects.events.add(new ExperimentEvent.Completed(V, experimentId, state.status, state.completed, state.failed,
                state.bestTrialId, state.bestAccuracy, ExperimentEvent.CONTROLLER));
        return false;
    }

    /** The candidate with the trained teacher's artifact filled in where it distils from the experiment's teacher. */
    static Candidate withTeacher(Candidate candidate, String teacherArtifact) {
        org.naspipeline.api.CompressionSpec c = candidate.compression();
        org.naspipeline.api.DistillationSpec d = c.distillation();
        if (teacherArtifact == null || !d.enabled() || d.teacher() != null) {
            return candidate;
        }
        return new Candidate(candidate.architecture(), c.withDistillation(d.withTeacher(teacherArtifact)),
                candidate.parameters());
    }
}
