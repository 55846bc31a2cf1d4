package org.naspipeline.controller.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.naspipeline.api.InvalidInputException;
import org.naspipeline.api.JsonCodec;
import org.naspipeline.api.Topics;
import org.naspipeline.controller.ControllerConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows {@code nas.experiment-events} and {@code nas.trial-results} from their end (committed records only, no
 * consumer group: every instance sees every experiment) and publishes each record on the local event bus at
 * {@link #address}, as compact JSON with header {@link #KIND} {@code experiment} or {@code trial}, for the web UI's
 * Server-Sent Events. A record
 * that is not a JSON object is skipped (the controller's own input path sends it to the DLQ).
 */
public final class LiveEvents implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LiveEvents.class);
    /** The message header naming the record's kind. */
    static final String KIND = "kind";
    private final Vertx vertx;
    private final KafkaConsumer<String, byte[]> consumer;
    /** Seconds between looks for topics that do not exist yet. */
    static final int RETRY_SECONDS = 5;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final Thread thread;

    private final java.util.function.Consumer<String> onRecord;
    private volatile boolean following;

    /** Follows the topics for {@code config}; {@code onRecord} hears the experiment id of every record, on the polling thread. */
    public LiveEvents(Vertx vertx, ControllerConfig config, java.util.function.Consumer<String> onRecord) {
        this.vertx = vertx;
        this.onRecord = onRecord;
        this.consumer = new KafkaConsumer<>(config.kafka().applyTo(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers(),
                ConsumerConfig.CLIENT_ID_CONFIG, config.applicationId() + "-ui-events",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                // only TopicSetup creates topics, with the partition count the controller needs
                ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false,
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class)));
        this.thread = new Thread(this::run, "nas-ui-events");
        thread.setDaemon(true);
    }

    /** The event-bus address of experiment {@code id}'s live records. */
    static String address(String id) {
        return "nas.ui.events." + id;
    }

    public void start() {
        thread.start();
    }

    private void run() {
        try {
            List<TopicPartition> partitions = partitions();
            while (partitions.isEmpty()) {
                // the topics are not there yet (a controller started before the set-up): look again shortly
                if (stopped.await(RETRY_SECONDS, TimeUnit.SECONDS)) {
                    return;
                }
                partitions = partitions();
            }
            consumer.assign(partitions);
            consumer.seekToEnd(partitions);
            partitions.forEach(consumer::position); // the end, resolved now: nothing after this point is missed
            following = true;
            LOG.info("web UI live events follow {} partitions of {} and {}", partitions.size(), Topics.EXPERIMENT_EVENTS, Topics.TRIAL_RESULTS);
            while (running.get()) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofSeconds(1))) {
                    publish(r);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (WakeupException e) {
            if (running.get()) {
                throw e;
            }
        } catch (RuntimeException e) {
            // the UI loses its live updates, nothing else: the REST reads and the Streams application carry on
            LOG.error("web UI live events stopped: {}", e.getMessage(), e);
        } finally {
            following = false;
            consumer.close(Duration.ofSeconds(5));
        }
    }

    /** Every partition of both topics, or none while either topic is missing. */
    private List<TopicPartition> partitions() {
        List<TopicPartition> partitions = new ArrayList<>();
        for (String topic : List.of(Topics.EXPERIMENT_EVENTS, Topics.TRIAL_RESULTS)) {
            List<PartitionInfo> infos;
            try {
                infos = consumer.partitionsFor(topic, Duration.ofSeconds(RETRY_SECONDS));
            } catch (org.apache.kafka.common.errors.TimeoutException e) {
                LOG.warn("web UI live events: no metadata for {} yet ({}); trying again", topic, e.getMessage());
                return List.of();
            }
            if (infos == null || infos.isEmpty()) {
                return List.of();
            }
            infos.forEach(p -> partitions.add(new TopicPartition(p.topic(), p.partition())));
        }
        return partitions;
    }

    /** Whether every record from now on is seen: the topics are assigned and polled. */
    public boolean following() {
        return following;
    }

    private void publish(ConsumerRecord<String, byte[]> r) {
        if (r.key() == null) {
            return;
        }
        onRecord.accept(r.key());
        if (r.value() == null) {
            return;
        }
        JsonNode tree;
        try {
            tree = JsonCodec.readTree(r.value());
        } catch (InvalidInputException e) {
            LOG.debug("live event at {}-{}@{} skipped: not JSON", r.topic(), r.partition(), r.offset());
            return;
        }
        if (!tree.isObject()) {
            return;
        }
        String kind = r.topic().equals(Topics.TRIAL_RESULTS) ? "trial" : "experiment";
        // written again: compact, on one line, whatever layout the producer used
        vertx.eventBus().publish(address(r.key()), new String(JsonCodec.write(tree), java.nio.charset.StandardCharsets.UTF_8),
                new io.vertx.core.eventbus.DeliveryOptions().addHeader(KIND, kind));
    }

    @Override
    public void close() throws InterruptedException {
        running.set(false);
        stopped.countDown();
        consumer.wakeup();
        thread.join(10_000);
    }
}
