package org.naspipeline.controller;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.naspipeline.api.ExperimentCommand;
import org.naspipeline.api.ExperimentSpec;
import org.naspipeline.api.InvalidInputException;
import org.naspipeline.api.JsonCodec;
import org.naspipeline.api.Topics;
import org.naspipeline.api.ValidationError;
import org.naspipeline.ops.KafkaSends;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The REST API, {@code /api/v1}: submit (validated here with the same checks as the topic path, then produced to
 * {@code nas.experiments}), read (from whichever instance owns the experiment), cancel. Errors are JSON:
 * {@code {"errors": [{"path": …, "message": …}]}}.
 */
final class ControllerApi {
    private static final Logger LOG = LoggerFactory.getLogger(ControllerApi.class);
    static final String TENANT_HEADER = "nas.tenant";

    private final Vertx vertx;
    private final ControllerConfig config;
    private final ExperimentQueries queries;
    private final Function<ExperimentSpec, List<ValidationError>> validator;
    private final Producer<String, byte[]> producer;
    private final ControllerMetrics metrics;

    ControllerApi(Vertx vertx, ControllerConfig config, ExperimentQueries queries,
                  Function<ExperimentSpec, List<ValidationError>> validator, Producer<String, byte[]> producer,
                  ControllerMetrics metrics) {
        this.vertx = vertx;
        this.config = config;
        this.queries = queries;
        this.validator = validator;
        this.producer = producer;
        this.metrics = metrics;
    }

    /** Adds the public and the instance-to-instance routes. */
    void mount(Router router) {
        router.route("/api/v1/*").handler(BodyHandler.create(false).setBodyLimit(config.maxSpecBytes()));
        router.post("/api/v1/experiments").handler(this::submit);
        router.get("/api/v1/experiments").handler(ctx -> queries.all().onComplete(r -> answer(ctx, r.map(list -> list), 200)));
        router.get("/api/v1/experiments/:id").handler(ctx -> read(ctx, ExperimentViews::summary));
        router.get("/api/v1/experiments/:id/trials").handler(ctx -> read(ctx, ExperimentViews::trials));
        router.get("/api/v1/experiments/:id/pareto").handler(ctx -> read(ctx, ExperimentViews::pareto));
        router.delete("/api/v1/experiments/:id").handler(ctx -> command(ctx, ExperimentCommand.Type.CANCEL, "cancelling"));
        router.post("/api/v1/experiments/:id/pause").handler(ctx -> command(ctx, ExperimentCommand.Type.PAUSE, "pausing"));
        router.post("/api/v1/experiments/:id/resume").handler(ctx -> command(ctx, ExperimentCommand.Type.RESUME, "resuming"));
        router.route("/api/v1/*").failureHandler(ctx -> {
            int status = ctx.statusCode() > 0 ? ctx.statusCode() : 500;
            if (status == 413) {
                metrics.rejected("too_large");
                error(ctx, 413, "$", "the request body is larger than " + config.maxSpecBytes() + " bytes (NAS_API_MAX_SPEC_BYTES)");
            } else {
                LOG.warn("{} {} failed", ctx.request().method(), ctx.request().path(), ctx.failure());
                error(ctx, status, "$", ctx.failure() == null ? "request failed" : String.valueOf(ctx.failure().getMessage()));
            }
        });
        router.get(ExperimentQueries.INTERNAL_STATE + ":id").handler(ctx -> vertx.executeBlocking(
                () -> queries.local(ctx.pathParam("id")), false).onComplete(r -> {
                    if (r.succeeded() && r.result().isEmpty()) {
                        error(ctx, 404, "id", "experiment '" + ctx.pathParam("id") + "' is not on this instance");
                    } else {
                        answer(ctx, r.map(java.util.Optional::get), 200);
                    }
                }));
        router.get(ExperimentQueries.INTERNAL_SUMMARIES).handler(ctx ->
                vertx.executeBlocking(queries::localSummaries, false).onComplete(r -> answer(ctx, r, 200)));
    }

