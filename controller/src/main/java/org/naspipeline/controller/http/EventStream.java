package org.naspipeline.controller.http;

import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.HttpServerResponse;

/**
 * One Server-Sent Events response: the records {@link LiveEvents} publishes for an experiment, as {@code event:
 * experiment} or {@code event: trial} with the record's JSON as {@code data}, and a comment every
 * {@value #KEEP_ALIVE_MILLIS} ms so proxies keep the connection. When the client stops reading and the write queue
 * fills, the stream ends rather than buffering without bound; the browser reconnects and the page reads afresh.
 */
public final class EventStream {
    /** How often an idle stream sends a comment. */
    static final long KEEP_ALIVE_MILLIS = 15_000;
    /** How long the browser waits before reconnecting. */
    static final int RETRY_MILLIS = 2_000;

    private EventStream() {}

    static void open(Vertx vertx, HttpServerResponse response, String experimentId) {
        open(vertx, response, java.util.List.of(experimentId));
    }

    /** One stream of the records of every experiment in {@code experimentIds}. */
    static void open(Vertx vertx, HttpServerResponse response, java.util.List<String> experimentIds) {
        response.setChunked(true).setStatusCode(200)
                .putHeader("Content-Type", "text/event-stream; charset=utf-8")
                .putHeader("Cache-Control", "no-store")
                .putHeader("X-Accel-Buffering", "no");
        response.write("retry: " + RETRY_MILLIS + "\n: live events of " + experimentIds.size() + " experiment(s)\n\n");
        java.util.List<MessageConsumer<String>> consumers = new java.util.ArrayList<>();
        long timer = vertx.setPeriodic(KEEP_ALIVE_MILLIS, t -> {
            if (!response.closed() && !response.ended()) {
                response.write(": keep-alive\n\n");
            }
        });
        io.vertx.core.Handler<io.vertx.core.eventbus.Message<String>> handler = message -> {
            if (response.closed() || response.ended()) {
                return;
            }
            if (response.writeQueueFull()) {
                response.end();
                return;
            }
            String body = message.body();
            String kind = "trial".equals(message.headers().get(LiveEvents.KIND)) ? "trial" : "experiment";
            response.write("event: " + kind + "\ndata: " + body + "\n\n");
        };
        for (String id : experimentIds) {
            consumers.add(vertx.eventBus().consumer(LiveEvents.address(id), handler));
        }
        Runnable close = () -> {
            consumers.forEach(MessageConsumer::unregister);
            vertx.cancelTimer(timer);
        };
        response.closeHandler(v -> close.run());
        response.endHandler(v -> close.run());
    }
}
