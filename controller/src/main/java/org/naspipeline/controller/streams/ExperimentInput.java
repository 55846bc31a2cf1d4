package org.naspipeline.controller.streams;

import com.fasterxml.jackson.databind.JsonNode;
import org.naspipeline.api.ExperimentCommand;
import org.naspipeline.api.ExperimentSpec;
import org.naspipeline.api.InvalidInputException;
import org.naspipeline.api.JsonCodec;

/**
 * A record of {@code nas.experiments}, read once: a command (a JSON object with a {@code command} field) or a
 * submission, each either bound ({@link #command()}, {@link #spec()}) or with the path-precise errors that refuse it
 * ({@link #error()}). The value is parsed to a tree once and the tree is bound as a command or a spec, with the
 * same checks as {@link JsonCodec#readCommand(byte[])} and {@link JsonCodec#readSpec(byte[])}. Only a value that
 * cannot be parsed is looked at again, leniently, to tell a command (e.g. one over the size limit) from a submission.
 */
record ExperimentInput(boolean isCommand, ExperimentCommand command, ExperimentSpec spec, InvalidInputException error) {
    /** Reads a non-null value; never throws for bad input (a checker that throws on a bug still does). */
    static ExperimentInput read(byte[] value) {
        JsonNode tree;
        try {
            tree = JsonCodec.readInputTree(value);
        } catch (InvalidInputException e) {
            return new ExperimentInput(ExperimentProcessor.isCommand(value), null, null, e);
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
