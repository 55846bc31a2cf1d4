package org.naspipeline.controller;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.Status;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.state.HostInfo;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import org.naspipeline.ops.OpsHttpServer;
import org.naspipeline.strategy.StrategyRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wires the controller into Vert.x: runs the Streams application, serves the REST API, {@code /health} and
 * {@code /metrics}, and refreshes the per-experiment gauges. Closing it closes Streams cleanly.
 */
public final class ControllerVerticle extends VerticleBase {
    private static final Logger LOG = LoggerFactory.getLogger(ControllerVerticle.class);
    /** How often the per-experiment gauges are recomputed from the local store. */
    static final long GAUGE_REFRESH_MILLIS = 10_000;

    private final ControllerConfig config;
    private final StrategyRegistry registry;
    private final PrometheusMeterRegistry meters;
    private ControllerService controller;
    private Producer<String, byte[]> producer;
    private OpsHttpServer http;
    private long timer = -1;
    private KafkaStreamsMetrics streamsMetrics;

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
        Future<?> started = vertx.executeBlocking(() -> {
            controller.start();
            // Kafka Streams' own metrics (process rate, commit latency, tasks, restores, record lag) in the registry.
            streamsMetrics = new KafkaStreamsMetrics(controller.streams());
            streamsMetrics.bindTo(meters);
            return null;
        });
        if (config.httpPort() < 0) {
            return started;
        }
        ExperimentQueries queries = new ExperimentQueries(vertx, controller.streams(), new HostInfo(config.advertisedHost(), config.httpPort()));
        ExperimentLogic validation = new ExperimentLogic(registry);
        http = new OpsHttpServer(vertx, meters);
        new ControllerApi(vertx, config, queries, validation::validate, producer, metrics).mount(http.router());
        http.liveness().register("streams", p -> {
            KafkaStreams.State s = controller.state();
            p.complete(s == KafkaStreams.State.ERROR || s == KafkaStreams.State.NOT_RUNNING
                    ? Status.KO(new JsonObject().put("state", s.name())) : Status.OK(new JsonObject().put("state", s.name())));
        });
        http.readiness().register("streams", p -> {
            KafkaStreams.State s = controller.state();
            p.complete(s == KafkaStreams.State.RUNNING ? Status.OK(new JsonObject().put("state", s.name()))
                    : Status.KO(new JsonObject().put("state", s.name())));
        });
        timer = vertx.setPeriodic(GAUGE_REFRESH_MILLIS, id -> vertx.executeBlocking(queries::localSummaries, false)
                .onSuccess(metrics::refresh)
                .onFailure(e -> LOG.debug("gauges not refreshed: {}", e.getMessage())));
        return started.compose(v -> http.listen(config.httpHost(), config.httpPort()))
                .onSuccess(s -> LOG.info("controller REST API, /health and /metrics on {}:{} (advertised as {}:{}), tokens: {}",
                        config.httpHost(), s.actualPort(), config.advertisedHost(), config.httpPort(), config.apiTokens()));
    }

    @Override
    public Future<?> stop() {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
        Future<Void> closed = http == null ? Future.succeededFuture() : http.close();
        return closed.compose(v -> vertx.executeBlocking(() -> {
            if (streamsMetrics != null) {
                streamsMetrics.close();
            }
            controller.close();
            producer.close(Duration.ofSeconds(5));
            return null;
        }));
    }
}
