package org.naspipeline.controller.streams;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.naspipeline.api.InvalidInputException;
import org.naspipeline.api.JsonCodec;
import org.naspipeline.api.RecordChecks;
import org.naspipeline.api.Topics;

/**
 * First step of the controller: keys every input record by the experiment it belongs to, whatever partition its
 * producer chose, so the repartition that follows brings it to the experiment's owner. Clients we did not write
 * (librdkafka-based ones hash keys with CRC32, not murmur2) need not agree with Java's default partitioner.
 *
 * <p>The key is the record key; a submission without key is keyed by its spec's {@code id}. A record that names no
 * experiment at all, or whose key is longer than any id, is keyed {@link #UNROUTABLE} and marked with the reason,
 * and the processor dead-letters it without its key.
 * The router also stamps where the record came from ({@link #INPUT}, {@link #SOURCE}); headers of those names
 * a client set are replaced, so only the router's count.
 */
public final class InputRouter implements Processor<String, byte[], String, byte[]> {
    /** Which input topic a routed record came from: {@link Topics#EXPERIMENTS} or {@link Topics#TRIAL_RESULTS}. */
    static final String INPUT = "nas.input";
    /** {@code topic-partition@offset} of the record as its producer wrote it. */
    static final String SOURCE = "nas.source";
    /** Why the record names no experiment (only on records keyed {@link #UNROUTABLE}). */
    static final String UNROUTABLE_REASON = "nas.unroutable";
    /** The key of records that name no experiment; they all meet on one partition, where they are dead-lettered. */
    static final String UNROUTABLE = "";

    private final String input;
    private ProcessorContext<String, byte[]> context;

    InputRouter(String input) {
        this.input = input;
    }

    @Override
    public void init(ProcessorContext<String, byte[]> context) {
        this.context = context;
    }

    @Override
    public void process(Record<String, byte[]> record) {
        Headers headers = record.headers();
        headers.remove(INPUT);
        headers.remove(SOURCE);
        headers.remove(UNROUTABLE_REASON);
        headers.add(INPUT, input.getBytes(StandardCharsets.UTF_8));
        RecordMetadata meta = context.recordMetadata().orElse(null);
        if (meta != null) {
            headers.add(SOURCE, (meta.topic() + "-" + meta.partition() + "@" + meta.offset()).getBytes(StandardCharsets.UTF_8));
        }
        Route route = record.key() != null && record.key().length() > RecordChecks.MAX_ID_LENGTH
                ? new Route(UNROUTABLE, "the record key of " + record.key().length() + " characters is longer than any id ("
                        + RecordChecks.MAX_ID_LENGTH + " at most); the key is not kept")
                : record.key() != null ? new Route(record.key(), null)
                : Topics.EXPERIMENTS.equals(input) ? routeUnkeyedSubmission(record.value())
                : new Route(UNROUTABLE, "the record has no key (reports are keyed by their experimentId)");
        if (route.problem() != null) {
            headers.add(UNROUTABLE_REASON, route.problem().getBytes(StandardCharsets.UTF_8));
        }
        context.forward(record.withKey(route.key()));
    }

    /** Where a record goes: the experiment id, or {@link #UNROUTABLE} with the problem. */
    private record Route(String key, String problem) {}

    /** A submission without key goes by its spec's id. */
    private static Route routeUnkeyedSubmission(byte[] value) {
        if (value == null) {
            return new Route(UNROUTABLE, "a tombstone without key");
        }
        JsonNode tree;
        try {
            tree = JsonCodec.readTree(value);
        } catch (InvalidInputException e) {
            return new Route(UNROUTABLE, "rejected experiment: the record has no key and its value is unreadable: " + e.getMessage());
        }
        if (tree != null && tree.isObject() && tree.has("internal")) {
            return new Route(UNROUTABLE, "a warm-start record needs the experiment id as its record key");
        }
        if (tree != null && tree.isObject() && tree.has("command")) {
            return new Route(UNROUTABLE, "a command needs the experiment id as its record key");
        }
        JsonNode id = tree == null || !tree.isObject() ? null : tree.get("id");
        if (id == null || !id.isTextual()) {
            return new Route(UNROUTABLE, "rejected experiment: id: is required when the record has no key");
        }
        return new Route(id.textValue(), null);
    }

    /** The value of header {@code name}, or null. */
    static String header(Headers headers, String name) {
        Header h = headers.lastHeader(name);
        return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
