package org.naspipeline.controller.http;

import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import org.naspipeline.api.ValidationError;
import org.naspipeline.controller.http.ApiTokens.Caller;

import static org.naspipeline.controller.http.ControllerApi.answer;
import static org.naspipeline.controller.http.ControllerApi.error;
import static org.naspipeline.controller.http.ControllerApi.errors;

/**
 * The REST reads the web UI adds (docs/ui.md), under the API's read rules through {@link ControllerApi}: the chart
 * columns, a page of the trial table, one trial, and the experiment's Server-Sent Events.
 */
public final class UiEndpoints {
    private final ControllerApi api;
    private final Vertx vertx;

    UiEndpoints(ControllerApi api, Vertx vertx) {
        this.api = api;
        this.vertx = vertx;
    }

    void mount(Router router) {
        router.get("/api/v1/experiments/:id/points").handler(ctx -> api.read(ctx, ExperimentPoints::of));
        router.get("/api/v1/experiments/:id/trial-page").handler(this::trialPage);
        router.get("/api/v1/experiments/:id/trials/:trialId").handler(this::trial);
        router.get("/api/v1/experiments/:id/events").handler(this::events);
    }

    /** {@code GET …/trial-page}: one sorted, filtered page of the trial table (see {@link TrialPages}). */
    private void trialPage(RoutingContext ctx) {
        Caller caller = api.reader(ctx);
        if (caller == null) {
            return;
        }
        List<ValidationError> errors = new java.util.ArrayList<>();
        TrialPages.Query query = TrialPages.parse(ctx.queryParams(), errors);
        if (!errors.isEmpty()) {
            errors(ctx, 400, errors);
            return;
        }
        api.read(ctx, caller, state -> TrialPages.of(state, query), r -> answer(ctx, r, 200));
    }

    /** {@code GET …/trials/{trialId}}: one trial with its standing and its learning curve; 404 at {@code trialId}. */
    private void trial(RoutingContext ctx) {
        Caller caller = api.reader(ctx);
        if (caller == null) {
            return;
        }
        String trialId = ctx.pathParam("trialId");
        api.read(ctx, caller, state -> TrialDetail.of(state, trialId), r -> {
            if (r.succeeded() && r.result().isEmpty()) {
                error(ctx, 404, "trialId", "no trial '" + org.naspipeline.api.RecordChecks.abbreviate(trialId) + "' in experiment '"
                        + ctx.pathParam("id") + "'");
            } else {
                answer(ctx, r.map(java.util.Optional::get), 200);
            }
        });
    }

    /**
     * {@code GET …/events}: Server-Sent Events of the experiment ({@code event: experiment} from
     * {@code nas.experiment-events}, {@code event: trial} from {@code nas.trial-results}, each a JSON object), after
     * the same checks as a read. A client that falls behind is disconnected (it reconnects and reads afresh).
     */
    private void events(RoutingContext ctx) {
        Caller caller = api.reader(ctx);
        if (caller == null) {
            return;
        }
        api.read(ctx, caller, state -> state.spec.id(), r -> {
            if (r.failed()) {
                answer(ctx, r, 200);
                return;
            }
            EventStream.open(vertx, ctx.response(), r.result());
        });
    }
}
