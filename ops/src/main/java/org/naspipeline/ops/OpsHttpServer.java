package org.naspipeline.ops;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.healthchecks.HealthChecks;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.healthchecks.HealthCheckHandler;
import org.naspipeline.api.config.Setting;

/**
 * The operational HTTP endpoints every service has: {@code GET /metrics} (Prometheus text format),
 * {@code GET /health/live} (the process works; restart it if not), and {@code GET /health/ready} or
 * {@code GET /health} (it can do its job: brokers reachable, engine loaded). Health answers 200 when every check
 * is up, 503 otherwise, with each check's data as JSON. Services add their own routes to {@link #router()}.
 */
public final class OpsHttpServer {
    /** The address every service's HTTP server binds (all interfaces unless narrowed, e.g. to a pod or loopback address). */
    public static final Setting<String> HOST = Setting.string("NAS_HTTP_HOST", "0.0.0.0",
            "address the HTTP server binds (0.0.0.0: every interface)");
    private final Vertx vertx;
    private final Router router;
    private final HealthChecks liveness;
    private final HealthChecks readiness;
    private HttpServer server;
    /** The last readiness verdict (1 ready, 0 not), exported as {@code nas_service_ready} for alerting. */
    private final java.util.concurrent.atomic.AtomicInteger ready = new java.util.concurrent.atomic.AtomicInteger();
    private long readinessTimer = -1;
    /** How often readiness is evaluated for {@code nas_service_ready}. */
    static final long READINESS_GAUGE_MILLIS = 5_000;

    /** Builds the router; {@link #listen(String, int)} starts serving. */
    public OpsHttpServer(Vertx vertx, PrometheusMeterRegistry registry) {
        this.vertx = vertx;
        this.router = Router.router(vertx);
        this.liveness = HealthChecks.create(vertx);
        this.readiness = HealthChecks.create(vertx);
        router.get("/metrics").handler(ctx -> ctx.response()
                .putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
                .end(registry.scrape()));
        router.get("/health/live*").handler(HealthCheckHandler.createWithHealthChecks(liveness));
        HealthCheckHandler ready = HealthCheckHandler.createWithHealthChecks(readiness);
        router.get("/health/ready*").handler(ready);
        router.get("/health").handler(ready);
        io.micrometer.core.instrument.Gauge.builder("nas.service.ready", this.ready::get)
                .description("1 when every readiness check of this service passed at the last evaluation (every 5 s), else 0")
                .register(registry);
    }

    /** The router, for the service's own routes. */
    public Router router() {
        return router;
    }

    /** Checks that say whether the process should be restarted. */
    public HealthChecks liveness() {
        return liveness;
    }

    /** Checks that say whether the service can do its job now. */
    public HealthChecks readiness() {
        return readiness;
    }

    /**
     * Listens on {@code host}:{@code port} (0: any free port; see {@link #port()}) and starts evaluating readiness
     * for the {@code nas_service_ready} gauge, so an alert sees what a probe sees without calling the service.
     */
    public Future<HttpServer> listen(String host, int port) {
        return vertx.createHttpServer().requestHandler(router).listen(port, host).onSuccess(s -> {
            server = s;
            readinessTimer = vertx.setPeriodic(1, READINESS_GAUGE_MILLIS, id -> readiness.checkStatus()
                    .onComplete(r -> ready.set(r.succeeded() && r.result().getUp() ? 1 : 0)));
        });
    }

    /** The port listened on, once {@link #listen(String, int)} succeeded. */
    public int port() {
        return server == null ? -1 : server.actualPort();
    }

    /** Stops listening. */
    public Future<Void> close() {
        if (readinessTimer >= 0) {
            vertx.cancelTimer(readinessTimer);
        }
        return server == null ? Future.succeededFuture() : server.close();
    }
}
