package org.naspipeline.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.naspipeline.controller.ControllerRig.awaitStatus;
import static org.naspipeline.controller.ControllerRig.get;
import static org.naspipeline.controller.ControllerRig.post;
import static org.naspipeline.controller.ControllerRig.spec;

import io.vertx.core.Vertx;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.GroupListing;
import org.naspipeline.devbroker.EmbeddedKafka;
import org.naspipeline.ops.Observability;
import org.naspipeline.ops.ServiceRunner;
import org.naspipeline.strategy.StrategyRegistry;
import org.naspipeline.testkit.CloseAfterEach;
import org.naspipeline.testkit.KafkaCluster;
import org.naspipeline.testkit.KafkaExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.naspipeline.controller.http.ApiTokens;

/**
 * The controller's availability answers on a real broker: 503 with Retry-After (never 500, never a partial or
 * empty list) while an experiment's owner cannot be asked; a port in use stops the start, named, before the group
 * is joined; readiness follows the brokers while liveness does not.
 */
@ExtendWith(KafkaExtension.class)
class ControllerAvailabilityIT {
    @RegisterExtension
    final CloseAfterEach cleanup = new CloseAfterEach();

    @TempDir
    Path dir;


    @Test
    void readsAnswer503WithRetryAfterWhileAnOwnerIsUnreachableOrHasNoAddress(KafkaCluster kafka) throws Exception {
        TopicSetup.ensure(kafka.bootstrapServers(), 4);
        String appId = "avail-" + UUID.randomUUID().toString().substring(0, 6);
        ControllerRig.Running c1 = ControllerRig.start(ControllerRig.config(kafka.bootstrapServers(), appId, dir.resolve("c1"),
                ControllerRig.freePort(), ApiTokens.NONE));
        cleanup.add(c1);
        String base = c1.base();
        ControllerRig.awaitReady(base);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            ids.add(appId + "-e" + i);
            assertThat(post(base, "/api/v1/experiments", spec(ids.get(i)), null).statusCode()).isEqualTo(201);
        }
        ids.forEach(id -> awaitStatus(base, id, "running", null));

        // a member that advertises an address nobody listens on: it owns partitions and cannot be asked
        int silentPort = ControllerRig.freePort();
        ControllerService unreachable = new ControllerService(ControllerRig.config(kafka.bootstrapServers(), appId, dir.resolve("c2"),
                silentPort, ApiTokens.NONE), StrategyRegistry.load());
        unreachable.start();
        assertUnavailableWhileMemberHoldsPartitions(base, ids, "localhost:" + silentPort);
        unreachable.close();
        awaitWholeListFrom(base, ids);

