package org.naspipeline.controller.http;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.naspipeline.api.ExperimentSpec;
import org.naspipeline.api.JsonCodec;
import org.naspipeline.controller.logic.ExperimentState;
import org.naspipeline.controller.logic.ExperimentViews;
import org.naspipeline.controller.logic.StrategyLog;
import org.naspipeline.controller.logic.TrialRecord;
import org.naspipeline.controller.logic.TrialTable;
import org.naspipeline.controller.streams.ControllerTopology;
import org.naspipeline.controller.streams.StoredTrialTable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads experiments wherever they live: from this instance's state store when it owns the key, otherwise from the
 * owning instance over HTTP (Streams' key metadata names it, {@code application.server} advertises it), with the
 * internal secret in {@link #SECRET_HEADER}. {@link NotReadyException} means no answer can be given now (Streams
 * not started or rebalancing, a store restoring, an owner without a usable address or unreachable): retry shortly.
 */
public final class ExperimentQueries {
    private static final Logger LOG = LoggerFactory.getLogger(ExperimentQueries.class);
    /** Internal paths the instances answer each other on. */
    static final String INTERNAL_STATE = "/internal/v1/experiments/";
    static final String INTERNAL_SUMMARIES = "/internal/v1/summaries";
    /** The header carrying {@code NAS_INTERNAL_SECRET} on instance-to-instance requests. */
    public static final String SECRET_HEADER = "X-Nas-Internal-Secret";
    /** How long a forwarded read may take before it counts as unreachable. */
    static final int REMOTE_TIMEOUT_MILLIS = 5_000;

    /** The store cannot answer now. */
    static final class NotReadyException extends RuntimeException {
        NotReadyException(String message) {
            super(message);
        }
    }

    private final Vertx vertx;
    private final KafkaStreams streams;
    private final HostInfo self;
    private final String secret;
    private final HttpClient http;

    /** Queries for {@code streams}, advertised as {@code self}, sending {@code secret} (null: none) to the others. */
    public ExperimentQueries(Vertx vertx, KafkaStreams streams, HostInfo self, String secret) {
        this.vertx = vertx;
        this.streams = streams;
        this.self = self;
        this.secret = secret;
        this.http = vertx.createHttpClient();
    }

    /** Closes the client that asks the other instances. */
    public Future<Void> close() {
        return http.close();
    }

    /** The experiment's state, from whichever instance owns it; empty when no instance has it. */
    public Future<Optional<ExperimentState>> find(String id) {
        KeyQueryMetadata meta;
        try {
            meta = streams.queryMetadataForKey(ControllerTopology.STORE, id, Serdes.String().serializer());
        } catch (IllegalStateException | InvalidStateStoreException e) {
            // not started yet (CREATED), or stopping
            return Future.failedFuture(new NotReadyException("the controller is not running yet (" + streams.state() + ")"));
        }
        if (meta == null || meta.equals(KeyQueryMetadata.NOT_AVAILABLE)) {
            return Future.failedFuture(new NotReadyException("no instance owns experiment '" + id + "' right now"));
        }
        if (!usable(meta.activeHost())) {
            return Future.failedFuture(new NotReadyException("the instance that owns experiment '" + id + "' has no usable address ("
                    + address(meta.activeHost()) + "): the group is rebalancing, or that instance runs without HTTP"));
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

    /**
     * Summaries of every experiment of every instance; fails with {@link NotReadyException} unless the owner of
     * every partition of the experiment store is known, has a usable address and answered, so a caller never takes a
     * partial list for the whole.
     */
    Future<List<ExperimentViews.Summary>> all() {
        Set<HostInfo> owners;
        try {
            owners = ownersOfEveryPartition();
        } catch (IllegalStateException | InvalidStateStoreException e) {
            return Future.failedFuture(new NotReadyException("the controller is not running yet (" + streams.state() + ")"));
        } catch (NotReadyException e) {
            return Future.failedFuture(e);
        }
        List<HostInfo> members = new ArrayList<>(owners);
        List<Future<List<ExperimentViews.Summary>>> parts = new ArrayList<>();
        for (HostInfo m : members) {
            if (m.equals(self)) {
                parts.add(vertx.executeBlocking(this::localSummaries, false));
            } else {
                parts.add(remote(m, INTERNAL_SUMMARIES).map(b -> b == null ? List.of()
                        : List.of(JsonCodec.readStoredState(b, ExperimentViews.Summary[].class))));
            }
        }
        return Future.all(parts).map(cf -> {
            // by id: while a partition moves, its old and new owner may both still list it
            java.util.TreeMap<String, ExperimentViews.Summary> all = new java.util.TreeMap<>();
            for (int i = 0; i < cf.size(); i++) {
                for (ExperimentViews.Summary summary : cf.<List<ExperimentViews.Summary>>resultAt(i)) {
                    all.putIfAbsent(summary.id(), summary);
                }
            }
            return List.copyOf(all.values());
        });
    }

    /**
     * The active owner of each partition of the experiment store, asked of Streams' metadata one partition at a time
     * (a partitioner that names the partition; Streams tells it how many there are).
     */
    private Set<HostInfo> ownersOfEveryPartition() {
        if (!streams.state().isRunningOrRebalancing()) {
            throw new NotReadyException("the controller is not running yet (" + streams.state() + ")");
        }
        int[] count = {1};
        Set<HostInfo> owners = new LinkedHashSet<>();
        for (int p = 0; p < count[0]; p++) {
            int partition = p;
            KeyQueryMetadata meta = streams.queryMetadataForKey(ControllerTopology.STORE, "", (topic, key, value, n) -> {
                count[0] = n;
                return Optional.of(Set.of(partition));
            });
            if (meta == null || meta.equals(KeyQueryMetadata.NOT_AVAILABLE)) {
                throw new NotReadyException("the instances' assignment is not known yet (" + streams.state() + ")");
            }
            if (!usable(meta.activeHost())) {
                throw new NotReadyException("partition " + partition + " of the experiments has no owner with a usable address ("
                        + address(meta.activeHost()) + "): the group is rebalancing, or an instance runs without HTTP");
            }
            owners.add(meta.activeHost());
        }
        return owners;
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
        List<TrialRecord> trials = StoredTrialTable.scan(store(ControllerTopology.TRIAL_STORE), id);
        return new Snapshot(spec(id), JsonCodec.readStoredState(header, ExperimentState.class), trials);
    }

    /** Summaries of the experiments this instance owns (blocking). */
    public List<ExperimentViews.Summary> localSummaries() {
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

    /** Whether another instance can be asked at {@code host}: Streams reports {@code unavailable:-1} for a member without one. */
    static boolean usable(HostInfo host) {
        return host != null && host.port() > 0 && host.port() <= 65_535 && host.host() != null && !host.host().isBlank()
                && !host.equals(HostInfo.unavailable());
    }

    /**
     * GET on another instance; null on 404. Any failure (refused, timed out, not ready, refused our secret, any
     * other answer) is a {@link NotReadyException}: the data exists, this instance just cannot reach it now.
     */
    private Future<byte[]> remote(HostInfo host, String path) {
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.GET).setHost(host.host()).setPort(host.port())
                .setURI(path).setTimeout(REMOTE_TIMEOUT_MILLIS);
        if (secret != null) {
            options.putHeader(SECRET_HEADER, secret);
        }
        Future<byte[]> answer = http.request(options).compose(req -> req.send()).compose(resp -> resp.body().map(body -> {
            if (resp.statusCode() == 404) {
                return null;
            }
            if (resp.statusCode() == 200) {
                return body.getBytes();
            }
            if (resp.statusCode() == 401 || resp.statusCode() == 403) {
                LOG.warn("instance {} refused an internal request ({}): NAS_INTERNAL_SECRET (or NAS_API_TOKEN) must be the same on "
                        + "every instance", address(host), resp.statusCode());
                throw new NotReadyException("instance " + address(host) + " refused this instance's internal request: the instances' "
                        + "NAS_INTERNAL_SECRET (or NAS_API_TOKEN) differ");
            }
            throw new NotReadyException("instance " + address(host) + " cannot answer now (" + resp.statusCode() + ")");
        }));
        return answer.recover(e -> {
            if (e instanceof NotReadyException) {
                return Future.failedFuture(e);
            }
            LOG.debug("GET {} on instance {} failed", path, address(host), e);
            return Future.failedFuture(new NotReadyException("instance " + address(host) + " cannot be reached: "
                    + (e.getMessage() == null ? "no answer" : e.getMessage())));
        });
    }

    /** {@code host:port}, as the operator configured it. */
    static String address(HostInfo host) {
        return host == null ? "unknown" : host.host() + ":" + host.port();
    }

    private static String encode(String id) {
        return java.net.URLEncoder.encode(id, java.nio.charset.StandardCharsets.UTF_8);
    }
}
