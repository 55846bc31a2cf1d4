package org.naspipeline.controller;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsMetadata;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.naspipeline.api.ExperimentSpec;
import org.naspipeline.api.JsonCodec;

/**
 * Reads experiments wherever they live: from this instance's state store when it owns the key, otherwise from the
 * owning instance over HTTP (Streams' key metadata names it, {@code application.server} advertises it).
 * {@link NotReadyException} means the store cannot answer now (rebalancing, restoring): retry shortly.
 */
final class ExperimentQueries {
    /** Internal paths the instances answer each other on. */
    static final String INTERNAL_STATE = "/internal/v1/experiments/";
    static final String INTERNAL_SUMMARIES = "/internal/v1/summaries";

    /** The store cannot answer now. */
    static final class NotReadyException extends RuntimeException {
        NotReadyException(String message) {
            super(message);
        }
    }

    private final Vertx vertx;
    private final KafkaStreams streams;
    private final HostInfo self;
    private final HttpClient http;

    ExperimentQueries(Vertx vertx, KafkaStreams streams, HostInfo self) {
        this.vertx = vertx;
        this.streams = streams;
        this.self = self;
        this.http = vertx.createHttpClient();
    }

    /** The experiment's state, from whichever instance owns it; empty when no instance has it. */
    Future<Optional<ExperimentState>> find(String id) {
        KeyQueryMetadata meta;
        try {
            meta = streams.queryMetadataForKey(ControllerTopology.STORE, id, Serdes.String().serializer());
        } catch (IllegalStateException e) {
            return Future.failedFuture(new NotReadyException("the controller is not running yet: " + e.getMessage()));
        }
        if (meta == null || meta.equals(KeyQueryMetadata.NOT_AVAILABLE)) {
            return Future.failedFuture(new NotReadyException("no instance owns experiment '" + id + "' right now"));
        }
        if (meta.activeHost().equals(self)) {
            return vertx.executeBlocking(() -> local(id).map(Snapshot::attached), false);
        }
        return remote(meta.activeHost(), INTERNAL_STATE + encode(id)).map(b -> b == null ? Optional.<ExperimentState>empty()
                : Optional.of(JsonCodec.readStoredState(b, Snapshot.class).attached()));
    }

    /** An experiment's spec, header and trial table in one value, as instances pass it to each other. */
    record Snapshot(ExperimentSpec spec, ExperimentState state, List<TrialRecord> trials) {
        ExperimentState attached() {
            return state.attach(spec, new TrialTable.InMemory(trials), new StrategyLog.InMemory());
        }
    }

    /** Summaries of every experiment of every instance. */
    Future<List<ExperimentViews.Summary>> all() {
        List<Future<List<ExperimentViews.Summary>>> parts = new ArrayList<>();
        for (StreamsMetadata m : streams.metadataForAllStreamsClients()) {
            if (m.hostInfo().equals(self)) {
                parts.add(vertx.executeBlocking(this::localSummaries, false));
            } else {
                parts.add(remote(m.hostInfo(), INTERNAL_SUMMARIES).map(b -> b == null ? List.of()
                        : List.of(JsonCodec.readStoredState(b, ExperimentViews.Summary[].class))));
            }
        }
        if (parts.isEmpty()) {
            parts.add(vertx.executeBlocking(this::localSummaries, false));
        }
        return Future.all(parts).map(cf -> {
            List<ExperimentViews.Summary> all = new ArrayList<>();
            for (int i = 0; i < cf.size(); i++) {
                all.addAll(cf.resultAt(i));
            }
            all.sort(java.util.Comparator.comparing(ExperimentViews.Summary::id));
            return all;
        });
    }

    /** An experiment this instance owns, with its trials (blocking). */
    Optional<Snapshot> local(String id) {
        try {
            byte[] raw = store(ControllerTopology.STORE).get(id);
            return raw == null ? Optional.empty() : Optional.of(snapshot(id, raw));
        } catch (InvalidStateStoreException e) {
            throw notReady(e);
        }
    }

    private Snapshot snapshot(String id, byte[] header) {
        List<TrialRecord> trials = TrialTable.scan(store(ControllerTopology.TRIAL_STORE), id);
        return new Snapshot(spec(id), JsonCodec.readStoredState(header, ExperimentState.class), trials);
    }

    /** Summaries of the experiments this instance owns (blocking). */
    List<ExperimentViews.Summary> localSummaries() {
        List<ExperimentViews.Summary> out = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> it = store(ControllerTopology.STORE).all()) {
            // a summary needs only the header (counts, best, Pareto front), not the trial table
            it.forEachRemaining(kv -> {
                ExperimentState state = JsonCodec.readStoredState(kv.value, ExperimentState.class);
                state.spec = spec(kv.key);
                out.add(ExperimentViews.summary(state));
            });
        } catch (InvalidStateStoreException e) {
            throw notReady(e);
        }
        return out;
    }

    private ExperimentSpec spec(String id) {
        return ExperimentState.storedSpec(id, store(ControllerTopology.SPEC_STORE).get(id));
    }

    private ReadOnlyKeyValueStore<String, byte[]> store(String name) {
        try {
            return streams.store(StoreQueryParameters.fromNameAndType(name, QueryableStoreTypes.keyValueStore()));
        } catch (InvalidStateStoreException e) {
            throw notReady(e);
        }
    }

    private NotReadyException notReady(InvalidStateStoreException e) {
        return new NotReadyException("the experiment store is not queryable now (" + streams.state() + "): " + e.getMessage());
    }

    /** GET on another instance; null on 404. */
    private Future<byte[]> remote(HostInfo host, String path) {
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.GET).setHost(host.host()).setPort(host.port())
                .setURI(path).setTimeout(10_000);
        return http.request(options).compose(req -> req.send()).compose(resp -> resp.body().map(body -> {
            if (resp.statusCode() == 404) {
                return null;
            }
            if (resp.statusCode() == 503) {
                throw new NotReadyException("instance " + host + " is not ready: " + body);
            }
            if (resp.statusCode() != 200) {
                throw new IllegalStateException("instance " + host + " answered " + resp.statusCode() + " for " + path + ": " + body);
            }
            return body.getBytes();
        }));
    }

    private static String encode(String id) {
        return java.net.URLEncoder.encode(id, java.nio.charset.StandardCharsets.UTF_8);
    }
}
