package org.naspipeline.api;

import java.util.List;

/** The Kafka topic names of the pipeline, in one place. */
public final class Topics {
    /** Experiment submissions and commands, key = experimentId. */
    public static final String EXPERIMENTS = "nas.experiments";
    /** Trial requests for the worker group, key = trialId. */
    public static final String TRIALS = "nas.trials";
    /** Worker reports (started / progress / completed / failed), key = experimentId. */
    public static final String TRIAL_RESULTS = "nas.trial-results";
    /** Stop / cancel broadcasts to every worker. */
    public static final String TRIAL_CONTROL = "nas.trial-control";
    /** Experiment lifecycle and result events for watchers, key = experimentId. */
    public static final String EXPERIMENT_EVENTS = "nas.experiment-events";
    /** Unreadable records with the reason and the original bytes. */
    public static final String DLQ = "nas.dlq";

    /** Every topic the pipeline uses. */
    public static final List<String> ALL =
            List.of(EXPERIMENTS, TRIALS, TRIAL_RESULTS, TRIAL_CONTROL, EXPERIMENT_EVENTS, DLQ);

    private Topics() {}
}
