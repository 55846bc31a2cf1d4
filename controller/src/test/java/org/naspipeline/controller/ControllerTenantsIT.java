package org.naspipeline.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.naspipeline.controller.ControllerRig.awaitStatus;
import static org.naspipeline.controller.ControllerRig.delete;
import static org.naspipeline.controller.ControllerRig.experimentRecords;
import static org.naspipeline.controller.ControllerRig.get;
import static org.naspipeline.controller.ControllerRig.header;
import static org.naspipeline.controller.ControllerRig.json;
import static org.naspipeline.controller.ControllerRig.post;
import static org.naspipeline.controller.ControllerRig.spec;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.naspipeline.api.JsonCodec;
import org.naspipeline.api.Topics;
import org.naspipeline.testkit.CloseAfterEach;
import org.naspipeline.testkit.KafkaCluster;
import org.naspipeline.testkit.KafkaExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.naspipeline.controller.http.ApiTokens;
import org.naspipeline.controller.http.ExperimentQueries;
import org.naspipeline.controller.logic.ActorHeaders;

/**
 * Tenants on the real broker, from a plain HTTP client: a tenant's token acts on its own experiments only (others
 * get 403 and nothing is produced), an admin token on all; reads are scoped to the tenant (404 for others', the
 * list filtered) unless configured open; every record the API produces names its actor; the instance-to-instance
 * endpoints need the internal secret, and two instances forward reads to each other with it.
 */
@ExtendWith(KafkaExtension.class)
class ControllerTenantsIT {
    static final String TOKENS = "acme=t-acme,globex=t-globex,admin=t-admin";
    @RegisterExtension
    final CloseAfterEach cleanup = new CloseAfterEach();

    @TempDir
    Path dir;


    String startOne(KafkaCluster kafka, ControllerConfig.Reads reads) throws Exception {
        TopicSetup.ensure(kafka.bootstrapServers(), 4);
        String appId = "tenants-" + UUID.randomUUID().toString().substring(0, 6);
        ApiTokens tokens = ApiTokens.parse("NAS_API_TOKEN", TOKENS);
        ControllerConfig config = ControllerRig.config(kafka.bootstrapServers(), appId, dir.resolve(appId), ControllerRig.freePort(), tokens)
                .withAccess(reads, tokens.derivedInternalSecret());
        ControllerRig.Running c = ControllerRig.start(config);
        cleanup.add(c);
        ControllerRig.awaitReady(c.base());
        return c.base();
    }

