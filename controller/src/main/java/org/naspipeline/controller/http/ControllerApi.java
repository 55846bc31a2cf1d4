package org.naspipeline.controller.http;

import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RetriableException;
import org.naspipeline.api.ExperimentCommand;
import org.naspipeline.api.ExperimentSpec;
import org.naspipeline.api.InvalidInputException;
import org.naspipeline.api.JsonCodec;
import org.naspipeline.api.Topics;
import org.naspipeline.api.ValidationError;
import org.naspipeline.controller.ControllerConfig;
import org.naspipeline.controller.http.ApiTokens.Caller;
import org.naspipeline.controller.logic.ActorHeaders;
import org.naspipeline.controller.logic.ExperimentState;
import org.naspipeline.controller.logic.ExperimentViews;
import org.naspipeline.controller.metrics.ControllerMetrics;
import org.naspipeline.ops.KafkaSends;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The REST API, {@code /api/v1}: submit (validated here with the same checks as the topic path, then produced to
 * {@code nas.experiments} with the caller's tenant and actor in headers), read (from whichever instance owns the
 * experiment; scoped to the caller's tenant unless reads are open), pause, resume, cancel (the experiment's own
 * tenant or an admin only). Errors are JSON: {@code {"errors": [{"path": …, "message": …}]}}; 503 with
 * {@code Retry-After} whenever the answer cannot be had now.
 */
public final class ControllerApi {
    private static final Logger LOG = LoggerFactory.getLogger(ControllerApi.class);
    /** The longest {@code reason} a command may carry. */
    static final int MAX_REASON = 1024;
    /** The most experiments one event stream follows. */
    static final int MAX_STREAM_IDS = 100;
    /** Seconds a client should wait before retrying a 503. */
    static final String RETRY_AFTER_SECONDS = "2";

    private final Vertx vertx;
    private final ControllerConfig config;
    private final ExperimentQueries queries;
    private final Function<String, Future<Optional<ExperimentState>>> reads;
    private final Function<ExperimentSpec, List<ValidationError>> validator;
    private final Producer<String, byte[]> producer;
    private final ControllerMetrics metrics;
    private final byte[] secretDigest;

    /** The API over {@code queries}; GET reads go through {@code reads} (which may answer from a cache). */
    public ControllerApi(Vertx vertx, ControllerConfig config, ExperimentQueries queries, Function<String, Future<Optional<ExperimentState>>> reads,
                  Function<ExperimentSpec, List<ValidationError>> validator, Producer<String, byte[]> producer,
                  ControllerMetrics metrics) {
        this.vertx = vertx;
        this.config = config;
        this.queries = queries;
        this.reads = reads;
        this.validator = validator;
        this.producer = producer;
        this.metrics = metrics;
        this.secretDigest = config.internalSecret() == null ? null : ApiTokens.digest(config.internalSecret());
    }

    /** Adds the public and the instance-to-instance routes. */
    public void mount(Router router) {
        router.route("/api/v1/*").handler(BodyHandler.create(false).setBodyLimit(config.maxSpecBytes()));
        router.post("/api/v1/experiments").handler(this::submit);
        router.get("/api/v1/experiments").handler(this::list);
        router.get("/api/v1/events").handler(this::events);
        router.get("/api/v1/experiments/:id").handler(ctx -> read(ctx, ExperimentViews::summary));
        router.get("/api/v1/experiments/:id/trials").handler(this::trials);
        router.get("/api/v1/experiments/:id/pareto").handler(ctx -> read(ctx, ExperimentViews::pareto));
        new UiEndpoints(this, vertx).mount(router);
        router.delete("/api/v1/experiments/:id").handler(ctx -> command(ctx, ExperimentCommand.Type.CANCEL, "cancelling"));
        router.post("/api/v1/experiments/:id/pause").handler(ctx -> command(ctx, ExperimentCommand.Type.PAUSE, "pausing"));
        router.post("/api/v1/experiments/:id/resume").handler(ctx -> command(ctx, ExperimentCommand.Type.RESUME, "resuming"));
        router.route("/api/v1/*").failureHandler(this::failed);
        router.route("/internal/*").handler(this::internalCaller);
        router.get(ExperimentQueries.INTERNAL_STATE + ":id").handler(ctx -> vertx.executeBlocking(
                () -> queries.local(ctx.pathParam("id")), false).onComplete(r -> {
                    if (r.succeeded() && r.result().isEmpty()) {
                        error(ctx, 404, "id", "experiment '" + ctx.pathParam("id") + "' is not on this instance");
                    } else {
                        answer(ctx, r.map(Optional::get), 200);
                    }
                }));
        router.get(ExperimentQueries.INTERNAL_SUMMARIES).handler(ctx ->
                vertx.executeBlocking(queries::localSummaries, false).onComplete(r -> answer(ctx, r, 200)));
        router.route("/internal/*").failureHandler(this::failed);
    }

