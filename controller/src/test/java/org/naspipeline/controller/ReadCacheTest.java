package org.naspipeline.controller;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The reads' snapshot cache: shared loads, invalidation by a record, expiry, a bound, failures not kept. */
class ReadCacheTest {
    final AtomicLong now = new AtomicLong();
    final ReadCache cache = new ReadCache(now::get);
    final AtomicInteger loads = new AtomicInteger();

    Future<Optional<ExperimentState>> load() {
        loads.incrementAndGet();
        return Future.succeededFuture(Optional.of(new ExperimentState()));
    }

    @Test
    void concurrentReadsShareOneLoadUntilARecordOfTheExperimentIsSeen() {
        Promise<Optional<ExperimentState>> slow = Promise.promise();
        Future<Optional<ExperimentState>> first = cache.get("e", () -> {
            loads.incrementAndGet();
            return slow.future();
        });
        assertThat(cache.get("e", this::load)).as("joins the load in progress").isSameAs(first);
        slow.complete(Optional.empty());
        assertThat(cache.get("e", this::load)).isSameAs(first);
        assertThat(loads).hasValue(1);
        cache.invalidate("other");
        assertThat(cache.get("e", this::load)).isSameAs(first);
        cache.invalidate("e");
        assertThat(cache.get("e", this::load)).isNotSameAs(first);
        assertThat(loads).hasValue(2);
    }

    @Test
    void aLoadInvalidatedWhileInProgressIsNotKept() {
        Promise<Optional<ExperimentState>> slow = Promise.promise();
        Future<Optional<ExperimentState>> stale = cache.get("e", () -> slow.future());
        cache.invalidate("e");
        slow.complete(Optional.of(new ExperimentState()));
        assertThat(cache.get("e", this::load)).isNotSameAs(stale);
        assertThat(loads).hasValue(1);
    }

    @Test
    void entriesExpireAreBoundedAndFailuresAreNotKept() {
        Future<Optional<ExperimentState>> a = cache.get("a", this::load);
        now.addAndGet(ReadCache.TTL_NANOS + 1);
        assertThat(cache.get("a", this::load)).isNotSameAs(a);
        cache.get("b", this::load);
        cache.get("c", this::load);
        assertThat(cache.size()).isEqualTo(ReadCache.MAX_ENTRIES);
        now.addAndGet(ReadCache.TTL_NANOS + 1);
        cache.purge();
        assertThat(cache.size()).isZero();
        Future<Optional<ExperimentState>> failed = cache.get("f", () -> Future.failedFuture(new ExperimentQueries.NotReadyException("rebalancing")));
        assertThat(failed.failed()).isTrue();
        assertThat(cache.get("f", this::load).succeeded()).as("a failure is not served again").isTrue();
    }
}