    @Test
    void onlyTheOwnTenantOrAnAdminPausesResumesOrCancelsAndEveryRecordNamesItsActor(KafkaCluster kafka) throws Exception {
        String base = startOne(kafka, ControllerConfig.Reads.TENANT);
        String id = "owned-" + UUID.randomUUID().toString().substring(0, 6);
        assertThat(post(base, "/api/v1/experiments", spec(id), "t-acme").statusCode()).isEqualTo(201);
        awaitStatus(base, id, "running", "t-acme");

        String path = "/api/v1/experiments/" + id;
        for (HttpResponse<String> r : List.of(post(base, path + "/pause", new byte[0], "t-globex"),
                post(base, path + "/resume", new byte[0], "t-globex"), delete(base, path, "t-globex"),
                delete(base, path + "?reason=rewritten%20by%20globex", "t-globex"))) {
            assertThat(r.statusCode()).as(r.request().method() + " " + r.request().uri() + ": " + r.body()).isEqualTo(403);
            assertThat(json(r).path("errors").get(0).path("message").asText()).contains("belongs to another tenant")
                    .as("the owner is not revealed").doesNotContain("acme");
        }
        assertThat(post(base, path + "/pause", new byte[0], null).statusCode()).isEqualTo(401);
        assertThat(post(base, path + "/pause", new byte[0], "t-unknown").statusCode()).isEqualTo(401);
        HttpResponse<String> longReason = post(base, path + "/pause?reason=" + "x".repeat(1025), new byte[0], "t-acme");
        assertThat(longReason.statusCode()).isEqualTo(400);
        assertThat(json(longReason).path("errors").get(0).path("path").asText()).isEqualTo("reason");
        // anything produced by mistake would be on the topic within this second
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250)).untilAsserted(() ->
                assertThat(experimentRecords(kafka.bootstrapServers(), id)).as("only the submission: refused commands produce nothing")
                        .hasSize(1));
        List<ConsumerRecord<String, byte[]>> records = experimentRecords(kafka.bootstrapServers(), id);
        assertThat(header(records.get(0), ActorHeaders.TENANT)).isEqualTo("acme");
        assertThat(header(records.get(0), ActorHeaders.ACTOR)).isEqualTo("tenant:acme");
        assertThat(json(get(base, path, "t-acme")).path("status").asText()).isEqualTo("running");

        // the own tenant and an admin may; the reason defaults to one naming the actor
        assertThat(post(base, path + "/pause", new byte[0], "t-acme").statusCode()).isEqualTo(202);
        awaitStatus(base, id, "paused", "t-acme");
        assertThat(post(base, path + "/resume", new byte[0], "t-admin").statusCode()).isEqualTo(202);
        awaitStatus(base, id, "running", "t-acme");
        assertThat(delete(base, path + "?reason=done%20here", "t-acme").statusCode()).isEqualTo(202);
        awaitStatus(base, id, "cancelled", "t-admin");
        records = experimentRecords(kafka.bootstrapServers(), id);
        assertThat(records).hasSize(4);
        assertThat(records).extracting(r -> header(r, ActorHeaders.ACTOR))
                .containsExactly("tenant:acme", "tenant:acme", "admin:admin", "tenant:acme");
        assertThat(records).extracting(r -> header(r, ActorHeaders.TENANT)).containsExactly("acme", "acme", "admin", "acme");
        assertThat(records.subList(1, 4)).extracting(r -> JsonCodec.readTree(r.value()).path("reason").asText())
                .containsExactly("pause over REST by tenant:acme", "resume over REST by admin:admin", "done here");
        // the controller records the actor on every lifecycle event
        // the REST view shows a status as soon as it is processed; its event is readable once the transaction commits
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(lifecycle(kafka, id)).containsExactly(
                "accepted by tenant:acme", "paused by tenant:acme", "running by admin:admin", "cancelled by tenant:acme"));

        // submitted on the topic without a tenant header: only an admin may act on it
        String orphan = "topic-" + UUID.randomUUID().toString().substring(0, 6);
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class))) {
            producer.send(new ProducerRecord<>(Topics.EXPERIMENTS, orphan, spec(orphan))).get();
        }
        awaitStatus(base, orphan, "running", "t-admin");
        assertThat(delete(base, "/api/v1/experiments/" + orphan, "t-acme").statusCode()).isEqualTo(403);
        assertThat(get(base, "/api/v1/experiments/" + orphan, "t-acme").statusCode()).as("hidden from tenants' reads").isEqualTo(404);
        assertThat(delete(base, "/api/v1/experiments/" + orphan, "t-admin").statusCode()).isEqualTo(202);
        awaitStatus(base, orphan, "cancelled", "t-admin");
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(lifecycle(kafka, orphan))
                .containsExactly("accepted by topic", "cancelled by admin:admin"));
        assertThat(post(base, "/api/v1/experiments/no-such-experiment/pause", new byte[0], "t-acme").statusCode()).isEqualTo(404);
    }

    /** The experiment's lifecycle events as "what by actor", in order. */
    static List<String> lifecycle(KafkaCluster kafka, String id) {
        List<String> out = new java.util.ArrayList<>();
        for (ConsumerRecord<String, byte[]> r : ControllerRig.records(kafka.bootstrapServers(), Topics.EXPERIMENT_EVENTS, id)) {
            org.naspipeline.api.ExperimentEvent e = JsonCodec.read(r.value(), org.naspipeline.api.ExperimentEvent.class);
            if (e instanceof org.naspipeline.api.ExperimentEvent.Accepted a) {
                out.add("accepted by " + a.actor());
            } else if (e instanceof org.naspipeline.api.ExperimentEvent.StatusChanged c) {
                out.add(c.status().name().toLowerCase(java.util.Locale.ROOT) + " by " + c.actor());
            } else if (e instanceof org.naspipeline.api.ExperimentEvent.Completed c) {
                out.add(c.status().name().toLowerCase(java.util.Locale.ROOT) + " by " + c.actor());
            }
        }
        return out;
    }

    @Test
    void readsAreScopedToTheTenantAndAnAdminSeesAll(KafkaCluster kafka) throws Exception {
        String base = startOne(kafka, ControllerConfig.Reads.TENANT);
        String acme = "acme-" + UUID.randomUUID().toString().substring(0, 6);
        String globex = "globex-" + UUID.randomUUID().toString().substring(0, 6);
        assertThat(post(base, "/api/v1/experiments", spec(acme), "t-acme").statusCode()).isEqualTo(201);
        assertThat(post(base, "/api/v1/experiments", spec(globex), "t-globex").statusCode()).isEqualTo(201);
        awaitStatus(base, acme, "running", "t-acme");
        awaitStatus(base, globex, "running", "t-globex");

        assertThat(ids(get(base, "/api/v1/experiments", "t-acme"))).contains(acme).doesNotContain(globex);
        assertThat(ids(get(base, "/api/v1/experiments", "t-globex"))).contains(globex).doesNotContain(acme);
        assertThat(ids(get(base, "/api/v1/experiments", "t-admin"))).contains(acme, globex);
        assertThat(get(base, "/api/v1/experiments", null).statusCode()).isEqualTo(401);
        HttpResponse<String> unknown = get(base, "/api/v1/experiments/nope-" + acme, "t-globex");
        for (String suffix : List.of("", "/trials", "/pareto")) {
            HttpResponse<String> other = get(base, "/api/v1/experiments/" + acme + suffix, "t-globex");
            assertThat(other.statusCode()).as(suffix).isEqualTo(404);
            assertThat(other.body()).as("the same answer as for an unknown id").isEqualTo(unknown.body().replace("nope-" + acme, acme));
            assertThat(get(base, "/api/v1/experiments/" + acme + suffix, "t-acme").statusCode()).isEqualTo(200);
            assertThat(get(base, "/api/v1/experiments/" + acme + suffix, "t-admin").statusCode()).isEqualTo(200);
            assertThat(get(base, "/api/v1/experiments/" + acme + suffix, null).statusCode()).isEqualTo(401);
        }
        assertThat(json(get(base, "/api/v1/experiments/" + acme, "t-admin")).path("tenant").asText()).isEqualTo("acme");
    }

    @Test
    void openReadsShowEveryExperimentToAnyoneWhileCommandsStillNeedTheOwner(KafkaCluster kafka) throws Exception {
        String base = startOne(kafka, ControllerConfig.Reads.OPEN);
        String acme = "acme-" + UUID.randomUUID().toString().substring(0, 6);
        assertThat(post(base, "/api/v1/experiments", spec(acme), "t-acme").statusCode()).isEqualTo(201);
        awaitStatus(base, acme, "running", null);
        assertThat(ids(get(base, "/api/v1/experiments", null))).contains(acme);
        assertThat(get(base, "/api/v1/experiments/" + acme + "/trials", "t-globex").statusCode()).isEqualTo(200);
        assertThat(post(base, "/api/v1/experiments", spec(acme + "-x"), null).statusCode()).isEqualTo(401);
        assertThat(delete(base, "/api/v1/experiments/" + acme, "t-globex").statusCode()).isEqualTo(403);
        assertThat(delete(base, "/api/v1/experiments/" + acme, null).statusCode()).isEqualTo(401);
    }

    @Test
    void internalEndpointsNeedTheSecretAndTwoInstancesForwardWithIt(KafkaCluster kafka) throws Exception {
        TopicSetup.ensure(kafka.bootstrapServers(), 4);
        String appId = "internal-" + UUID.randomUUID().toString().substring(0, 6);
        ApiTokens tokens = ApiTokens.parse("NAS_API_TOKEN", TOKENS);
        String secret = "a-shared-internal-secret-" + UUID.randomUUID();
        List<String> bases = new ArrayList<>();
        for (String name : List.of("c1", "c2")) {
            ControllerRig.Running c = ControllerRig.start(ControllerRig.config(kafka.bootstrapServers(), appId, dir.resolve(name),
                    ControllerRig.freePort(), tokens).withAccess(ControllerConfig.Reads.TENANT, secret));
            cleanup.add(c);
            bases.add(c.base());
        }
        bases.forEach(ControllerRig::awaitReady);
        // two experiments on each of the 4 partitions (murmur2 of the id, as Streams places them), so each instance owns some
        List<String> ids = new ArrayList<>();
        int[] perPartition = new int[4];
        for (int n = 0; ids.size() < 8; n++) {
            String candidate = appId + "-e" + n;
            int partition = org.apache.kafka.common.utils.Utils.toPositive(org.apache.kafka.common.utils.Utils.murmur2(
                    candidate.getBytes(java.nio.charset.StandardCharsets.UTF_8))) % 4;
            if (perPartition[partition]++ < 2) {
                ids.add(candidate);
            }
        }
        for (int i = 0; i < ids.size(); i++) {
            String id = ids.get(i);
            String base = bases.get(i % 2);
            int[] status = {0};
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                    .until(() -> (status[0] = post(base, "/api/v1/experiments", spec(id), "t-acme").statusCode()) != 503);
            assertThat(status[0]).isEqualTo(201);
        }
        // each instance answers for every experiment: its own from its store, the others forwarded with the secret
        for (String base : bases) {
            for (String id : ids) {
                awaitStatus(base, id, "running", "t-acme");
            }
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(ids(get(base, "/api/v1/experiments", "t-acme"))).containsAll(ids));
        }
        List<String> owned = new ArrayList<>();
        for (String base : bases) {
            HttpResponse<String> summaries = internal(base, "/internal/v1/summaries", secret);
            assertThat(summaries.statusCode()).isEqualTo(200);
            json(summaries).forEach(s -> owned.add(s.path("id").asText()));
        }
        assertThat(owned).as("both instances own experiments, so reads were forwarded").containsAll(ids);
        assertThat(ids(internal(bases.get(0), "/internal/v1/summaries", secret))).isNotEmpty();
        assertThat(ids(internal(bases.get(1), "/internal/v1/summaries", secret))).isNotEmpty();

        for (String base : bases) {
            for (String path : List.of("/internal/v1/summaries", "/internal/v1/experiments/" + ids.get(0))) {
                HttpResponse<String> none = internal(base, path, null);
                assertThat(none.statusCode()).as(path).isEqualTo(401);
                assertThat(none.body()).doesNotContain("searchSpace", ids.get(0) + "\",\"name");
                HttpResponse<String> wrong = internal(base, path, secret + "x");
                assertThat(wrong.statusCode()).as(path).isEqualTo(403);
                assertThat(wrong.body()).doesNotContain("searchSpace");
                assertThat(internal(base, path, "Bearer t-admin").statusCode()).as("an API token is no internal secret").isEqualTo(403);
            }
        }
    }

    static HttpResponse<String> internal(String base, String path, String secret) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).GET();
        if (secret != null) {
            b.header(ExperimentQueries.SECRET_HEADER, secret);
        }
        return ControllerRig.send(b, null);
    }

    static List<String> ids(HttpResponse<String> response) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        List<String> ids = new ArrayList<>();
        for (JsonNode e : json(response)) {
            ids.add(e.path("id").asText());
        }
        return ids;
    }
}