    private void submit(RoutingContext ctx) {
        Caller caller = authorize(ctx);
        if (caller == null) {
            return;
        }
        byte[] body = ctx.body().buffer() == null ? new byte[0] : ctx.body().buffer().getBytes();
        ExperimentSpec withId;
        try {
            ExperimentSpec spec = JsonCodec.readSpec(body);
            withId = spec.withId(spec.id() != null ? spec.id() : "exp-" + UUID.randomUUID().toString().substring(0, 8));
            List<ValidationError> errors = validator.apply(withId);
            if (!errors.isEmpty()) {
                metrics.rejected("invalid");
                errors(ctx, 400, errors);
                return;
            }
        } catch (InvalidInputException e) {
            metrics.rejected(body.length == 0 ? "unreadable" : "invalid");
            errors(ctx, 400, e.errors());
            return;
        } catch (RuntimeException e) {
            // a check that throws instead of reporting is a bug; the input is still refused, not the server's fault
            LOG.warn("a submitted spec could not be validated", e);
            metrics.rejected("invalid");
            error(ctx, 400, "$", "the spec could not be validated: it is incomplete or inconsistent");
            return;
        }
        String id = withId.id();
        queries.find(id).compose(existing -> {
            if (existing.isPresent()) {
                metrics.rejected("duplicate");
                error(ctx, 409, "id", "experiment '" + id + "' already exists");
                return Future.succeededFuture();
            }
            return send(id, JsonCodec.write(withId), caller).onSuccess(v -> {
                LOG.info("experiment {} submitted over REST by {}", id, caller.actor());
                String self = "/api/v1/experiments/" + URLEncoder.encode(id, StandardCharsets.UTF_8);
                ctx.response().setStatusCode(201).putHeader("Location", self)
                        .putHeader("Content-Type", "application/json")
                        .end(Buffer.buffer(JsonCodec.write(Map.of("id", id, "status", "submitted",
                                "links", Map.of("self", self, "trials", self + "/trials", "pareto", self + "/pareto")))));
            });
        }).onFailure(e -> answer(ctx, Future.failedFuture(e), 201));
    }

    private void command(RoutingContext ctx, ExperimentCommand.Type type, String status) {
        Caller caller = authorize(ctx);
        if (caller == null) {
            return;
        }
        String id = ctx.pathParam("id");
        String given = ctx.request().getParam("reason");
        if (given != null && given.length() > MAX_REASON) {
            error(ctx, 400, "reason", "must be at most " + MAX_REASON + " characters (got " + given.length() + ")");
            return;
        }
        String reason = given != null && !given.isBlank() ? given
                : type.name().toLowerCase(Locale.ROOT) + " over REST by " + caller.actor();
        queries.find(id).compose(existing -> {
            if (existing.isEmpty()) {
                error(ctx, 404, "id", "no experiment '" + id + "'");
                return Future.succeededFuture();
            }
            if (!caller.owns(existing.get().tenant)) {
                metrics.rejected("forbidden");
                LOG.warn("{} refused: {} may not {} experiment {}", ctx.request().path(), caller.actor(),
                        type.name().toLowerCase(Locale.ROOT), id);
                error(ctx, 403, "id", "experiment '" + id + "' belongs to another tenant; only its tenant or an admin may "
                        + type.name().toLowerCase(Locale.ROOT) + " it");
                return Future.succeededFuture();
            }
            return send(id, JsonCodec.write(new ExperimentCommand(ExperimentSpec.SCHEMA_VERSION, type, reason)), caller)
                    .onSuccess(v -> ctx.response().setStatusCode(202).putHeader("Content-Type", "application/json")
                            .end(Buffer.buffer(JsonCodec.write(Map.of("id", id, "status", status)))));
        }).onFailure(e -> answer(ctx, Future.failedFuture(e), 202));
    }

