package org.naspipeline.controller.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;
import org.naspipeline.api.ExperimentSpec;
import org.naspipeline.api.JsonCodec;
import org.naspipeline.api.TrialMetrics;
import org.naspipeline.api.TrialRequest;
import org.naspipeline.api.TrialResult;
import org.naspipeline.controller.logic.Effects;
import org.naspipeline.controller.logic.ExperimentLogic;
import org.naspipeline.controller.logic.ExperimentState;
import org.naspipeline.controller.logic.ExperimentViews;
import org.naspipeline.controller.logic.StrategyLog;
import org.naspipeline.controller.logic.TrialRecord;
import org.naspipeline.controller.logic.TrialTable;
import org.naspipeline.strategy.StrategyRegistry;

/** The trials' CSV: header, one row per trial matching the JSON rows, RFC 4180 quoting of hostile text. */
public class TrialCsvTest {
    static final int V = ExperimentSpec.SCHEMA_VERSION;

    /** A multi-objective experiment with one trial completed, one failed for good and the rest in flight. */
    static ExperimentState experiment(String workerId, String reason) throws Exception {
        ExperimentSpec spec = JsonCodec.readSpec(Files.readAllBytes(Path.of("..", "examples", "multi-objective.json")))
                .withId("csv");
        ExperimentLogic logic = new ExperimentLogic(StrategyRegistry.load());
        Effects started = new Effects();
        ExperimentState state = logic.start(spec, new TrialTable.InMemory(), new StrategyLog.InMemory(), 1_000, "test", started);
        List<TrialRequest> requests = started.requests;
        assertThat(requests).hasSize(2);
        TrialMetrics m = new TrialMetrics(0.875, 0.86, 0.31, 1.25, 2.5, 0.04, 32, 9.5, 11.0, 52_000, 40_000, 1_200_000,
                210_000, null, 12.5, 640.0, 8000, 1000, 2000, "cpu", 2);
        logic.apply(state, new TrialResult.Completed(V, "csv", requests.get(0).trialId(), 1, workerId, m, "file:///a,b/\"c\""),
                4_500, new Effects());
        TrialRequest second = requests.get(1);
        logic.apply(state, new TrialResult.Failed(V, "csv", second.trialId(), second.attempt(), "w2", reason, false), 7_000,
                new Effects());
        return state;
    }

    @Test
    void everyTrialIsOneRowUnderAHeaderWithTheJsonRowsValues() throws Exception {
        String hostileWorker = "worker \"one\", rack 3";
        String hostileReason = "out of memory,\r\nat layer \"conv2\"\nthen =SUM(A1)";
        ExperimentState state = experiment(hostileWorker, hostileReason);
        List<ExperimentViews.TrialRow> json = ExperimentViews.trials(state);
        List<List<String>> csv = parse(TrialCsv.of(state));

        List<String> header = csv.get(0);
        assertThat(header).startsWith("trialId", "status", "attempt", "workerId", "architecture", "compression", "param.learningRate")
                .endsWith("durationSeconds", "artifactUri", "reason").doesNotHaveDuplicates();
        assertThat(csv).hasSize(json.size() + 1).allSatisfy(row -> assertThat(row).hasSameSizeAs(header));
        for (int i = 0; i < json.size(); i++) {
            ExperimentViews.TrialRow t = json.get(i);
            List<String> row = csv.get(i + 1);
            assertThat(row.get(header.indexOf("trialId"))).isEqualTo(t.trialId());
            assertThat(row.get(header.indexOf("status"))).isEqualTo(JsonCodec.readTree(JsonCodec.write(t.status())).asText());
            assertThat(row.get(header.indexOf("architecture"))).isEqualTo(t.candidate().architecture().summary());
            assertThat(row.get(header.indexOf("param.learningRate")))
                    .isEqualTo(String.valueOf(t.candidate().parameters().get("learningRate")));
        }
        List<String> done = csv.get(1);
        assertThat(done.get(header.indexOf("status"))).isEqualTo("completed");
        assertThat(done.get(header.indexOf("workerId"))).isEqualTo(hostileWorker);
        assertThat(done.get(header.indexOf("accuracy"))).isEqualTo("0.875");
        assertThat(done.get(header.indexOf("params"))).isEqualTo("52000");
        assertThat(done.get(header.indexOf("peakMemoryBytes"))).isEmpty();
        assertThat(done.get(header.indexOf("feasible"))).isEqualTo("true");
        assertThat(done.get(header.indexOf("onParetoFront"))).isEqualTo("true");
        assertThat(done.get(header.indexOf("durationSeconds"))).isEqualTo("3.5");
        assertThat(done.get(header.indexOf("artifactUri"))).isEqualTo("file:///a,b/\"c\"");
        assertThat(done.get(header.indexOf("reason"))).isEmpty();
        List<String> failed = csv.get(2);
        assertThat(failed.get(header.indexOf("status"))).isEqualTo("failed");
        assertThat(failed.get(header.indexOf("reason"))).isEqualTo(hostileReason);
        assertThat(failed.get(header.indexOf("accuracy"))).isEmpty();
        assertThat(failed.get(header.indexOf("durationSeconds"))).isEqualTo("6");
        for (List<String> running : csv.subList(3, csv.size())) {
            assertThat(running.get(header.indexOf("status"))).isEqualTo("scheduled");
            assertThat(running.get(header.indexOf("durationSeconds"))).as("not ended").isEmpty();
        }
    }

