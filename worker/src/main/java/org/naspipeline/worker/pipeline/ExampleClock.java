package org.naspipeline.worker.pipeline;

/**
 * Where training stands when a scheduler's rungs count training examples ({@code resource: examples}): the
 * correspondence between optimizer steps and examples processed for a training set of {@code trainCount} examples
 * in batches of {@code batchSize}, each epoch's last batch short when the size does not divide the count. A rung
 * ends at the first step that reaches its examples, so a rung's steps, and where a checkpoint of it stands, follow
 * from its examples alone.
 */
record ExampleClock(int trainCount, int batchSize) {
    ExampleClock {
        if (trainCount < 1 || batchSize < 1) {
            throw new IllegalArgumentException("training examples and batch size must be positive (got " + trainCount
                    + ", " + batchSize + ")");
        }
    }

    /** The steps of one epoch: one per batch, the last one possibly short. */
    int stepsPerEpoch() {
        return (trainCount + batchSize - 1) / batchSize;
    }

    /** The examples processed after {@code steps} steps from the start. */
    long examplesAfter(long steps) {
        long epochs = steps / stepsPerEpoch();
        long batches = steps % stepsPerEpoch(); // all full: only an epoch's last batch is short
        return epochs * trainCount + batches * batchSize;
    }

    /** The fewest steps from the start after which at least {@code examples} examples have been processed. */
    long stepsFor(long examples) {
        long epochs = examples / trainCount;
        long rest = examples % trainCount;
        return epochs * stepsPerEpoch() + (rest + batchSize - 1) / batchSize;
    }

    /** The epoch (from 1) that the step after {@code steps} steps belongs to. */
    int epochOfNextStep(long steps) {
        return Math.toIntExact(steps / stepsPerEpoch() + 1);
    }

    /** The batches of its epoch already trained after {@code steps} steps. */
    int batchesIntoEpoch(long steps) {
        return (int) (steps % stepsPerEpoch());
    }

    /** The epoch (from 1) that step number {@code steps} (counted from 1) belongs to: the epoch training ended in. */
    int epochOfStep(long steps) {
        return steps <= 0 ? 1 : Math.toIntExact((steps - 1) / stepsPerEpoch() + 1);
    }
}