    /**
     * {@code GET /api/v1/events?ids=a,b}: one Server-Sent Events stream of several experiments (at most
     * {@value #MAX_STREAM_IDS}), those of them the caller may read (from the summaries, so no trial table is read);
     * the experiments page follows its running rows with it, so a browser's few connections per host stay free.
     */
    private void events(RoutingContext ctx) {
        Caller caller = reader(ctx);
        if (caller == null) {
            return;
        }
        List<String> given = ctx.queryParam("ids");
        if (given.size() != 1 || given.get(0).isBlank()) {
            error(ctx, 400, "ids", "must be given once, as experiment ids separated by commas");
            return;
        }
        List<String> ids = List.of(given.get(0).split(","));
        if (ids.size() > MAX_STREAM_IDS) {
            error(ctx, 400, "ids", "at most " + MAX_STREAM_IDS + " experiments (got " + ids.size() + ")");
            return;
        }
        queries.all().onComplete(r -> {
            if (r.failed()) {
                answer(ctx, r, 200);
                return;
            }
            java.util.Set<String> visible = new java.util.HashSet<>();
            r.result().stream().filter(s -> config.reads() != ControllerConfig.Reads.TENANT || caller.owns(s.tenant()))
                    .forEach(s -> visible.add(s.id()));
            EventStream.open(vertx, ctx.response(), ids.stream().filter(visible::contains).distinct().toList());
        });
    }

    private void list(RoutingContext ctx) {
        Caller caller = reader(ctx);
        if (caller == null) {
            return;
        }
        queries.all().onComplete(r -> answer(ctx, r.map(all -> all.stream()
                .filter(s -> config.reads() != ControllerConfig.Reads.TENANT || caller.owns(s.tenant())).toList()), 200));
    }

    <T> void read(RoutingContext ctx, Function<ExperimentState, T> view) {
        Caller caller = reader(ctx);
        if (caller == null) {
            return;
        }
        read(ctx, caller, view, r -> answer(ctx, r, 200));
    }

    /**
     * Reads the experiment of the path as {@code caller}, answering 404 when it is not visible, else {@code then} with
     * the view, computed off the event loop (a view of 10,000 trials takes a while).
     */
    <T> void read(RoutingContext ctx, Caller caller, Function<ExperimentState, T> view, Handler<AsyncResult<T>> then) {
        String id = ctx.pathParam("id");
        reads.apply(id).onComplete(r -> {
            if (r.failed()) {
                then.handle(Future.failedFuture(r.cause()));
            } else if (r.result().isEmpty() || !visible(caller, r.result().get())) {
                error(ctx, 404, "id", "no experiment '" + id + "'");
            } else {
                vertx.executeBlocking(() -> view.apply(r.result().get()), false).onComplete(then);
            }
        });
    }

    /** {@code GET …/trials}: JSON by default, CSV with {@code format=csv}. */
    private void trials(RoutingContext ctx) {
        Caller caller = reader(ctx);
        if (caller == null) {
            return;
        }
        List<String> formats = ctx.queryParam("format");
        String format = formats.isEmpty() ? "json" : formats.get(0);
        if (formats.size() > 1) {
            error(ctx, 400, "format", "must be given once (got " + formats.size() + " values)");
        } else if (format.equals("json")) {
            read(ctx, caller, ExperimentViews::trials, r -> answer(ctx, r, 200));
        } else if (format.equals("csv")) {
            read(ctx, caller, TrialCsv::of, r -> {
                if (r.failed()) {
                    answer(ctx, r, 200);
                    return;
                }
                ctx.response().setStatusCode(200).putHeader("Content-Type", "text/csv; charset=utf-8")
                        .putHeader("Content-Disposition", "attachment; filename=\"" + fileName(ctx.pathParam("id")) + "-trials.csv\"")
                        .end(r.result());
            });
        } else {
            error(ctx, 400, "format", "must be json or csv (got '" + org.naspipeline.api.RecordChecks.abbreviate(format) + "')");
        }
    }

    /** {@code id} with every character but letters, digits, dot, dash and underscore replaced, for a download's name. */
    static String fileName(String id) {
        String safe = id.replaceAll("[^A-Za-z0-9._-]", "_");
        return safe.length() > 100 ? safe.substring(0, 100) : safe;
    }

    /** Whether {@code caller} may see {@code state}: always, unless reads are scoped to tenants. */
    private boolean visible(Caller caller, ExperimentState state) {
        return config.reads() != ControllerConfig.Reads.TENANT || caller.owns(state.tenant);
    }

