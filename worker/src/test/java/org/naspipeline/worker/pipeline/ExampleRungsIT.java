package org.naspipeline.worker.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.naspipeline.api.Checkpoint;
import org.naspipeline.api.DatasetSpec;
import org.naspipeline.api.Fidelity;
import org.naspipeline.api.JsonCodec;
import org.naspipeline.api.RecordChecks;
import org.naspipeline.api.TrainingSpec;
import org.naspipeline.api.TrialEvent;
import org.naspipeline.api.TrialRequest;
import org.naspipeline.api.TrialResult;
import org.naspipeline.worker.cpu.TestCpu;
import org.naspipeline.worker.data.DatasetResolver;

/**
 * Rungs that count training examples, with real DJL training on the bundled subset: 900 training examples in
 * batches of 64 (15 steps an epoch), rungs at 600, 1,500 and 2,700 examples, so the first two end inside an epoch.
 * A trial continued rung by rung from its checkpoints ends where the same trial trained in one go ends: the same
 * data order, the same optimizer steps, the same weights.
 */
class ExampleRungsIT {
    static final DatasetSpec DATA = new DatasetSpec("fashion-mnist", 1000, 200); // 900 train after the 10% held out
    static final TrainingSpec ADAM = new TrainingSpec(3, 64, 0.002, "adam", "cosine");

    @TempDir
    Path store;

    TrialRunner runner() {
        return new TrialRunner(DatasetResolver.fromEnvironment(), TrialRunnerIT.DATA, new FileArtifactStore(store), "w1",
                Device.cpu(), new ReentrantLock(), TestCpu.shared(), new TrialRunner.MeasurementSettings(8, 5));
    }

    static TrialRequest request(String trialId, int attempt, Fidelity fidelity) {
        TrialRequest r = new TrialRequest(1, "exp", trialId, attempt, CheckpointResumeIT.MLP, DATA, ADAM, 42L, null, fidelity);
        // as a worker reads it off the topic: checked, and the fidelity's fields survive the JSON
        TrialRequest read = RecordChecks.trialRequest(trialId, JsonCodec.write(r));
        assertThat(read).isEqualTo(r);
        return read;
    }

    static CheckpointFile.Contents file(Checkpoint c) throws Exception {
        return CheckpointFile.decode(Files.readAllBytes(Path.of(URI.create(c.uri()))));
    }

    TrialResult.Completed run(TrialRequest req, List<TrialEvent.Progress> progress) {
        TrialResult result = runner().run(req, progress::add, () -> false);
        assertThat(result).isInstanceOf(TrialResult.Completed.class);
        return (TrialResult.Completed) result;
    }

    @Test
    void aTrialContinuedRungByRungInsideEpochsEndsAsOneTrainedInOneGo() throws Exception {
        List<TrialEvent.Progress> p0 = new ArrayList<>();
        TrialResult.Completed r0 = run(request("exp-t1", 1, Fidelity.ofExamples(0, 3, true, null, null, 600, 2700)), p0);
        // 10 steps: 640 examples, inside epoch 1
        assertThat(r0.checkpoint()).isEqualTo(new Checkpoint(r0.checkpoint().uri(), 1, null, null, 640L, null));
        assertThat(file(r0.checkpoint()).steps()).isEqualTo(10);
        assertThat(p0).extracting(TrialEvent.Progress::epoch, TrialEvent.Progress::epochs)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(1, 1));

        List<TrialEvent.Progress> p1 = new ArrayList<>();
        TrialResult.Completed r1 = run(request("exp-t1", 2, Fidelity.ofExamples(1, 3, true, r0.checkpoint().uri(), 600L, 1500,
                2700)), p1);
        // the rest of epoch 1, then 10 batches of epoch 2: step 25, 1,540 examples
        assertThat(r1.checkpoint()).isEqualTo(new Checkpoint(r1.checkpoint().uri(), 2, null, null, 1540L, 640L));
        assertThat(file(r1.checkpoint()).steps()).isEqualTo(25);
        assertThat(file(r1.checkpoint()).epoch()).isEqualTo(2);
        assertThat(p1).extracting(TrialEvent.Progress::epoch).containsExactly(1, 2);
        assertThat(p1).extracting(TrialEvent.Progress::epochs).containsOnly(2);

