package org.naspipeline.controller;

import java.util.ArrayList;
import java.util.List;
import org.naspipeline.api.ExperimentEvent;
import org.naspipeline.api.TrialControl;
import org.naspipeline.api.TrialRequest;

/** What handling one input produced: trial requests to send, trial-control messages, and events to publish. */
final class Effects {
    final List<TrialRequest> requests = new ArrayList<>();
    final List<ExperimentEvent> events = new ArrayList<>();
    final List<TrialControl> controls = new ArrayList<>();
    /** Non-null when the input belongs in the DLQ, with the reason. */
    String deadLetterReason;
    /** True when the input was a duplicate or stale result and changed nothing. */
    boolean dropped;
}
