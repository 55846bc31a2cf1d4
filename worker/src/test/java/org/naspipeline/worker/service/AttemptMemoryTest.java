package org.naspipeline.worker.service;

import static org.assertj.core.api.Assertions.assertThat;

import org.naspipeline.api.DatasetSpec;
import org.naspipeline.api.TrainingSpec;
import org.naspipeline.api.TrialControl;
import org.naspipeline.api.TrialRequest;
import org.junit.jupiter.api.Test;

/** Which requests a worker skips, and that what it remembers stays bounded. */
class AttemptMemoryTest {
    final AttemptMemory memory = new AttemptMemory();

    @Test
    void aRequestWithNothingKnownRuns() {
        assertThat(memory.skip(request("t-1", 1))).isNull();
    }

    @Test
    void aCancelledAttemptIsSkippedWithAReportNamingTheCancel() {
        memory.instructed(control("t-1", 1, TrialControl.Action.CANCEL, "experiment cancelled: budget spent"));
        AttemptMemory.Skip skip = memory.skip(request("t-1", 1));
        assertThat(skip.reason()).isEqualTo(AttemptMemory.SkipReason.CANCELLED);
        assertThat(skip.report()).isTrue();
        assertThat(skip.message()).isEqualTo("skipped: the attempt was cancelled before it started (experiment cancelled: budget spent)");
    }

    @Test
    void aStoppedAttemptIsSkippedAsStopped() {
        memory.instructed(control("t-1", 2, TrialControl.Action.STOP, "median stopping rule"));
        AttemptMemory.Skip skip = memory.skip(request("t-1", 2));
        assertThat(skip.reason()).isEqualTo(AttemptMemory.SkipReason.STOPPED);
        assertThat(skip.message()).isEqualTo("skipped: the attempt was stopped before it started (median stopping rule)");
    }

    @Test
    void onlyTheInstructedAttemptIsSkippedNotTheRetryNorAnotherTrial() {
        memory.instructed(control("t-1", 1, TrialControl.Action.CANCEL, "no report from attempt 1 for 60 s"));
        assertThat(memory.skip(request("t-1", 2))).as("the controller's retry after a time-out").isNull();
        assertThat(memory.skip(request("t-2", 1))).isNull();
        assertThat(memory.skip(request("t-1", 1))).isNotNull();
    }

    @Test
    void aLaterCancelReplacesAStop() {
        memory.instructed(control("t-1", 1, TrialControl.Action.STOP, "median"));
        memory.instructed(control("t-1", 1, TrialControl.Action.CANCEL, "experiment cancelled"));
        assertThat(memory.skip(request("t-1", 1)).reason()).isEqualTo(AttemptMemory.SkipReason.CANCELLED);
        assertThat(memory.size()).isEqualTo(1);
    }

    @Test
    void anAttemptFinishedHereIsSkippedWithoutASecondReport() {
        memory.finished("t-1", 1);
        AttemptMemory.Skip skip = memory.skip(request("t-1", 1));
        assertThat(skip.reason()).isEqualTo(AttemptMemory.SkipReason.FINISHED);
        assertThat(skip.report()).isFalse();
        assertThat(memory.skip(request("t-1", 2))).isNull();
    }

    @Test
    void aMissingOrHugeReasonIsKeptShort() {
        memory.instructed(control("t-1", 1, TrialControl.Action.CANCEL, null));
        memory.instructed(control("t-2", 1, TrialControl.Action.CANCEL, "x".repeat(900_000)));
        assertThat(memory.skip(request("t-1", 1)).message()).endsWith("(no reason given)");
        assertThat(memory.instruction("t-2", 1).reason()).hasSize(AttemptMemory.MAX_REASON_CHARS).endsWith("…");
    }

    @Test
    void memoryIsBoundedAndForgetsTheOldestFirst() {
        int n = AttemptMemory.MAX_INSTRUCTIONS + 500;
        for (int i = 0; i < n; i++) {
            memory.instructed(control("t-" + i, 1, TrialControl.Action.CANCEL, "c"));
            memory.finished("f-" + i, 1);
        }
        assertThat(memory.size()).isEqualTo(AttemptMemory.MAX_INSTRUCTIONS + AttemptMemory.MAX_FINISHED);
        assertThat(memory.skip(request("t-0", 1))).as("the oldest instruction is forgotten").isNull();
        assertThat(memory.skip(request("f-0", 1))).as("the oldest finished attempt is forgotten").isNull();
        assertThat(memory.skip(request("t-" + (n - 1), 1))).isNotNull();
        assertThat(memory.skip(request("f-" + (n - 1), 1))).isNotNull();
    }

    static TrialRequest request(String trialId, int attempt) {
        return new TrialRequest(1, "e", trialId, attempt, WorkerControlIT.MLP, new DatasetSpec("fashion-mnist", 10, 10),
                new TrainingSpec(1, 64, 0.001, "adam"), 1L);
    }

    static TrialControl control(String trialId, int attempt, TrialControl.Action action, String reason) {
        return new TrialControl(1, "e", trialId, attempt, action, reason);
    }
}