    private void submit(RoutingContext ctx) {
        Optional<String> tenant = authorize(ctx);
        if (tenant == null) {
            return;
        }
        byte[] body = ctx.body().buffer() == null ? new byte[0] : ctx.body().buffer().getBytes();
        ExperimentSpec spec;
        try {
            spec = JsonCodec.readSpec(body);
        } catch (InvalidInputException e) {
            metrics.rejected(body.length == 0 ? "unreadable" : "invalid");
            errors(ctx, 400, e.errors());
            return;
        }
        String id = spec.id() != null ? spec.id() : "exp-" + UUID.randomUUID().toString().substring(0, 8);
        ExperimentSpec withId = spec.withId(id);
        List<ValidationError> errors = validator.apply(withId);
        if (!errors.isEmpty()) {
            metrics.rejected("invalid");
            errors(ctx, 400, errors);
            return;
        }
        queries.find(id).compose(existing -> {
            if (existing.isPresent()) {
                metrics.rejected("duplicate");
                error(ctx, 409, "id", "experiment '" + id + "' already exists");
                return Future.succeededFuture();
            }
            return send(id, JsonCodec.write(withId), tenant.orElse(null)).onSuccess(v -> {
                LOG.info("experiment {} submitted over REST{}", id, tenant.map(t -> " by tenant " + t).orElse(""));
                ctx.response().setStatusCode(201).putHeader("Location", "/api/v1/experiments/" + id)
                        .putHeader("Content-Type", "application/json")
                        .end(Buffer.buffer(JsonCodec.write(Map.of("id", id, "status", "submitted",
                                "links", Map.of("self", "/api/v1/experiments/" + id, "trials", "/api/v1/experiments/" + id + "/trials",
                                        "pareto", "/api/v1/experiments/" + id + "/pareto")))));
            });
        }).onFailure(e -> answer(ctx, Future.failedFuture(e), 201));
    }

    private void command(RoutingContext ctx, ExperimentCommand.Type type, String status) {
        Optional<String> tenant = authorize(ctx);
        if (tenant == null) {
            return;
        }
        String id = ctx.pathParam("id");
        String reason = Optional.ofNullable(ctx.request().getParam("reason")).orElse(type.name().toLowerCase(java.util.Locale.ROOT)
                + " over REST" + tenant.map(t -> " by tenant " + t).orElse(""));
        queries.find(id).compose(existing -> {
            if (existing.isEmpty()) {
                error(ctx, 404, "id", "no experiment '" + id + "'");
                return Future.succeededFuture();
            }
            return send(id, JsonCodec.write(new ExperimentCommand(ExperimentSpec.SCHEMA_VERSION, type, reason)),
                    tenant.orElse(null)).onSuccess(v -> ctx.response().setStatusCode(202).putHeader("Content-Type", "application/json")
                    .end(Buffer.buffer(JsonCodec.write(Map.of("id", id, "status", status)))));
        }).onFailure(e -> answer(ctx, Future.failedFuture(e), 202));
    }

    private <T> void read(RoutingContext ctx, Function<ExperimentState, T> view) {
        String id = ctx.pathParam("id");
        queries.find(id).onComplete(r -> {
            if (r.succeeded() && r.result().isEmpty()) {
                error(ctx, 404, "id", "no experiment '" + id + "'");
            } else {
                answer(ctx, r.map(state -> view.apply(state.orElseThrow())), 200);
            }
        });
    }

    /** The tenant (empty when the API is open), or null after answering 401. */
    private Optional<String> authorize(RoutingContext ctx) {
        if (!config.apiTokens().required()) {
            return Optional.empty();
        }
        Optional<String> tenant = config.apiTokens().tenantOf(ctx.request().getHeader("Authorization"));
        if (tenant.isEmpty()) {
            metrics.rejected("unauthorized");
            ctx.response().putHeader("WWW-Authenticate", "Bearer realm=\"nas\"");
            error(ctx, 401, "Authorization", "a valid bearer token is required (NAS_API_TOKEN)");
            return null;
        }
        return tenant;
    }

    private Future<Void> send(String id, byte[] value, String tenant) {
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(Topics.EXPERIMENTS, id, value);
        if (tenant != null) {
            record.headers().add(TENANT_HEADER, tenant.getBytes(StandardCharsets.UTF_8));
        }
        return vertx.executeBlocking(() -> KafkaSends.awaitAck(producer.send(record), "submit to " + Topics.EXPERIMENTS,
                java.time.Duration.ofSeconds(30)), false).mapEmpty();
    }

    private static void answer(RoutingContext ctx, io.vertx.core.AsyncResult<?> result, int status) {
        if (result.succeeded()) {
            ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json")
                    .end(Buffer.buffer(JsonCodec.write(result.result())));
        } else if (result.cause() instanceof ExperimentQueries.NotReadyException e) {
            ctx.response().putHeader("Retry-After", "2");
            error(ctx, 503, "$", e.getMessage());
        } else {
            LOG.warn("{} {} failed", ctx.request().method(), ctx.request().path(), result.cause());
            error(ctx, 500, "$", String.valueOf(result.cause()));
        }
    }

    private static void error(RoutingContext ctx, int status, String path, String message) {
        errors(ctx, status, List.of(new ValidationError(path, message)));
    }

    private static void errors(RoutingContext ctx, int status, List<ValidationError> errors) {
        if (ctx.response().ended()) {
            return;
        }
        ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json")
                .end(Buffer.buffer(JsonCodec.write(Map.of("errors", errors))));
    }
}