        List<TrialEvent.Progress> p2 = new ArrayList<>();
        TrialResult.Completed r2 = run(request("exp-t1", 3, Fidelity.ofExamples(2, 3, false, r1.checkpoint().uri(), 1500L,
                2700, 2700)), p2);
        assertThat(r2.checkpoint()).isEqualTo(new Checkpoint(null, 3, null, null, 2700L, 1540L));
        assertThat(p2).extracting(TrialEvent.Progress::epoch).containsExactly(2, 3);

        List<TrialEvent.Progress> straight = new ArrayList<>();
        TrialResult.Completed one = run(request("exp-t1", 1, Fidelity.ofExamples(2, 3, false, null, null, 2700, 2700)),
                straight);
        assertThat(straight).extracting(TrialEvent.Progress::epoch).containsExactly(1, 2, 3);
        // the same weights: the last epoch's loss on its second half and the final accuracies agree
        assertThat(p2.get(1).loss()).isCloseTo(straight.get(2).loss(), within(1e-5));
        assertThat(r2.metrics().accuracy()).isCloseTo(one.metrics().accuracy(), within(1e-9));
        assertThat(r2.metrics().testAccuracy()).isCloseTo(one.metrics().testAccuracy(), within(1e-9));
        assertThat(r2.metrics().trainLoss()).isCloseTo(one.metrics().trainLoss(), within(1e-5));
        // the rungs' epochs 1 and 2 were split, so their losses cover parts of those epochs: no jump back up at a resume
        assertThat(p1.get(0).loss()).isLessThan(p0.get(0).loss());
    }

    @Test
    void aCheckpointOfAnotherPositionIsRetrainedFromScratchWithANote() throws Exception {
        TrialResult.Completed r0 = run(request("exp-t2", 1, Fidelity.ofExamples(0, 3, true, null, null, 600, 2700)),
                new ArrayList<>());
        // the request says the checkpoint holds 300 examples (5 steps); it holds 10 steps
        TrialResult.Completed r1 = run(request("exp-t2", 2, Fidelity.ofExamples(1, 3, true, r0.checkpoint().uri(), 300L, 1500,
                2700)), new ArrayList<>());
        assertThat(r1.checkpoint().note()).contains("was saved after 10 steps, not after the 5 steps of 300 examples")
                .endsWith("retrained from scratch");
        assertThat(r1.checkpoint().resumedFromExamples()).isNull();
        assertThat(r1.checkpoint().examples()).isEqualTo(1540L);
        assertThat(file(r1.checkpoint()).steps()).isEqualTo(25);
    }

    @Test
    void aRungOfMoreThanAThousandEpochsOfThisTrainingSetFailsBeforeTraining() {
        TrialResult r = runner().run(request("exp-t3", 1, Fidelity.ofExamples(0, 3, true, null, null, 901_000, 901_000)),
                ProgressListener.NONE, () -> false);
        assertThat(r).isInstanceOfSatisfying(TrialResult.Failed.class, f -> {
            assertThat(f.retriable()).isFalse();
            assertThat(f.reason()).isEqualTo("fidelity.examples 901000 is more than 1000 epochs of this training set (900 examples)");
        });
    }

    @Test
    void rungsCloserThanABatchEachTrainAStepAndContinueFromOneAnother() throws Exception {
        // rungs at 10, 30 and 90 examples in batches of 64: 10 and 30 both need 1 step, 90 needs 2
        TrialResult.Completed r0 = run(request("exp-t4", 1, Fidelity.ofExamples(0, 3, true, null, null, 10, 90)), new ArrayList<>());
        assertThat(file(r0.checkpoint()).steps()).isEqualTo(1);
        TrialResult.Completed r1 = run(request("exp-t4", 2, Fidelity.ofExamples(1, 3, true, r0.checkpoint().uri(), 10L, 30, 90)),
                new ArrayList<>());
        assertThat(r1.checkpoint().note()).isNull();
        assertThat(file(r1.checkpoint()).steps()).as("one step on, though 30 examples need 1").isEqualTo(2);
        assertThat(r1.checkpoint().examples()).isEqualTo(128L);
        // the top rung finds its checkpoint a step past the steps of 30 examples, and goes on from it
        TrialResult.Completed r2 = run(request("exp-t4", 3, Fidelity.ofExamples(2, 3, false, r1.checkpoint().uri(), 30L, 90, 90)),
                new ArrayList<>());
        assertThat(r2.checkpoint()).isEqualTo(new Checkpoint(null, 1, null, null, 192L, 128L));
    }
}
