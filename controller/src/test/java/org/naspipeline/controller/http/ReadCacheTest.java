package org.naspipeline.controller.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.naspipeline.controller.logic.ExperimentState;

/** Shared loads: concurrent reads share one, later reads load afresh, a record of the experiment ends the sharing. */
class ReadCacheTest {
    final ReadCache cache = new ReadCache();
    final AtomicInteger loads = new AtomicInteger();
    Promise<Optional<ExperimentState>> pending;

    Future<Optional<ExperimentState>> load() {
        loads.incrementAndGet();
        pending = Promise.promise();
        return pending.future();
    }

    @Test
    void readsDuringALoadShareItAndReadsAfterItLoadAfresh() {
        Future<Optional<ExperimentState>> first = cache.get("e", this::load);
        assertThat(cache.get("e", this::load)).as("joins the load in progress").isSameAs(first);
        assertThat(cache.get("other", this::load)).isNotSameAs(first);
        assertThat(loads).hasValue(2);
        Promise<Optional<ExperimentState>> other = pending;
        cache.get("e", this::load); // still the first load
        assertThat(loads).hasValue(2);
        other.complete(Optional.empty());
        assertThat(cache.size()).isEqualTo(1);
        Future<Optional<ExperimentState>> second = cache.get("other", this::load);
        assertThat(loads).as("a completed load is not kept").hasValue(3);
        pending.fail(new ExperimentQueries.NotReadyException("rebalancing"));
        assertThat(second.failed()).isTrue();
        assertThat(cache.get("other", this::load)).as("nor a failed one").isNotSameAs(second);
        assertThat(loads).hasValue(4);
    }

    @Test
    void aRecordOfTheExperimentEndsTheSharingOfALoadInProgress() {
        Future<Optional<ExperimentState>> before = cache.get("e", this::load);
        Promise<Optional<ExperimentState>> stale = pending;
        cache.invalidate("e");
        Future<Optional<ExperimentState>> after = cache.get("e", this::load);
        assertThat(after).isNotSameAs(before);
        stale.complete(Optional.empty());
        assertThat(cache.get("e", this::load)).as("the stale load's end leaves the new one shared").isSameAs(after);
        assertThat(loads).hasValue(2);
    }

    @Test
    void anAnswerAlreadyThereIsNotShared() {
        Future<Optional<ExperimentState>> done = cache.get("e", () -> Future.succeededFuture(Optional.empty()));
        assertThat(done.succeeded()).isTrue();
        assertThat(cache.size()).isZero();
    }
}
