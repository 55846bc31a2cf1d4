package org.naspipeline.testkit;

/** A reachable Kafka cluster for tests, whichever way it was provided. */
public interface KafkaCluster {
    /** {@code host:port[,host:port…]} for clients. */
    String bootstrapServers();

    /** How the cluster was provided: {@code env}, {@code testcontainers} or {@code in-process}. */
    String kind();
}
