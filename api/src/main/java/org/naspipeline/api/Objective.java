package org.naspipeline.api;

import com.fasterxml.jackson.annotation.JsonProperty;

/** One metric to optimize and in which direction. */
public record Objective(Metric metric, Goal goal) {

    /** Metrics a trial reports that can be optimized or constrained. */
    public enum Metric {
        /** Validation accuracy, in [0, 1]. */
        @JsonProperty("accuracy") ACCURACY,
        /** Batch-1 latency p50 in milliseconds. */
        @JsonProperty("latencyMs") LATENCY_MS,
        /** Bytes of the saved model. */
        @JsonProperty("sizeBytes") SIZE_BYTES,
        /** Parameter count. */
        @JsonProperty("params") PARAMS,
        /** Multiply-accumulates of one batch-1 forward pass. */
        @JsonProperty("macs") MACS;

        /** This metric's value in a trial's measurements. */
        public double of(TrialMetrics m) {
            return switch (this) {
                case ACCURACY -> m.accuracy();
                case LATENCY_MS -> m.latencyMsP50();
                case SIZE_BYTES -> m.sizeBytes();
                case PARAMS -> m.params();
                case MACS -> m.macs();
            };
        }

        /** The name used in JSON ({@code latencyMs}, …). */
        public String jsonName() {
            return switch (this) {
                case ACCURACY -> "accuracy";
                case LATENCY_MS -> "latencyMs";
                case SIZE_BYTES -> "sizeBytes";
                case PARAMS -> "params";
                case MACS -> "macs";
            };
        }

        /** The direction that is better for this metric. */
        public Goal naturalGoal() {
            return this == ACCURACY ? Goal.MAXIMIZE : Goal.MINIMIZE;
        }
    }

    /** Direction of optimization. */
    public enum Goal {
        /** Larger is better. */
        @JsonProperty("maximize") MAXIMIZE,
        /** Smaller is better. */
        @JsonProperty("minimize") MINIMIZE
    }

    /** Defaults the goal to the metric's natural direction. */
    public Objective {
        goal = goal == null && metric != null ? metric.naturalGoal() : goal;
    }

    /** The value to minimize: the metric, negated when it is maximized. */
    public double minimizationValue(TrialMetrics m) {
        double v = metric.of(m);
        return goal == Goal.MAXIMIZE ? -v : v;
    }
}
