package org.naspipeline.cli;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.naspipeline.api.ExperimentEvent;
import org.naspipeline.api.ExperimentSpec;
import org.naspipeline.api.JsonCodec;
import org.naspipeline.api.Topics;
import org.naspipeline.api.TrialRequest;
import org.naspipeline.api.TrialResult;
import org.naspipeline.controller.ControllerConfig;
import org.naspipeline.controller.ControllerService;
import org.naspipeline.controller.TopicSetup;
import org.naspipeline.strategy.StrategyRegistry;
import org.naspipeline.devbroker.EmbeddedKafka;
import org.naspipeline.worker.pipeline.SyntheticEvaluator;

/**
 * Control-plane throughput with instant synthetic trials: an in-process broker, the controller, and a responder
 * that answers every trial request at once with its synthetic result. Measures results ingested per second end
 * to end (first request to the experiment's completion) and the reaction latency from a result being sent to
 * the next trial request arriving (the k-th result sent frees the slot the (parallelism + k)-th request fills).
 */
final class ControllerBenchmark {
    /**
     * The measured figures. {@code resultsPerSecond} and {@code seconds} cover the whole experiment, from the
     * submission to its completion event, JIT warm-up of the controller and of the in-process broker included.
     * The steady-state figures leave out the first {@code warmupTrials} results, as JMH leaves out its warm-up
     * iterations: {@code steadyResultsPerSecond} is the rate at which the remaining results were sent (in a
     * closed loop with a fixed number in flight, the rate at which the controller took them in), and the
     * reaction percentiles cover the same results. Over the same window, {@code processCpuCores} is the CPU the
     * whole process used (broker, controller and responder share it) in cores, and the CPU per result is given
     * for the process and for the controller's stream thread alone: the costs that decide throughput once the
     * machine is saturated, and that a latency-bound run (both builds waiting on the same commits) hides.
     */
    record Result(int trials, int parallelism, String strategy, double seconds, double resultsPerSecond,
                  int warmupTrials, double steadyResultsPerSecond, double reactionMsP50, double reactionMsP99,
                  double processCpuCores, double processCpuMsPerResult, double streamThreadCpuMsPerResult, String note) {}

