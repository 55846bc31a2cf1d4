package org.naspipeline.worker.service;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.Status;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterResult;
import org.naspipeline.ops.OpsHttpServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wires a {@link WorkerService} into Vert.x: starts it off the event loop, serves {@code /health} and
 * {@code /metrics}, and on undeploy closes it with its grace period. The consumer loop and the trials stay on their
 * own threads; nothing here blocks the event loop.
 */
public final class WorkerVerticle extends VerticleBase {
    private static final Logger LOG = LoggerFactory.getLogger(WorkerVerticle.class);
    /** A consumer loop that has not polled for this long is reported not ready (it polls every 100 ms). */
    static final long STALE_POLL_MILLIS = 10_000;

    private final WorkerConfig config;
    private final WorkerService worker;
    private final PrometheusMeterRegistry registry;
    private OpsHttpServer http;
    private Admin admin;
    private volatile String engine;

    /** A verticle for {@code worker}, reporting into {@code registry}. */
    public WorkerVerticle(WorkerConfig config, WorkerService worker, PrometheusMeterRegistry registry) {
        this.config = config;
        this.worker = worker;
        this.registry = registry;
    }

    @Override
    public Future<?> start() {
        admin = Admin.create(config.kafka().applyTo(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers(),
                AdminClientConfig.CLIENT_ID_CONFIG, config.workerId() + "-health")));
        http = new OpsHttpServer(vertx, registry);
        http.liveness().register("consumer-loop", p -> {
            WorkerService.Health h = worker.health();
            p.complete(h.alive() ? Status.OK(JsonObject.mapFrom(h)) : Status.KO(JsonObject.mapFrom(h)));
        });
        http.readiness().register("consumer-loop", p -> {
            WorkerService.Health h = worker.health();
            p.complete(new Status(JsonObject.mapFrom(h))
                    .setOk(h.alive() && h.assignments() > 0 && h.millisSinceLastPoll() < STALE_POLL_MILLIS));
        });
        http.readiness().register("kafka", 5_000, p -> vertx.executeBlocking(() -> {
            DescribeClusterResult cluster = admin.describeCluster();
            return new JsonObject().put("clusterId", cluster.clusterId().get(4, TimeUnit.SECONDS))
                    .put("brokers", cluster.nodes().get(4, TimeUnit.SECONDS).size());
        }, false).onComplete(r -> p.complete(r.succeeded() ? Status.OK(r.result())
                : Status.KO(new JsonObject().put("error", String.valueOf(r.cause()))))));
        http.readiness().register("engine", 60_000, p -> {
            if (engine != null) {
                p.complete(Status.OK(new JsonObject().put("engine", engine)));
                return;
            }
            vertx.executeBlocking(() -> worker.evaluators().get(0).engine(), false).onComplete(r -> {
                if (r.succeeded()) {
                    engine = r.result();
                    p.complete(Status.OK(new JsonObject().put("engine", engine)));
                } else {
                    p.complete(Status.KO(new JsonObject().put("error", String.valueOf(r.cause()))));
                }
            });
        });
        Future<?> started = vertx.executeBlocking(() -> {
            worker.start();
            return null;
        });
        if (config.httpPort() < 0) {
            return started;
        }
        return started.compose(v -> http.listen(config.httpHost(), config.httpPort()))
                .onSuccess(s -> LOG.info("worker {}: /health and /metrics on port {}", config.workerId(), s.actualPort()));
    }

    /** The HTTP port, once started (-1 without an HTTP server). */
    public int httpPort() {
        return http == null ? -1 : http.port();
    }

    @Override
    public Future<?> stop() {
        return http.close()
                .compose(v -> vertx.executeBlocking(() -> {
                    worker.close(); // waits up to the grace period for running trials
                    admin.close();
                    return null;
                }));
    }
}
