package org.naspipeline.strategy.space;

/**
 * One categorical decision of an encoding.
 *
 * @param name a readable name, e.g. {@code stage[1].filters}
 * @param arity how many values it can take
 * @param ordinal whether neighbouring indices are neighbouring values (a count, numbers listed in increasing or
 *     decreasing order, a non-categorical parameter's grid), which model-based strategies smooth over
 */
public record Gene(String name, int arity, boolean ordinal) {}
