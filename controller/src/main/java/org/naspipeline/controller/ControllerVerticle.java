package org.naspipeline.controller;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.Status;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.DescribeClusterResult;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.state.HostInfo;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import org.naspipeline.controller.http.ControllerApi;
import org.naspipeline.controller.http.ExperimentQueries;
import org.naspipeline.controller.http.LiveEvents;
import org.naspipeline.controller.http.ReadCache;
import org.naspipeline.controller.http.WebUi;
import org.naspipeline.controller.logic.ExperimentLogic;
import org.naspipeline.controller.logic.ExperimentState;
import org.naspipeline.controller.metrics.ControllerMetrics;
import org.naspipeline.ops.OpsHttpServer;
import org.naspipeline.strategy.StrategyRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wires the controller into Vert.x: binds the REST API, the web UI, {@code /health} and {@code /metrics} first (503 until
 * Streams runs), then runs the Streams application, and refreshes the per-experiment gauges. Readiness needs
 * Streams {@code RUNNING} and the brokers answering; liveness only a Streams that has not failed. Closing it
 * closes Streams cleanly.
 */
public final class ControllerVerticle extends VerticleBase {
    private static final Logger LOG = LoggerFactory.getLogger(ControllerVerticle.class);
    /** How often the per-experiment gauges are recomputed from the local store. */
    static final long GAUGE_REFRESH_MILLIS = 10_000;
    /** How long readiness waits for the brokers to describe the cluster. */
    static final int BROKER_CHECK_MILLIS = 3_000;

    private final ControllerConfig config;
    private final StrategyRegistry registry;
    private final PrometheusMeterRegistry meters;
    private ControllerService controller;
    private Producer<String, byte[]> producer;
    private OpsHttpServer http;
    private long timer = -1;
    private ExperimentQueries queries;
    private KafkaStreamsMetrics streamsMetrics;
    private Admin admin;
    private LiveEvents liveEvents;
    private Future<Void> closing;

    /** A verticle for {@code config}; its HTTP port must be fixed (not 0), since other instances forward to it. */
    public ControllerVerticle(ControllerConfig config, StrategyRegistry registry, PrometheusMeterRegistry meters) {
        if (config.httpPort() == 0) {
            throw new IllegalArgumentException("NAS_CONTROLLER_HTTP_PORT: the controller needs a fixed port (other instances forward reads to it)");
        }
        this.config = config;
        this.registry = registry;
        this.meters = meters;
    }