    @Test
    void anInfeasibleTrialIsMarkedAndOffTheFront() throws Exception {
        ExperimentState state = experiment("w", "r");
        TrialRecord next = state.trials.all().stream().filter(TrialRecord::inFlight).findFirst().orElseThrow();
        TrialMetrics tooBig = TrialMetrics.synthetic(0.99, 0.1, 5_000_000); // the spec caps sizeBytes at 2,000,000
        new ExperimentLogic(StrategyRegistry.load()).apply(state,
                new TrialResult.Completed(V, "csv", next.trialId, next.attempt, "w", tooBig, null), 9_000, new Effects());
        List<List<String>> csv = parse(TrialCsv.of(state));
        List<String> header = csv.get(0);
        List<String> row = csv.stream().filter(r -> r.get(0).equals(next.trialId)).findFirst().orElseThrow();
        assertThat(row.get(header.indexOf("feasible"))).isEqualTo("false");
        assertThat(row.get(header.indexOf("onParetoFront"))).isEqualTo("false");
        assertThat(row.get(header.indexOf("device"))).isEqualTo("synthetic");
    }

    @Property(tries = 300)
    void anyTextReadsBackAsItWasWritten(@ForAll String text) {
        StringBuilder out = new StringBuilder();
        TrialCsv.field(out, text);
        out.append(',');
        TrialCsv.field(out, "next");
        out.append("\r\n");
        assertThat(parse(out.toString())).containsExactly(List.of(text, "next"));
    }

    @Test
    void aDownloadNameKeepsOnlySafeCharacters() {
        assertThat(ControllerApi.fileName("exp-1.a_b")).isEqualTo("exp-1.a_b");
        assertThat(ControllerApi.fileName("a\"b\r\nc/../d é")).isEqualTo("a_b__c_.._d__");
        assertThat(ControllerApi.fileName("x".repeat(500))).hasSize(100);
    }

    /** A strict RFC 4180 reader: CRLF records, quoted fields with doubled quotes. */
    public static List<List<String>> parse(String csv) {
        List<List<String>> rows = new ArrayList<>();
        List<String> row = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        int i = 0;
        while (i < csv.length()) {
            char c = csv.charAt(i);
            if (c == '"' && field.length() == 0) {
                i++;
                while (true) {
                    char q = csv.charAt(i);
                    if (q == '"' && i + 1 < csv.length() && csv.charAt(i + 1) == '"') {
                        field.append('"');
                        i += 2;
                    } else if (q == '"') {
                        i++;
                        break;
                    } else {
                        field.append(q);
                        i++;
                    }
                }
                char after = csv.charAt(i);
                assertThat(after).as("after a closing quote at " + i).isIn(',', '\r');
            } else if (c == ',') {
                row.add(field.toString());
                field.setLength(0);
                i++;
            } else if (c == '\r') {
                assertThat(csv.charAt(i + 1)).as("CR is followed by LF").isEqualTo('\n');
                row.add(field.toString());
                field.setLength(0);
                rows.add(row);
                row = new ArrayList<>();
                i += 2;
            } else {
                assertThat(c).as("a bare quote or line break outside quotes at " + i).isNotIn('"', '\n');
                field.append(c);
                i++;
            }
        }
        assertThat(row).as("the last record ends with CRLF").isEmpty();
        return rows;
    }
}
