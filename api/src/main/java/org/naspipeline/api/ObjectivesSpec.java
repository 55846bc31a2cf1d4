package org.naspipeline.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the search optimizes: one or more objectives (multi-objective strategies use them all), the
 * scalarization single-objective strategies use, and hard constraints.
 */
public record ObjectivesSpec(List<Objective> objectives, Scalarization scalarization, List<Constraint> constraints) {

    /** Maximize accuracy; no constraints. */
    public static final ObjectivesSpec DEFAULT = new ObjectivesSpec(null, null, null);

    /** Applies defaults. */
    public ObjectivesSpec {
        objectives = objectives == null || objectives.isEmpty()
                ? List.of(new Objective(Objective.Metric.ACCURACY, Objective.Goal.MAXIMIZE)) : List.copyOf(objectives);
        scalarization = scalarization == null ? Scalarization.WEIGHTED_DEFAULT : scalarization;
        constraints = constraints == null ? List.of() : List.copyOf(constraints);
    }

    /** A hard limit on a metric: {@code metric ≤ max} and/or {@code metric ≥ min}. */
    public record Constraint(Objective.Metric metric, Double max, Double min) {
        /** How far the metrics are outside the limit (0 when satisfied), relative to the limit. */
        public double violation(TrialMetrics m) {
            double v = metric.of(m);
            double over = max != null && v > max ? (v - max) / Math.max(Math.abs(max), 1e-12) : 0;
            double under = min != null && v < min ? (min - v) / Math.max(Math.abs(min), 1e-12) : 0;
            return over + under;
        }
    }

    /** How a single-objective strategy turns metrics into one score to maximize. */
    public record Scalarization(Type type, Map<Objective.Metric, Double> weights, Map<Objective.Metric, Double> targets,
                                Double exponent) {
        /** Score = accuracy. */
        public static final Scalarization WEIGHTED_DEFAULT = new Scalarization(Type.WEIGHTED, null, null, null);

        /** The form of the score. */
        public enum Type {
            /** Σ weight × value, with minimized metrics entering negatively. */
            @JsonProperty("weighted") WEIGHTED,
            /** MnasNet: accuracy × Π (metric / target)^exponent over the targets given. */
            @JsonProperty("mnasnet") MNASNET
        }

        /** Applies defaults: weight 1 on accuracy, MnasNet exponent −0.07. */
        public Scalarization {
            type = type == null ? Type.WEIGHTED : type;
            weights = weights == null || weights.isEmpty() ? Map.of(Objective.Metric.ACCURACY, 1.0) : Map.copyOf(weights);
            targets = targets == null ? Map.of() : Map.copyOf(targets);
            exponent = exponent == null ? -0.07 : exponent;
        }

        /** The score of a trial's metrics; larger is better. */
        public double score(TrialMetrics m) {
            if (type == Type.MNASNET) {
                double reward = m.accuracy();
                for (Map.Entry<Objective.Metric, Double> t : targets.entrySet()) {
                    reward *= Math.pow(Math.max(t.getKey().of(m), 1e-12) / t.getValue(), exponent);
                }
                return reward;
            }
            double score = 0;
            for (Map.Entry<Objective.Metric, Double> w : weights.entrySet()) {
                double v = w.getKey().of(m);
                score += w.getValue() * (w.getKey().naturalGoal() == Objective.Goal.MAXIMIZE ? v : -v);
            }
            return score;
        }
    }

    /** Validates under {@code path}. */
    public void validate(Errors errors, String path) {
        Set<Objective.Metric> seen = new HashSet<>();
        for (int i = 0; i < objectives.size(); i++) {
            Objective o = objectives.get(i);
            String at = path + ".objectives[" + i + "]";
            if (o == null || !errors.required(at + ".metric", o.metric())) {
                continue;
            }
            if (!seen.add(o.metric())) {
                errors.add(at + ".metric", "'" + o.metric().jsonName() + "' is listed twice");
            }
        }
        if (objectives.size() > 3) {
            errors.add(path + ".objectives", "at most 3 objectives are supported (got " + objectives.size() + ")");
        }
        scalarization.weights().forEach((metric, weight) -> {
            if (metric == null || weight == null || !Double.isFinite(weight)) {
                errors.add(path + ".scalarization.weights" + (metric == null ? "" : "." + metric.jsonName()),
                        "must be a finite number (got " + weight + ")");
            }
        });
        if (scalarization.type() == Scalarization.Type.MNASNET) {
            if (scalarization.targets().isEmpty()) {
                errors.add(path + ".scalarization.targets", "mnasnet needs at least one target, e.g. {\"latencyMs\": 2.0}");
            }
            scalarization.targets().forEach((metric, target) -> {
                if (metric == Objective.Metric.ACCURACY) {
                    errors.add(path + ".scalarization.targets.accuracy", "accuracy is the base of the reward, not a target");
                } else if (target == null || !(target > 0) || target.isInfinite()) {
                    errors.add(path + ".scalarization.targets." + metric.jsonName(), "must be > 0 (got " + target + ")");
                }
            });
            errors.range(path + ".scalarization.exponent", scalarization.exponent(), -1.0, 0.0);
        }
        for (int i = 0; i < constraints.size(); i++) {
            Constraint c = constraints.get(i);
            String at = path + ".constraints[" + i + "]";
            if (c == null || !errors.required(at + ".metric", c.metric())) {
                continue;
            }
            if ((c.max() != null && !errors.finite(at + ".max", c.max())) | (c.min() != null && !errors.finite(at + ".min", c.min()))) {
                continue;
            }
            if (c.max() == null && c.min() == null) {
                errors.add(at, "needs max and/or min");
            } else if (c.max() != null && c.min() != null && c.max() < c.min()) {
                errors.add(at + ".max", "must be ≥ min (got " + c.max() + " < " + c.min() + ")");
            }
        }
    }
}