        // a member without HTTP: Streams knows no address for it (unavailable:-1)
        ControllerService headless = new ControllerService(new ControllerConfig(kafka.bootstrapServers(), appId, dir.resolve("c3"), 4),
                StrategyRegistry.load());
        headless.start();
        assertUnavailableWhileMemberHoldsPartitions(base, ids, "usable address");
        headless.close();
        awaitWholeListFrom(base, ids);
    }

    void assertUnavailableWhileMemberHoldsPartitions(String base, List<String> ids, String reason) throws Exception {
        HttpResponse<String>[] list = new HttpResponse[1];
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250)).until(() -> {
            list[0] = get(base, "/api/v1/experiments", null);
            assertThat(list[0].statusCode()).as("the list is whole or 503: " + list[0].body()).isIn(200, 503);
            return list[0].statusCode() == 503 && list[0].body().contains(reason);
        });
        assertServiceUnavailable(list[0]);
        int unavailable = 0;
        for (String id : ids) {
            for (String suffix : List.of("", "/trials", "/pareto")) {
                HttpResponse<String> r = get(base, "/api/v1/experiments/" + id + suffix, null);
                assertThat(r.statusCode()).as(id + suffix + ": " + r.body()).isIn(200, 503);
                if (r.statusCode() == 503) {
                    assertServiceUnavailable(r);
                    unavailable++;
                }
            }
        }
        assertThat(unavailable).as("some experiments are on the member that cannot be asked").isPositive();
        for (String id : ids) {
            HttpResponse<String> again = post(base, "/api/v1/experiments", spec(id), null);
            assertThat(again.statusCode()).as("a duplicate is 409, or 503 when its owner cannot be asked").isIn(409, 503);
        }
    }

    static void assertServiceUnavailable(HttpResponse<String> r) {
        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(r.headers().firstValue("Retry-After")).contains("2");
        assertThat(r.body()).startsWith("{\"errors\":[").doesNotContain("Exception", "org.apache", "io.vertx", "java.", "HostInfo");
    }

    static void awaitWholeListFrom(String base, List<String> ids) {
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
            HttpResponse<String> list = get(base, "/api/v1/experiments", null);
            assertThat(list.statusCode()).as(list.body()).isEqualTo(200);
            assertThat(ControllerTenantsIT.ids(list)).containsAll(ids);
            for (String id : ids) {
                assertThat(get(base, "/api/v1/experiments/" + id, null).statusCode()).isEqualTo(200);
            }
        });
    }

    @Test
    void aPortInUseStopsTheStartNamingTheAddressWithoutJoiningTheGroup(KafkaCluster kafka) throws Exception {
        TopicSetup.ensure(kafka.bootstrapServers(), 4);
        String appId = "busy-" + UUID.randomUUID().toString().substring(0, 6);
        try (ServerSocket taken = new ServerSocket(0)) {
            int port = taken.getLocalPort();
            ControllerConfig config = ControllerRig.config(kafka.bootstrapServers(), appId, dir.resolve("c"), port, ApiTokens.NONE);
            io.micrometer.prometheusmetrics.PrometheusMeterRegistry meters = Observability.registry("controller", "busy");
            Vertx vertx = Observability.vertx(meters, Duration.ofSeconds(60));
            cleanup.add(() -> vertx.close().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS));
            assertThatThrownBy(() -> ServiceRunner.awaitStart("the controller",
                    vertx.deployVerticle(new ControllerVerticle(config, StrategyRegistry.load(), meters)), Duration.ofSeconds(60)))
                    .hasMessage("the controller did not start: NAS_CONTROLLER_HTTP_PORT: 0.0.0.0:" + port + " is already in use");
        }
        try (Admin admin = Admin.create(java.util.Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            // a member that joined would have registered its group within these 2 s
            await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250)).untilAsserted(() ->
                    assertThat(admin.listGroups().all().get(30, TimeUnit.SECONDS)).extracting(GroupListing::groupId).doesNotContain(appId));
        }
    }

    @Test
    void readinessIsDownWhileTheBrokerIsDownAndLivenessStaysUp() throws Exception {
        int brokerPort = ControllerRig.freePort();
        Path brokerDir = dir.resolve("broker");
        EmbeddedKafka[] broker = {EmbeddedKafka.start(brokerDir, brokerPort)};
        cleanup.add(() -> broker[0].close());
        TopicSetup.ensure(broker[0].bootstrapServers(), 4);
        ControllerRig.Running c = ControllerRig.start(ControllerRig.config(broker[0].bootstrapServers(),
                "ready-" + UUID.randomUUID().toString().substring(0, 6), dir.resolve("c"), ControllerRig.freePort(), ApiTokens.NONE));
        cleanup.add(c);
        ControllerRig.awaitReady(c.base());

        broker[0].close();
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            HttpResponse<String> ready = get(c.base(), "/health/ready", null);
            assertThat(ready.statusCode()).isEqualTo(503);
            assertThat(ready.body()).contains("the brokers at " + broker[0].bootstrapServers() + " cannot be reached (NAS_KAFKA_BOOTSTRAP)");
        });
        await().during(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).untilAsserted(() ->
                assertThat(get(c.base(), "/health/live", null).statusCode()).as("a broker outage is no reason to restart").isEqualTo(200));
        assertThat(get(c.base(), "/api/v1/experiments/x", null).statusCode()).isIn(404, 503);

        broker[0] = EmbeddedKafka.start(brokerDir, brokerPort);
        ControllerRig.awaitReady(c.base());
        assertThat(get(c.base(), "/health/live", null).statusCode()).isEqualTo(200);
    }
}
