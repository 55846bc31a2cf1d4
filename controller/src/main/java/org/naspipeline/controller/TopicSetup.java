package org.naspipeline.controller;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.naspipeline.api.Topics;
import org.naspipeline.ops.KafkaClientOverrides;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates the pipeline topics when missing and verifies the one invariant the controller depends on:
 * {@code nas.experiments} and {@code nas.trial-results} have the same partition count (co-partitioning).
 */
public final class TopicSetup {
    private static final Logger LOG = LoggerFactory.getLogger(TopicSetup.class);

    private TopicSetup() {}

    /** Ensures every topic of {@link Topics#ALL} exists. */
    public static void ensure(String bootstrapServers, int partitions) {
        ensure(bootstrapServers, partitions, KafkaClientOverrides.NONE);
    }

    /** As {@link #ensure(String, int)}, with the deployment's client settings (SASL, TLS) on the admin client. */
    public static void ensure(String bootstrapServers, int partitions, KafkaClientOverrides overrides) {
        Map<String, Object> props = overrides.applyTo(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers));
        try (Admin admin = Admin.create(props)) {
            Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            List<NewTopic> missing = Topics.ALL.stream().filter(t -> !existing.contains(t))
                    .map(t -> new NewTopic(t, partitions, (short) -1)).toList();
            if (!missing.isEmpty()) {
                try {
                    admin.createTopics(missing).all().get(30, TimeUnit.SECONDS);
                    LOG.info("created topics {} with {} partitions", missing.stream().map(NewTopic::name).toList(), partitions);
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw e;
                    }
                }
            }
            Map<String, TopicDescription> described = new HashMap<>(describeCreated(admin));
            int a = described.get(Topics.EXPERIMENTS).partitions().size();
            int b = described.get(Topics.TRIAL_RESULTS).partitions().size();
            if (a != b) {
                throw new IllegalStateException(Topics.EXPERIMENTS + " has " + a + " partitions but " + Topics.TRIAL_RESULTS
                        + " has " + b + "; they must be co-partitioned (same count)");
            }
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot set up topics on " + bootstrapServers + ": " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("timed out setting up topics on " + bootstrapServers, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while setting up topics", e);
        }
    }

    /**
     * Describes the co-partitioned topics. Just after they were created, a broker may answer that it does not host
     * them yet (its metadata has not caught up): that answer is retried for up to 10 s.
     */
    private static Map<String, TopicDescription> describeCreated(Admin admin)
            throws ExecutionException, TimeoutException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            try {
                return admin.describeTopics(List.of(Topics.EXPERIMENTS, Topics.TRIAL_RESULTS)).allTopicNames()
                        .get(30, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException) || System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(200);
            }
        }
    }
}