    /** Runs the benchmark; with {@code printStreamsMetrics}, dumps the controller's Streams metrics to stderr. */
    static Result run(Path dir, ExperimentSpec spec, int warmupTrials, int commitIntervalMs, boolean printStreamsMetrics) throws Exception {
        int trials = spec.budget().maxTrials();
        int parallelism = spec.budget().parallelism();
        if (warmupTrials < 0 || warmupTrials > trials - 2) {
            throw new IllegalArgumentException("--warmup-trials must be between 0 and " + (trials - 2) + ", got " + warmupTrials);
        }
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dir.resolve("kafka"), 0)) {
            String bootstrap = kafka.bootstrapServers();
            TopicSetup.ensure(bootstrap, 4);
            ControllerService controller = new ControllerService(
                    new ControllerConfig(bootstrap, "bench-controller", dir.resolve("state"), 4).withCommitInterval(commitIntervalMs),
                    StrategyRegistry.load());
            long[] sent = new long[trials];
            long[] received = new long[trials];
            AtomicBoolean done = new AtomicBoolean();
            CpuProbe cpu = new CpuProbe(warmupTrials, trials - 1);
            Thread responder = new Thread(() -> respond(bootstrap, sent, received, cpu, done), "bench-responder");
            try (ExperimentSubmitter submitter = new ExperimentSubmitter(bootstrap)) {
                controller.start();
                responder.start();
                long start = System.nanoTime();
                submitter.submit(spec);
                List<ExperimentEvent> events = new ExperimentWatcher(bootstrap).follow(spec.id(), Duration.ofMinutes(10), e -> {});
                double seconds = (System.nanoTime() - start) / 1e9;
                done.set(true);
                responder.join();
                if (printStreamsMetrics) {
                    controller.threadMetrics().forEach((k, v) -> System.err.println(k + " = " + v));
                }
                if (!(events.get(events.size() - 1) instanceof ExperimentEvent.Completed c) || c.completedTrials() != trials) {
                    throw new IllegalStateException("experiment did not complete all " + trials + " trials");
                }
                int window = trials - 1 - warmupTrials;
                double windowSeconds = (sent[trials - 1] - sent[warmupTrials]) / 1e9;
                List<Double> reaction = new ArrayList<>();
                for (int k = warmupTrials; k + parallelism < trials; k++) {
                    if (sent[k] > 0 && received[k + parallelism] > 0) {
                        reaction.add((received[k + parallelism] - sent[k]) / 1e6);
                    }
                }
                double[] r = reaction.stream().mapToDouble(Double::doubleValue).sorted().toArray();
                return new Result(trials, parallelism, spec.strategy().name(), seconds, trials / seconds, warmupTrials,
                        window / windowSeconds,
                        r.length == 0 ? Double.NaN : r[r.length / 2],
                        r.length == 0 ? Double.NaN : r[Math.min(r.length - 1, (int) Math.ceil(r.length * 0.99) - 1)],
                        cpu.processNanos() / 1e9 / windowSeconds, cpu.processNanos() / 1e6 / window, cpu.streamThreadNanos() / 1e6 / window,
                        "in-process broker and controller on one machine; exactly_once_v2 with a " + commitIntervalMs + " ms commit interval; "
                                + "the time includes the experiment event stream's read_committed delivery");
            } finally {
                controller.close();
            }
        }
    }

    /** CPU time of the process and of the controller's stream threads, read when two given results are sent. */
    private static final class CpuProbe {
        private final int first;
        private final int last;
        private final long[] process = new long[2];
        private final long[] stream = new long[2];

        CpuProbe(int first, int last) {
            this.first = first;
            this.last = last;
        }

        /** Reads the clocks if result {@code index} is one of the two. */
        void sent(int index) {
            int i = index == first ? 0 : index == last ? 1 : -1;
            if (i < 0) {
                return;
            }
            process[i] = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
            ThreadMXBean threads = ManagementFactory.getThreadMXBean();
            long sum = 0;
            for (ThreadInfo t : threads.getThreadInfo(threads.getAllThreadIds())) {
                if (t != null && t.getThreadName().contains("StreamThread")) {
                    sum += Math.max(0, threads.getThreadCpuTime(t.getThreadId()));
                }
            }
            stream[i] = sum;
        }

        long processNanos() {
            return process[1] - process[0];
        }

        long streamThreadNanos() {
            return stream[1] - stream[0];
        }
    }

    private static void respond(String bootstrap, long[] sent, long[] received, CpuProbe cpu, AtomicBoolean done) {
        int receivedCount = 0;
        int sentCount = 0;
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of("bootstrap.servers", bootstrap,
                "group.id", "bench-responder", "auto.offset.reset", "earliest", "isolation.level", "read_committed",
                "fetch.max.wait.ms", 10,
                "key.deserializer", StringDeserializer.class, "value.deserializer", ByteArrayDeserializer.class));
             KafkaProducer<String, byte[]> producer = producer(bootstrap)) {
            consumer.subscribe(List.of(Topics.TRIALS));
            while (!done.get()) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(20))) {
                    TrialRequest req = JsonCodec.read(r.value(), TrialRequest.class);
                    if (receivedCount < received.length) {
                        received[receivedCount++] = System.nanoTime();
                    }
                    TrialResult.Completed result = new TrialResult.Completed(1, req.experimentId(), req.trialId(),
                            req.attempt(), "bench-responder", SyntheticEvaluator.metricsOf(req), null);
                    producer.send(new ProducerRecord<>(Topics.TRIAL_RESULTS, req.experimentId(), JsonCodec.write(result)));
                    if (sentCount < sent.length) {
                        sent[sentCount] = System.nanoTime();
                        cpu.sent(sentCount++);
                    }
                }
                producer.flush();
            }
        }
    }

    private static KafkaProducer<String, byte[]> producer(String bootstrap) {
        return new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap, "acks", "all", "linger.ms", 0,
                "key.serializer", StringSerializer.class, "value.serializer", ByteArraySerializer.class));
    }

    private ControllerBenchmark() {}
}
