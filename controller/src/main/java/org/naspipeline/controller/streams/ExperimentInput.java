package org.naspipeline.controller.streams;

import com.fasterxml.jackson.databind.JsonNode;
import org.naspipeline.api.ExperimentCommand;
import org.naspipeline.api.ExperimentSpec;
import org.naspipeline.api.InvalidInputException;
import org.naspipeline.api.JsonCodec;

/**
 * A record of {@code nas.experiments}, read once: a command (a JSON object with a {@code command} field), the
 * controller's own record (an {@code internal} field: a warm-start request or answer, bound by its reader) or a
 * submission, each either bound ({@link #command()}, {@link #spec()}) or with the path-precise errors that refuse it
 * ({@link #error()}). The value is parsed to a tree once and the tree is bound as a command or a spec, with the
 * same checks as {@link JsonCodec#readCommand(byte[])} and {@link JsonCodec#readSpec(byte[])}. Only a value that
 * cannot be parsed is looked at again, leniently, to tell a command (e.g. one over the size limit) from a submission.
 */
record ExperimentInput(boolean isCommand, ExperimentCommand command, ExperimentSpec spec, InvalidInputException error,
                       String internal) {
    /** The top-level field that marks a controller's own record (a warm-start request or answer) and names its kind. */
    static final String INTERNAL = "internal";

    ExperimentInput(boolean isCommand, ExperimentCommand command, ExperimentSpec spec, InvalidInputException error) {
        this(isCommand, command, spec, error, null);
    }

    /** Whether the record is one of the controller's own ({@link #internal()} names its kind, "" when not a string). */
    boolean isInternal() {
        return internal != null;
    }

    /** Reads a non-null value; never throws for bad input (a checker that throws on a bug still does). */
    static ExperimentInput read(byte[] value) {
        JsonNode tree;
        try {
            tree = JsonCodec.readInputTree(value);
        } catch (InvalidInputException e) {
            return ExperimentProcessor.isInternal(value) ? new ExperimentInput(false, null, null, e, "")
                    : new ExperimentInput(ExperimentProcessor.isCommand(value), null, null, e);
        }
        if (tree.isObject() && tree.has(INTERNAL)) {
            return new ExperimentInput(false, null, null, null, tree.get(INTERNAL).isTextual() ? tree.get(INTERNAL).textValue() : "");
        }
        boolean isCommand = tree.isObject() && tree.has("command");
        try {
            return isCommand ? new ExperimentInput(true, JsonCodec.readCommand(tree), null, null)
                    : new ExperimentInput(false, null, JsonCodec.readSpec(tree), null);
        } catch (InvalidInputException e) {
            return new ExperimentInput(isCommand, null, null, e);
        }
    }
}
