package org.naspipeline.worker.pipeline;

import ai.djl.Model;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.naspipeline.api.Checkpoint;
import org.naspipeline.api.Fidelity;
import org.naspipeline.api.TrialRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The checkpoints of multi-fidelity requests (a {@link Fidelity} on the request). Before training, {@link #start}
 * makes the {@link ResumableOptimizer} and, when the request continues from a checkpoint, reads it through the
 * artifact store, checks it against the model and sets the weights and optimizer state. Every way that can fail (the
 * file lost, unreadable, corrupt, of another architecture or optimizer, saved at another epoch, outside the store)
 * gives a from-scratch start with a note and a WARN, never a failed trial: the scheduler still gets a result for the
 * rung, only at the cost of the epochs trained again. After training, {@link #capture} encodes the weights and the
 * optimizer state in the {@link CheckpointFile} format.
 */
final class Checkpoints {
    private static final Logger LOG = LoggerFactory.getLogger(Checkpoints.class);
    /** A checkpoint larger than this is refused unread (the largest searchable models are far smaller). */
    static final long MAX_BYTES = 1L << 30;
    private static final int MAX_REASON = 4000;

    private Checkpoints() {}

    /**
     * How a multi-fidelity attempt trains: with {@code optimizer}, from epoch {@code firstEpoch}; the epoch it resumed
     * from (null: from scratch, or the rung counts examples) and why a requested resume did not happen (null: it did,
     * or none was asked); {@code examples} when the rung counts training examples, else null.
     */
    record Start(ResumableOptimizer optimizer, int firstEpoch, Integer resumedFromEpoch, String note, Examples examples) {
        Start(ResumableOptimizer optimizer, int firstEpoch, Integer resumedFromEpoch, String note) {
            this(optimizer, firstEpoch, resumedFromEpoch, note, null);
        }

        /**
         * This start for a rung that counts examples: training continues from the optimizer's step (0, or the
         * checkpoint's) inside its epoch, and stops after the step that reaches the rung's examples, at least one
         * step on (two rungs closer than a batch still each train).
         */
        Start countingExamples(ExampleClock clock, long rungExamples) {
            long at = optimizer.steps();
            long stop = Math.max(clock.stepsFor(rungExamples), at + 1);
            Long from = resumedFromEpoch == null ? null : clock.examplesAfter(at);
            return new Start(optimizer, clock.epochOfNextStep(at), null, note, new Examples(clock, at, stop, from));
        }

        /** The epoch a checkpoint taken at the end of this attempt holds: the last one, or the one training ended in. */
        int endEpoch(int trainingEpochs) {
            return examples == null ? trainingEpochs : examples.clock().epochOfStep(examples.stopStep());
        }

        /** What the completed result reports: the checkpoint saved at {@code uri} (null: none saved) at {@code epoch}. */
        Checkpoint report(String uri, int epoch) {
            if (examples != null) {
                return new Checkpoint(uri, endEpoch(epoch), null, note, examples.clock().examplesAfter(examples.stopStep()),
                        examples.resumedFromExamples());
            }
            return new Checkpoint(uri, epoch, resumedFromEpoch, note);
        }
    }

    /**
     * A rung that counts training examples: the clock of this training set, the step training starts after (0 from
     * scratch), the step it stops after, and the examples it resumed from (null: from scratch).
     */
    record Examples(ExampleClock clock, long startStep, long stopStep, Long resumedFromExamples) {
        /** The batches of the first epoch trained before this attempt. */
        int skipBatches() {
            return clock.batchesIntoEpoch(startStep);
        }
    }

    /**
     * The start of {@code req}'s training of {@code model} (its block set, not yet initialized) for input batches of
     * {@code inputShape}, with {@code optimizer} fresh. A checkpoint that cannot be used leaves the model untouched.
     * When the request's rung counts examples, {@code clock} (the training set's; null otherwise) says where a
     * checkpoint of {@code fidelity.resumeExamples} stands, and the start says where to stop.
     */
    static Start start(TrialRequest req, Model model, Shape inputShape, ResumableOptimizer optimizer, ArtifactStore store,
                       ExampleClock clock) {
        Fidelity f = req.fidelity();
        if (!f.countsExamples()) {
            return restore(req, model, inputShape, optimizer, store, f.resumeEpoch() == null ? -1 : f.resumeEpoch(), -1);
        }
        if (clock == null) {
            throw new IllegalArgumentException("a rung of examples needs the training set's clock");
        }
        long steps = f.resumeExamples() == null ? -1 : clock.stepsFor(f.resumeExamples());
        return restore(req, model, inputShape, optimizer, store, -1, steps).countingExamples(clock, f.examples());
    }

    /**
     * The weights and optimizer state of {@code fidelity.resumeFrom}, checked to have been saved at {@code epoch}
     * (rungs of epochs) or after {@code steps} steps (rungs of examples); the other is -1.
     */
    private static Start restore(TrialRequest req, Model model, Shape inputShape, ResumableOptimizer optimizer,
                                 ArtifactStore store, int epoch, long steps) {
        Fidelity f = req.fidelity();
        if (f.resumeFrom() == null) {
            return new Start(optimizer, 1, null, null);
        }
        String uri = f.resumeFrom();
        byte[] bytes;
        try {
            bytes = store.readFile(uri, MAX_BYTES);
        } catch (NoSuchFileException e) {
            return scratch(req, optimizer, "checkpoint " + uri + " lost (no such file)");
        } catch (IllegalArgumentException e) {
            return scratch(req, optimizer, "checkpoint " + uri + " cannot be read here: " + e.getMessage());
        } catch (IOException e) {
            return scratch(req, optimizer, "checkpoint " + uri + " unreadable: " + e.getMessage());
        }
        CheckpointFile.Contents c;
        try {
            c = CheckpointFile.decode(bytes);
        } catch (CheckpointFile.CorruptCheckpointException e) {
            return scratch(req, optimizer, "checkpoint " + uri + " corrupt: " + e.getMessage());
        }
        if (epoch >= 0 && c.epoch() != epoch) {
            return scratch(req, optimizer, "checkpoint " + uri + " was saved at epoch " + c.epoch() + ", not at epoch "
                    + epoch);
        }
        // a rung closer than a batch to the one below still trains a step, so a checkpoint may stand up to one step
        // per rung past the steps of its examples
        if (steps >= 0 && (c.steps() < steps || c.steps() > steps + f.rung())) {
            return scratch(req, optimizer, "checkpoint " + uri + " was saved after " + c.steps() + " steps, not after the "
                    + steps + " steps of " + f.resumeExamples() + " examples");
        }
        if (!c.optimizer().equals(optimizer.name())) {
            return scratch(req, optimizer, "checkpoint " + uri + " holds " + c.optimizer() + " state, but the trial trains with "
                    + optimizer.name());
        }
        Block block = model.getBlock();
        block.initialize(model.getNDManager(), DataType.FLOAT32, inputShape);
        Map<String, Parameter> params = byName(block);
        String mismatch = mismatch(c, params, optimizer.stateCount());
        if (mismatch != null) {
            return scratch(req, optimizer, "checkpoint " + uri + " is of another architecture (" + mismatch + ")");
        }
        Map<String, List<float[]>> state = new HashMap<>();
        Map<String, Shape> shapes = new HashMap<>();
        for (CheckpointFile.Entry e : c.parameters()) {
            Parameter p = params.get(e.name());
            p.getArray().set(e.weights());
            if (!e.state().isEmpty()) {
                state.put(p.getId(), e.state());
                shapes.put(p.getId(), p.getArray().getShape());
            }
        }
        optimizer.importState(c.steps(), state, shapes, model.getNDManager());
        LOG.info("trial {} attempt {}: continues from {} at epoch {} (step {})", req.trialId(), req.attempt(), uri,
                c.epoch(), c.steps());
        return new Start(optimizer, c.epoch() + 1, c.epoch(), null);
    }

    /** Why the checkpoint does not fit the block's parameters, or null when every name, shape and state matches. */
    private static String mismatch(CheckpointFile.Contents c, Map<String, Parameter> params, int stateCount) {
        Map<String, CheckpointFile.Entry> saved = new LinkedHashMap<>();
        c.parameters().forEach(e -> saved.put(e.name(), e));
        for (String name : params.keySet()) {
            if (!saved.containsKey(name)) {
                return "it has no parameter " + name;
            }
        }
        for (CheckpointFile.Entry e : c.parameters()) {
            Parameter p = params.get(e.name());
            if (p == null) {
                return "parameter " + e.name() + " is not in this model";
            }
            Shape shape = p.getArray().getShape();
            if (!shape.equals(new Shape(e.shape()))) {
                return e.name() + " has shape " + new Shape(e.shape()) + ", the model's is " + shape;
            }
            if (!e.state().isEmpty() && e.state().size() != stateCount) {
                return e.name() + " has " + e.state().size() + " optimizer state arrays, expected " + stateCount;
            }
        }
        return null;
    }

    private static Start scratch(TrialRequest req, ResumableOptimizer optimizer, String why) {
        // a result's note holds at most 4096 characters, and a URI alone may have 2048
        String reason = why.length() <= MAX_REASON ? why : why.substring(0, MAX_REASON - 1) + "…";
        String note = reason + ": retrained from scratch";
        LOG.warn("trial {} attempt {}: {}", req.trialId(), req.attempt(), note);
        return new Start(optimizer, 1, null, note);
    }

    /** The checkpoint of {@code model} (trained) and {@code optimizer} after {@code epoch} epochs. */
    static byte[] capture(Model model, ResumableOptimizer optimizer, int epoch) {
        Map<String, Parameter> params = byName(model.getBlock());
        Map<String, String> names = new HashMap<>();
        params.forEach((name, p) -> names.put(p.getId(), name));
        Map<String, List<float[]>> state = optimizer.exportState(names);
        List<CheckpointFile.Entry> entries = new ArrayList<>();
        params.forEach((name, p) -> entries.add(new CheckpointFile.Entry(name, p.getArray().getShape().getShape(),
                p.getArray().toFloatArray(), state.getOrDefault(name, List.of()))));
        return CheckpointFile.encode(new CheckpointFile.Contents(epoch, optimizer.steps(), optimizer.name(), entries));
    }

    /** The block's parameters by their path in it (DJL's ids are random per instance, the paths are stable). */
    private static Map<String, Parameter> byName(Block block) {
        Map<String, Parameter> out = new LinkedHashMap<>();
        for (Pair<String, Parameter> p : block.getParameters()) {
            out.put(p.getKey(), p.getValue());
        }
        return out;
    }
}
