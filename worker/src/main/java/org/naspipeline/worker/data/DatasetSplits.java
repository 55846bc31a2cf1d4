package org.naspipeline.worker.data;

/** The three splits a trial uses: train, a held-out validation part of the training file, and test. */
public record DatasetSplits(TensorData train, TensorData validation, TensorData test) {}