    @Override
    public Future<?> start() {
        ControllerMetrics metrics = new ControllerMetrics(meters, config.metricsRetention());
        controller = new ControllerService(config, registry, metrics);
        producer = new KafkaProducer<>(config.kafka().applyTo(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers(),
                ProducerConfig.CLIENT_ID_CONFIG, config.applicationId() + "-api",
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class)));
        if (config.httpPort() < 0) {
            return startStreams();
        }
        admin = Admin.create(config.kafka().applyTo(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers(),
                AdminClientConfig.CLIENT_ID_CONFIG, config.applicationId() + "-health")));
        queries = new ExperimentQueries(vertx, controller.streams(),
                new HostInfo(config.advertisedHost(), config.httpPort()), config.internalSecret());
        ExperimentLogic validation = new ExperimentLogic(registry);
        http = new OpsHttpServer(vertx, meters);
        // reads that arrive together share one load of the experiment (see ReadCache)
        ReadCache cache = new ReadCache();
        liveEvents = new LiveEvents(vertx, config, cache::invalidate);
        liveEvents.start();
        java.util.function.Function<String, Future<java.util.Optional<ExperimentState>>> reads = id ->
                liveEvents.following() ? cache.get(id, () -> queries.find(id)) : queries.find(id);
        new ControllerApi(vertx, config, queries, reads, validation::validate, producer, metrics).mount(http.router());
        WebUi.mount(http.router());
        http.liveness().register("streams", p -> {
            KafkaStreams.State s = controller.state();
            JsonObject data = new JsonObject().put("state", s.name()).put("threadReplacements", controller.threadReplacements());
            if (controller.threadsKeepFailing()) {
                data.put("reason", "stream threads keep failing: " + ControllerService.ThreadFailures.LIMIT + " or more replaced within "
                        + ControllerService.ThreadFailures.WINDOW_MINUTES + " minutes (see the log)");
            }
            p.complete(s == KafkaStreams.State.ERROR || s == KafkaStreams.State.NOT_RUNNING || controller.threadsKeepFailing()
                    ? Status.KO(data) : Status.OK(data));
        });
        http.readiness().register("streams", p -> {
            KafkaStreams.State s = controller.state();
            p.complete(s == KafkaStreams.State.RUNNING ? Status.OK(new JsonObject().put("state", s.name()))
                    : Status.KO(new JsonObject().put("state", s.name())));
        });
        // Streams keeps RUNNING (and its threads retrying) while the brokers are gone, so ask them: readiness only,
        // a broker outage is no reason to restart the controller.
        http.readiness().register("kafka", BROKER_CHECK_MILLIS + 1_000L, this::checkBrokers);
        timer = vertx.setPeriodic(GAUGE_REFRESH_MILLIS, id -> vertx.executeBlocking(queries::localSummaries, false)
                .onSuccess(metrics::refresh)
                .onFailure(e -> LOG.debug("gauges not refreshed: {}", e.getMessage())));
        // HTTP first: a port in use stops the start before this instance joins the group and takes partitions;
        // until Streams runs the API answers 503 and readiness is KO.
        Future<?> started = http.listen(config.httpHost(), config.httpPort())
                .recover(e -> Future.failedFuture(new IllegalStateException(bindFailure(e), e)))
                .onSuccess(s -> LOG.info("controller REST API, /health and /metrics on {}:{} (advertised as {}:{}), tokens: {}, "
                        + "reads: {}, internal secret: {}", config.httpHost(), s.actualPort(), config.advertisedHost(),
                        config.httpPort(), config.apiTokens(), config.reads(), config.internalSecret() == null ? "none" : "set"))
                .compose(s -> startStreams());
        return started.onFailure(e -> closeAll());
    }

    private Future<?> startStreams() {
        return vertx.executeBlocking(() -> {
            controller.start();
            // Kafka Streams' own metrics (process rate, commit latency, tasks, restores, record lag) in the registry.
            streamsMetrics = new KafkaStreamsMetrics(controller.streams());
            streamsMetrics.bindTo(meters);
            return null;
        });
    }

    /** The start-up error for a failed bind, naming the variable, the address and the cause in words. */
    private String bindFailure(Throwable e) {
        String address = config.httpHost() + ":" + config.httpPort();
        String message = e.getMessage() == null ? "" : e.getMessage();
        if (e instanceof java.net.BindException || message.contains("in use")) {
            return "NAS_CONTROLLER_HTTP_PORT: " + address + " is already in use";
        }
        return "NAS_CONTROLLER_HTTP_PORT: cannot listen on " + address + (message.isEmpty() ? "" : " (" + message + ")");
    }

    /** Describes the cluster with a short timeout on the admin client's own thread; KO with the reason if it cannot. */
    private void checkBrokers(Promise<Status> p) {
        DescribeClusterResult cluster = admin.describeCluster(new DescribeClusterOptions().timeoutMs(BROKER_CHECK_MILLIS));
        Future.fromCompletionStage(cluster.nodes().toCompletionStage(), vertx.getOrCreateContext()).onComplete(r -> {
            if (r.succeeded() && !r.result().isEmpty()) {
                p.tryComplete(Status.OK(new JsonObject().put("brokers", r.result().size())));
            } else {
                Throwable cause = r.cause();
                while ((cause instanceof java.util.concurrent.CompletionException || cause instanceof java.util.concurrent.ExecutionException)
                        && cause.getCause() != null) {
                    cause = cause.getCause();
                }
                String why = r.succeeded() ? "no broker in the cluster metadata"
                        : cause instanceof org.apache.kafka.common.errors.TimeoutException
                        ? "no answer within " + BROKER_CHECK_MILLIS / 1000 + " s" : String.valueOf(cause.getMessage());
                p.tryComplete(Status.KO(new JsonObject().put("error", "the brokers at " + config.bootstrapServers()
                        + " cannot be reached (NAS_KAFKA_BOOTSTRAP): " + why)));
            }
        });
    }

    @Override
    public Future<?> stop() {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
        return closeAll();
    }

    /** Closes what was created, once: from {@link #stop()}, or when the start failed. */
    private synchronized Future<Void> closeAll() {
        if (closing == null) {
            if (timer >= 0) {
                vertx.cancelTimer(timer); // also when the start failed
                timer = -1;
            }
            Future<Void> closed = (http == null ? Future.<Void>succeededFuture() : http.close().recover(e -> Future.<Void>succeededFuture()))
                    .compose(v -> queries == null ? Future.<Void>succeededFuture() : queries.close().recover(e -> Future.<Void>succeededFuture()));
            closing = closed.compose(v -> vertx.executeBlocking(() -> {
                if (liveEvents != null) {
                    liveEvents.close();
                }
                if (streamsMetrics != null) {
                    streamsMetrics.close();
                }
                controller.close();
                producer.close(Duration.ofSeconds(5));
                if (admin != null) {
                    admin.close(Duration.ofSeconds(5));
                }
                return null;
            }));
        }
        return closing;
    }
}
