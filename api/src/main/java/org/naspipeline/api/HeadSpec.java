package org.naspipeline.api;

/** The classifier head: an optional dense layer ({@code denseUnits = 0} means none) and dropout before the output. */
public record HeadSpec(int denseUnits, double dropout) {}