    /** The caller of a read: anyone when reads are open, else as {@link #authorize}. */
    Caller reader(RoutingContext ctx) {
        return config.reads() == ControllerConfig.Reads.OPEN ? Caller.ANONYMOUS : authorize(ctx);
    }

    /** The caller (anonymous when the API has no tokens), or null after answering 401. */
    private Caller authorize(RoutingContext ctx) {
        Optional<Caller> caller = config.apiTokens().callerOf(ctx.request().getHeader("Authorization"));
        if (caller.isEmpty()) {
            metrics.rejected("unauthorized");
            ctx.response().putHeader("WWW-Authenticate", "Bearer realm=\"nas\"");
            error(ctx, 401, "Authorization", "a valid bearer token is required (NAS_API_TOKEN)");
            return null;
        }
        return caller.get();
    }

    /** Lets an instance-to-instance request through only with the internal secret, when there is one. */
    private void internalCaller(RoutingContext ctx) {
        if (secretDigest == null) {
            ctx.next();
            return;
        }
        String given = ctx.request().getHeader(ExperimentQueries.SECRET_HEADER);
        if (given == null) {
            error(ctx, 401, ExperimentQueries.SECRET_HEADER, "instance-to-instance requests need the internal secret (NAS_INTERNAL_SECRET)");
        } else if (!MessageDigest.isEqual(ApiTokens.digest(given), secretDigest)) {
            LOG.warn("internal request {} from {} with a wrong secret refused", ctx.request().path(), ctx.request().remoteAddress());
            error(ctx, 403, ExperimentQueries.SECRET_HEADER, "the internal secret does not match this instance's (NAS_INTERNAL_SECRET)");
        } else {
            ctx.next();
        }
    }

    private Future<Void> send(String id, byte[] value, Caller caller) {
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(Topics.EXPERIMENTS, id, value);
        if (caller.tenant() != null) {
            record.headers().add(ActorHeaders.TENANT, caller.tenant().getBytes(StandardCharsets.UTF_8));
        }
        record.headers().add(ActorHeaders.ACTOR, caller.actor().getBytes(StandardCharsets.UTF_8));
        return vertx.executeBlocking(() -> KafkaSends.awaitAck(producer.send(record), "submit to " + Topics.EXPERIMENTS,
                Duration.ofSeconds(30)), false).<Void>mapEmpty().recover(e -> {
                    if (e instanceof RetriableException || e.getCause() instanceof RetriableException) {
                        LOG.warn("record for experiment {} not acknowledged: {}", id, e.getMessage());
                        return Future.failedFuture(new ExperimentQueries.NotReadyException(
                                "the brokers did not acknowledge the record in time; try again"));
                    }
                    return Future.failedFuture(e);
                });
    }

    /** Answers a request the router failed: 413 for a body over the limit, else the status, never an exception's text. */
    private void failed(RoutingContext ctx) {
        int status = ctx.statusCode() > 0 ? ctx.statusCode() : 500;
        if (status == 413) {
            metrics.rejected("too_large");
            error(ctx, 413, "$", "the request body is larger than " + config.maxSpecBytes() + " bytes (NAS_API_MAX_SPEC_BYTES)");
            return;
        }
        LOG.warn("{} {} failed ({})", ctx.request().method(), ctx.request().path(), status, ctx.failure());
        error(ctx, status, "$", status >= 500 ? "the request failed inside the controller; its log has the details"
                : "the request cannot be served (" + status + ")");
    }

    static void answer(RoutingContext ctx, AsyncResult<?> result, int status) {
        if (result.succeeded()) {
            ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json")
                    .end(Buffer.buffer(JsonCodec.write(result.result())));
        } else if (result.cause() instanceof ExperimentQueries.NotReadyException e) {
            ctx.response().putHeader("Retry-After", RETRY_AFTER_SECONDS);
            error(ctx, 503, "$", e.getMessage());
        } else {
            LOG.warn("{} {} failed", ctx.request().method(), ctx.request().path(), result.cause());
            error(ctx, 500, "$", "the request failed inside the controller; its log has the details");
        }
    }

    static void error(RoutingContext ctx, int status, String path, String message) {
        errors(ctx, status, List.of(new ValidationError(path, message)));
    }

    static void errors(RoutingContext ctx, int status, List<ValidationError> errors) {
        if (ctx.response().ended()) {
            return;
        }
        ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json")
                .end(Buffer.buffer(JsonCodec.write(Map.of("errors", errors))));
    }
}
