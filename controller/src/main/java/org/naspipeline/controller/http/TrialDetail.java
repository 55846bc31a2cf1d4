package org.naspipeline.controller.http;

import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import org.naspipeline.api.Checkpoint;
import org.naspipeline.api.TrialMetrics;
import org.naspipeline.api.TrialResult;
import org.naspipeline.controller.logic.ExperimentState;
import org.naspipeline.controller.logic.ExperimentViews;
import org.naspipeline.controller.logic.ParetoTracker;
import org.naspipeline.controller.logic.TrialRecord;

/**
 * One trial for the web UI's trial page ({@code GET /api/v1/experiments/{id}/trials/{trialId}}): the table row with
 * its standing, the best validation accuracy reached by the end of each epoch of the current attempt (the learning
 * curve as the controller keeps it; the page adds each epoch's own figures live from the progress events), and for a
 * completed attempt the runtime it was measured in ({@code inference}, as the worker reported it; null from workers
 * older than it) and its deployable files with their artifact-store URIs ({@code files}; empty otherwise). Under a
 * promoting scheduler (ASHA, Hyperband): its {@code bracket}, the {@code rungs} it completed (lowest first), why its
 * last promotion failed ({@code promotionFailure}), and while an attempt is in flight the rung it trains to
 * ({@code trainingRung}, {@code trainingEpochs}, or {@code trainingExamples} when rungs count examples); without one,
 * null, empty, null, null, null, null.
 */
public record TrialDetail(TrialPages.Row row, List<Double> bestValidationByEpoch, TrialMetrics.Inference inference, List<FileLink> files,
                          Integer bracket, List<Rung> rungs, String promotionFailure, Integer trainingRung, Integer trainingEpochs,
                          Long trainingExamples) {

    /**
     * A deployable file of the attempt: its plain name and its URI in the artifact store ({@code file:} or
     * {@code s3://}, what the worker reported the attempt under; the controller has no access to the store, so this
     * is no HTTP download: {@code nas export} fetches it).
     */
    record FileLink(String name, String uri) {}

    /**
     * A completed rung: the epochs trained to (under rungs of examples: the epoch training ended in) and the training
     * examples (null unless rungs count them), the attempt, its validation and test accuracy, and its checkpoint as
     * the worker reported it (null from a worker older than checkpoints): {@code resumedFromEpoch} (or
     * {@code resumedFromExamples}) set when it continued from the rung below, {@code note} why a requested
     * continuation trained from scratch instead.
     */
    record Rung(int rung, int epochs, Integer attempt, Double accuracy, Double testAccuracy, Checkpoint checkpoint,
                Long examples) {}

    /** The trial {@code trialId} of {@code state}, or empty. */
    static Optional<TrialDetail> of(ExperimentState state, String trialId) {
        TrialRecord t = state.trials.get(trialId);
        if (t == null) {
            return Optional.empty();
        }
        ExperimentViews.TrialRow row = ExperimentViews.trials(List.of(t)).get(0);
        TrialMetrics.Inference inference = row.metrics() == null ? null : row.metrics().inference();
        ExperimentViews.Scheduler scheduler = ExperimentViews.scheduler(state.spec);
        boolean promoting = scheduler != null && scheduler.promotes() && !state.isTeacher(t.trialId);
        List<Rung> rungs = ExperimentViews.rungs(t).stream().map(TrialDetail::rung).toList();
        Integer training = promoting && t.inFlight() ? t.rung : null;
        Integer trainingEpochs = training != null && scheduler.rungEpochs() != null && training >= 0
                && training < scheduler.rungEpochs().size() ? scheduler.rungEpochs().get(training) : null;
        Long trainingExamples = training != null && scheduler.rungExamples() != null && training >= 0
                && training < scheduler.rungExamples().size() ? scheduler.rungExamples().get(training) : null;
        return Optional.of(new TrialDetail(TrialPages.row(state, row, new HashSet<>(ParetoTracker.ids(state))),
                t.bestValidationByEpoch == null ? List.of() : List.copyOf(t.bestValidationByEpoch), inference,
                links(row.artifactUri(), inference), promoting ? t.bracket : null, rungs, t.promotionFailure, training,
                trainingEpochs, trainingExamples));
    }

    private static Rung rung(TrialRecord.RungResult r) {
        TrialResult.Completed c = r.result();
        TrialMetrics m = c == null ? null : c.metrics();
        return new Rung(r.rung(), r.epochs(), c == null ? null : c.attempt(), m == null ? null : m.accuracy(),
                m == null ? null : m.testAccuracy(), c == null ? null : c.checkpoint(), r.examples());
    }

    /**
     * The files {@code inference} lists, each joined to the attempt's {@code artifactUri} with one slash (the file
     * store reports attempt URIs ending in one, the S3 store without). The names are plain (letters, digits,
     * {@code . - _}, checked when the result was read), so they need no escaping in a URI.
     */
    static List<FileLink> links(String artifactUri, TrialMetrics.Inference inference) {
        if (artifactUri == null || inference == null) {
            return List.of();
        }
        String dir = artifactUri.endsWith("/") ? artifactUri : artifactUri + "/";
        return inference.files().stream().map(name -> new FileLink(name, dir + name)).toList();
    }
}
