package org.naspipeline.controller.streams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.naspipeline.api.ExperimentCommand;
import org.naspipeline.api.ExperimentSpec;
import org.naspipeline.api.InvalidInputException;
import org.naspipeline.api.JsonCodec;
import org.naspipeline.api.TrialRequest;

/**
 * A record of nas.experiments is parsed once and bound as a command or a spec, with exactly the errors the
 * byte readers give; bad input of every class yields errors, never an exception.
 */
class ExperimentInputTest {
    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aSpecIsBoundAsASubmission() throws Exception {
        byte[] value = ControllerTopologyTest.exampleSpec(4, 2);
        ExperimentInput in = ExperimentInput.read(value);
        assertThat(in.isCommand()).isFalse();
        assertThat(in.error()).isNull();
        assertThat(in.spec()).isEqualTo(JsonCodec.readSpec(value));
    }

    @Test
    void aRecordWithACommandFieldIsBoundAsACommand() {
        ExperimentInput in = ExperimentInput.read(JsonCodec.write(new ExperimentCommand(ExperimentSpec.SCHEMA_VERSION,
                ExperimentCommand.Type.PAUSE, "for the test")));
        assertThat(in.isCommand()).isTrue();
        assertThat(in.error()).isNull();
        assertThat(in.command().command()).isEqualTo(ExperimentCommand.Type.PAUSE);
        assertThat(in.command().reason()).isEqualTo("for the test");
    }

    @Test
    void badInputOfEveryClassGivesTheErrorsOfTheByteReaders() throws Exception {
        String spec = new String(ControllerTopologyTest.exampleSpec(4, 2), StandardCharsets.UTF_8);
        String[] submissions = {
            "{not json", "", "   ", "null", "[]", "42", "\"text\"", "{} {}", "{\"id\": \"a\", \"id\": \"b\"}",
            spec.replace("\"maxTrials\": 4", "\"maxTrials\": \"4\""), spec.replace("\"maxTrials\": 4", "\"maxTrials\": 0"),
            spec.replace("\"maxTrials\": 4", "\"maxTrials\": NaN"), spec.replace("\"budget\"", "\"budgett\""),
            "\u0000\u00ff\u0001garbage"};
        for (String s : submissions) {
            byte[] value = bytes(s);
            ExperimentInput in = ExperimentInput.read(value);
            InvalidInputException expected = catchThrowableOfType(InvalidInputException.class, () -> JsonCodec.readSpec(value));
            assertThat(in.isCommand()).as(s).isFalse();
            assertThat(in.spec()).as(s).isNull();
            assertThat(in.error()).as(s).isNotNull();
            assertThat(in.error().errors()).as(s).isEqualTo(expected.errors());
        }
        String[] commands = {"{\"command\": \"explode\"}", "{\"command\": null}", "{\"command\": 3}",
            "{\"command\": \"cancel\", \"reason\": \"" + "r".repeat(2000) + "\"}", "{\"command\": \"pause\", \"extra\": 1}"};
        for (String s : commands) {
            byte[] value = bytes(s);
            ExperimentInput in = ExperimentInput.read(value);
            InvalidInputException expected = catchThrowableOfType(InvalidInputException.class, () -> JsonCodec.readCommand(value));
            assertThat(in.isCommand()).as(s).isTrue();
            assertThat(in.command()).as(s).isNull();
            assertThat(in.error().errors()).as(s).isEqualTo(expected.errors());
        }
    }

    @Test
    void aCommandOverTheSizeLimitIsStillToldFromASubmission() {
        byte[] huge = bytes("{\"command\": \"cancel\", \"reason\": \"" + "r".repeat(1 << 20) + "\"}");
        ExperimentInput in = ExperimentInput.read(huge);
        assertThat(in.isCommand()).isTrue();
        assertThat(in.error().getMessage()).contains("exceeds the limit");
        ExperimentInput spec = ExperimentInput.read(bytes("{\"id\": \"" + "x".repeat(1 << 20) + "\"}"));
        assertThat(spec.isCommand()).isFalse();
        assertThat(spec.error().getMessage()).contains("exceeds the limit");
    }

    @Test
    void theSinksSerializerWritesTheCodecsJson() {
        TrialRequest request = new TrialRequest(1, "exp", "exp-t0001", 1, null, null, null, 7, 3);
        RecordSerializer<TrialRequest> serializer = new RecordSerializer<>();
        assertThat(serializer.serialize("nas.trials", request)).isEqualTo(JsonCodec.write(request));
        assertThat(serializer.serialize("nas.trials", null)).isNull();
    }
}
