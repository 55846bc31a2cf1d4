package org.naspipeline.controller.logic;

import java.util.ArrayList;
import java.util.List;
import org.naspipeline.api.ExperimentEvent;
import org.naspipeline.api.TrialControl;
import org.naspipeline.api.TrialRequest;

/** What handling one input produced: trial requests to send, trial-control messages, and events to publish. */
public final class Effects {
    public final List<TrialRequest> requests = new ArrayList<>();
    public final List<ExperimentEvent> events = new ArrayList<>();
    public final List<TrialControl> controls = new ArrayList<>();
    /** Non-null when the input belongs in the DLQ, with the reason. */
    public String deadLetterReason;
    /** True when the input was a duplicate or stale result and changed nothing. */
    public boolean dropped;
}
