package org.naspipeline.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.naspipeline.api.config.Settings;
import org.naspipeline.controller.TopicSetup;
import org.naspipeline.devbroker.EmbeddedKafka;
import org.naspipeline.ops.ServiceRunner;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code nas broker}: a single-node KRaft broker for local development, with the pipeline topics. */
@Command(name = "broker", mixinStandardHelpOptions = true,
        description = "Run a single-node Kafka broker (KRaft, in-process) for development and create the topics.")
final class BrokerCommand implements Callable<Integer> {
    @Option(names = "--port", defaultValue = "9092", description = "listener port (default: ${DEFAULT-VALUE})")
    int port;

    @Option(names = "--data-dir", description = "log directory (default: $XDG_STATE_HOME/nas/kafka, else ~/.local/state/nas/kafka)")
    Path dataDir;

    @Option(names = "--partitions", description = "partitions per topic (default: NAS_PARTITIONS or 4)")
    Integer partitions;

    @Override
    public Integer call() throws InterruptedException {
        EmbeddedKafka kafka = EmbeddedKafka.start(dataDir != null ? dataDir : NasPaths.state("kafka"), port);
        int p = partitions != null ? partitions
                : Settings.fromEnvironment().get(org.naspipeline.api.config.Setting.integer("NAS_PARTITIONS", 4, "partitions"));
        TopicSetup.ensure(kafka.bootstrapServers(), p);
        return ServiceRunner.runUntilShutdown(kafka,
                () -> System.out.println("Kafka broker ready at " + kafka.bootstrapServers() + " (Ctrl-C stops it)"));
    }
}
