package org.naspipeline.controller.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.naspipeline.api.ExperimentSpec;
import org.naspipeline.api.JsonCodec;
import org.naspipeline.api.TrialMetrics;
import org.naspipeline.api.TrialRequest;
import org.naspipeline.api.TrialResult;
import org.naspipeline.controller.SyntheticTrials;
import org.naspipeline.controller.logic.Effects;
import org.naspipeline.controller.logic.ExperimentLogic;
import org.naspipeline.controller.logic.ExperimentState;
import org.naspipeline.controller.logic.StrategyLog;
import org.naspipeline.controller.logic.TrialTable;
import org.naspipeline.strategy.StrategyRegistry;

/** The trial view's deployable files: joined to the attempt's URI with one slash, only for a completed attempt with them. */
class TrialDetailTest {
    static final int V = ExperimentSpec.SCHEMA_VERSION;

    static TrialMetrics withInference(TrialMetrics.Inference inference) {
        return SyntheticTrials.withInference(SyntheticTrials.metrics("t"), inference);
    }

    @Test
    void aCompletedAttemptLinksItsFilesUnderItsArtifactUriWithOneSlash() throws Exception {
        ExperimentSpec example = JsonCodec.readSpec(Files.readAllBytes(Path.of("..", "examples", "multi-objective.json"))).withId("links");
        ExperimentSpec spec = example.with(example.strategy(), new org.naspipeline.api.BudgetSpec(10, 5, 1));
        ExperimentLogic logic = new ExperimentLogic(StrategyRegistry.load());
        Effects started = new Effects();
        ExperimentState state = logic.start(spec, new TrialTable.InMemory(), new StrategyLog.InMemory(), 1_000, "test", started);
        List<TrialRequest> r = started.requests;
        assertThat(r).hasSize(5);
        TrialMetrics.Inference onnx = new TrialMetrics.Inference("onnxruntime 1.29.0", "model.int8.onnx",
                List.of("QGemm", "QLinearConv"), List.of("model.onnx", "model.int8.onnx"), 0.91);
        logic.apply(state, new TrialResult.Completed(V, "links", r.get(0).trialId(), 1, "w", withInference(onnx),
                "file:///var/nas/links/t0/attempt-1/"), 2_000, new Effects());
        logic.apply(state, new TrialResult.Completed(V, "links", r.get(1).trialId(), 1, "w", withInference(onnx),
                "s3://models/runs/links/t1/attempt-1"), 2_000, new Effects());
        logic.apply(state, new TrialResult.Completed(V, "links", r.get(2).trialId(), 1, "w", withInference(null),
                "s3://models/runs/links/t2/attempt-1"), 2_000, new Effects());
        logic.apply(state, new TrialResult.Failed(V, "links", r.get(3).trialId(), 1, "w", "broke", false), 2_000, new Effects());

        TrialDetail file = TrialDetail.of(state, r.get(0).trialId()).orElseThrow();
        assertThat(file.files()).containsExactly(
                new TrialDetail.FileLink("model.onnx", "file:///var/nas/links/t0/attempt-1/model.onnx"),
                new TrialDetail.FileLink("model.int8.onnx", "file:///var/nas/links/t0/attempt-1/model.int8.onnx"));
        assertThat(file.inference()).isEqualTo(onnx);
        assertThat(TrialDetail.of(state, r.get(1).trialId()).orElseThrow().files()).extracting(TrialDetail.FileLink::uri)
                .containsExactly("s3://models/runs/links/t1/attempt-1/model.onnx", "s3://models/runs/links/t1/attempt-1/model.int8.onnx");

        TrialDetail older = TrialDetail.of(state, r.get(2).trialId()).orElseThrow();
        assertThat(older.inference()).as("a worker older than the field").isNull();
        assertThat(older.files()).isEmpty();
        TrialDetail failed = TrialDetail.of(state, r.get(3).trialId()).orElseThrow();
        assertThat(failed.inference()).isNull();
        assertThat(failed.files()).isEmpty();
        TrialDetail running = TrialDetail.of(state, r.get(4).trialId()).orElseThrow();
        assertThat(running.files()).isEmpty();

        // the JSON the API answers: the files beside the row, inference as the worker reported it
        JsonNode json = JsonCodec.readTree(JsonCodec.write(file));
        assertThat(json.path("files").get(1).path("name").asText()).isEqualTo("model.int8.onnx");
        assertThat(json.path("files").get(1).path("uri").asText()).isEqualTo("file:///var/nas/links/t0/attempt-1/model.int8.onnx");
        assertThat(json.path("inference")).isEqualTo(json.path("row").path("trial").path("metrics").path("inference"));
        assertThat(json.path("inference").path("kernels").toString()).isEqualTo("[\"QGemm\",\"QLinearConv\"]");
        assertThat(JsonCodec.readTree(JsonCodec.write(failed)).path("files").isArray()).isTrue();
    }

    @Test
    void noUriOrNoInferenceGivesNoLinks() {
        TrialMetrics.Inference onnx = new TrialMetrics.Inference("onnxruntime 1.29.0", "model.onnx", List.of(), List.of("model.onnx"), null);
        assertThat(TrialDetail.links(null, onnx)).isEmpty();
        assertThat(TrialDetail.links("s3://b/a", null)).isEmpty();
        assertThat(TrialDetail.links("s3://b/a", new TrialMetrics.Inference("djl", "model", List.of(), List.of(), null))).isEmpty();
    }
}
