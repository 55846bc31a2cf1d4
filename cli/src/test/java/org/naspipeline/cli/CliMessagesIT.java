package org.naspipeline.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.File;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.naspipeline.api.JsonCodec;

/**
 * A user's mistakes with {@code nas}, run as a user runs it (a separate process, from the repository root): each is
 * answered with a line or two saying what is wrong and what to do, a non-zero exit, and never a stack trace.
 */
class CliMessagesIT {
    /** An HTTP server that is not the controller: HTML on every path, 200 on / and 404 elsewhere. */
    static HttpServer notTheController;
    @TempDir
    static Path dir;

    @BeforeAll
    static void start() throws Exception {
        notTheController = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        notTheController.createContext("/", exchange -> {
            byte[] html = "<html><body>It works!</body></html>".getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "text/html");
            exchange.sendResponseHeaders(exchange.getRequestURI().getPath().equals("/api/v1/experiments") ? 200 : 404, html.length);
            exchange.getResponseBody().write(html);
            exchange.close();
        });
        notTheController.start();
    }

    @AfterAll
    static void stop() {
        notTheController.stop(0);
    }

    static NasProcess.Run nas(Map<String, String> env, String... args) throws Exception {
        return NasProcess.run(dir, pb -> {
            pb.directory(ComposeFile.REPO.toFile());
            pb.environment().keySet().removeIf(k -> k.startsWith("NAS_"));
            pb.environment().putAll(env);
        }, args);
    }

    @ParameterizedTest(name = "{0} with {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '~', value = {
            "sumbit,x |  | 2 | 'sumbit' is not a command; did you mean 'submit'?",
            "bench,strategis |  | 2 | 'strategis' is not a command; did you mean 'strategies'?",
            "frobnicate |  | 2 | 'frobnicate' is not a command (`nas --help` lists them)",
            "status | NAS_API_URL=localhost:9 | 2 | NAS_API_URL: 'localhost:9' is not an http(s) URL of the controller (write it with its scheme, e.g. http://localhost:9)",
            "status | NAS_API_URL=ftp://h/ | 2 | NAS_API_URL: 'ftp://h/' is not an http(s) URL",
            "status,x,--url,http://a b |  | 2 | --url: 'http://a b' is not an http(s) URL",
            "cancel,x | NAS_API_URL=http:// | 2 | NAS_API_URL: 'http://' is not an http(s) URL",
            "status | NAS_API_URL=http://127.0.0.1:FREE | 1 | no controller at http://127.0.0.1:",
            "status | NAS_API_URL=http://no-such-host.invalid:8080 | 1 | no controller at http://no-such-host.invalid:8080",
            "status | NAS_API_URL=NOT_THE_CONTROLLER | 1 | is not the nas API's JSON: is NAS_API_URL the controller's HTTP port?",
            "status,some-id | NAS_API_URL=NOT_THE_CONTROLLER | 2 | HTTP 404 from http://127.0.0.1:",
            "pareto,some-id,--url,http://127.0.0.1:FREE |  | 1 | start `nas controller`, or set NAS_API_URL (or --url)",
            "evaluate,examples/multi-objective.json |  | 2 | examples/multi-objective.json is an experiment spec (it has \"searchSpace\"), not a candidate: submit it with `nas submit examples/multi-objective.json`",
            "evaluate,examples/candidates/cnn-small.json,--data,/no/such/dir |  | 2 | --data: no such directory: /no/such/dir",
            "evaluate,no-such-file.json |  | 2 | no-such-file.json: no such file",
            "evaluate,examples/candidates/cnn-small.json,--runtime,tensorrt |  | 2 | --runtime: must be one of onnxruntime, djl (got 'tensorrt')",
            "evaluate,examples/candidates/cnn-small.json | NAS_INFERENCE_RUNTIME=\u0001\u00ff | 2 | NAS_INFERENCE_RUNTIME: must be one of onnxruntime, djl",
            "evaluate,examples/candidates/cnn-small.json | NAS_INT8_CALIBRATION_PERCENTILE=1e400 | 2 | NAS_INT8_CALIBRATION_PERCENTILE: must be in (50, 100] (got Infinity)",
            "evaluate,examples/candidates/cnn-small.json | NAS_INT8_CALIBRATION_BATCHES=99999999999 | 2 | NAS_INT8_CALIBRATION_BATCHES: cannot read '99999999999'",
            "evaluate,examples/candidates/cnn-small.json,--epochs,x |  | 2 | Invalid value for option '--epochs': 'x' is not an int",
            "demo,--timeout,10x |  | 2 | '10x' is not a duration: write e.g. 90s, 10m, 1h30m, 2d, or ISO-8601 PT10M",
            "demo,--timeout,-5m |  | 2 | '-5m' is not a duration",
            "submit,no-such-spec.json |  | 2 | no-such-spec.json: no such file",
            "bench,search,--arms,bogus |  | 2 | --arms: unknown arm 'bogus' (known: random, re, re-asha, tpe)",
            "bench,search,--budget,0s |  | 2 | --budget must be at least 1s and --workers at least 1",
            "bench,search,--spec,examples/fashion-mnist.json |  | 2 | --spec examples/fashion-mnist.json: strategy.name must be regularized-evolution",
            "bench,search,--spec,examples/search-bench-examples.json |  | 2 | --spec examples/search-bench-examples.json: scheduler.maxExamples must be training.epochs × the training set's ",
    })
    void aMistakeIsAnsweredInALineWithoutAStackTrace(String args, String env, int code, String message) throws Exception {
        String free = String.valueOf(ControllerApiIT.freePort());
        Map<String, String> environment = new HashMap<>();
        if (env != null) {
            String[] kv = env.split("=", 2);
            environment.put(kv[0], kv[1].replace("FREE", free)
                    .replace("NOT_THE_CONTROLLER", "http://127.0.0.1:" + notTheController.getAddress().getPort()));
        }
        String[] argv = java.util.Arrays.stream(args.split(",")).map(a -> a.replace("FREE", free)).toArray(String[]::new);
        NasProcess.assertOneMessage(nas(environment, argv), code, message);
    }

    @Test
    void helpHasNoFormatWarningsAndVersionNamesTheStack() throws Exception {
        for (List<String> help : List.of(List.of("--help"), List.of("evaluate", "--help"), List.of("bench", "--help"),
                List.of("bench", "strategies", "--help"), List.of("bench", "compression", "--help"), List.of("demo", "--help"))) {
            NasProcess.Run r = nas(Map.of(), help.toArray(String[]::new));
            assertThat(r.code()).as(help.toString()).isZero();
            assertThat(r.out() + r.err()).as(help.toString()).doesNotContain("Could not format").doesNotContain("WARN")
                    .contains("Usage:");
        }
        NasProcess.Run v = nas(Map.of(), "--version");
        assertThat(v.code()).isZero();
        assertThat(v.out()).startsWith("nas-pipeline ").contains("Kafka 4.2.1", "DJL 0.36.0", "PyTorch engine 2.7.1", "Java 17");
    }

    @Test
    void everyBenchmarkTakesJsonAndThenPrintsOnlyJson() throws Exception {
        NasProcess.Run r = nas(Map.of(), "bench", "strategies", "--seeds", "2", "--nk-budget", "40", "--zdt-budget", "40", "--json");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.err()).isEmpty();
        assertThat(JsonCodec.readTree(r.out().getBytes(StandardCharsets.UTF_8)).path("benchmark").asText()).isEqualTo("strategies");
        for (String bench : List.of("controller", "workers", "failover", "colocation", "trial", "compression", "strategies", "search")) {
            NasProcess.Run help = nas(Map.of(), "bench", bench, "--help");
            assertThat(help.out()).as(bench).contains("--json");
        }
    }
}
