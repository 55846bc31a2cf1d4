package org.naspipeline.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.Vertx;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The HTTP server every service runs, on a real socket: NAS_HTTP_HOST values good and bad, a port in use. */
class OpsHttpServerIT {
    private final Vertx vertx = Vertx.vertx();

    @AfterEach
    void close() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get();
    }

    @Test
    void itServesOnTheConfiguredLoopbackAddressAndExportsReadiness() throws Exception {
        OpsHttpServer http = new OpsHttpServer(vertx, Observability.registry("worker", "w1"));
        ServiceRunner.awaitStart("the worker", http.listen("127.0.0.5", 0), Duration.ofSeconds(10));
        HttpResponse<String> metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.5:" + http.port() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.body()).contains("nas_service_ready{instance=\"w1\",service=\"worker\"}");
        http.close().toCompletionStage().toCompletableFuture().get();
    }

    @Test
    void aBadHostOrAPortInUseStopsTheStartWithAMessageWithoutClassNames() throws Exception {
        for (String bad : new String[] {"not a host!", "999.1.1.1", "x".repeat(10_000)}) {
            OpsHttpServer http = new OpsHttpServer(vertx, Observability.registry("worker", "w1"));
            assertThatThrownBy(() -> ServiceRunner.awaitStart("the worker", http.listen(bad, 0), Duration.ofSeconds(10)))
                    .as(bad.length() > 20 ? "a huge host name" : bad)
                    .hasMessageStartingWith("the worker did not start: ")
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain("Exception"));
        }
        try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            OpsHttpServer http = new OpsHttpServer(vertx, Observability.registry("worker", "w1"));
            assertThatThrownBy(() -> ServiceRunner.awaitStart("the worker", http.listen("127.0.0.1", taken.getLocalPort()),
                    Duration.ofSeconds(10))).hasMessageContaining("the worker did not start: ").hasMessageContaining("in use");
        }
    }
}
