package org.naspipeline.controller.logic;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.naspipeline.api.Candidate;
import org.naspipeline.api.ExperimentSpec;
import org.naspipeline.api.JsonCodec;
import org.naspipeline.api.TrialMetrics;
import org.naspipeline.api.TrialResult;
import org.naspipeline.api.ValidationError;
import org.naspipeline.strategy.space.SpaceEncoding;

/** The decisions of a warm start that do not need a topology: rungs, the cap, what a seed keeps, compatibility. */
class WarmStartTest {
    static ExperimentSpec spec(String extra) throws Exception {
        String json = Files.readString(Path.of("..", "examples", "fashion-mnist.json"))
                .replace("\"epochs\": 2", "\"epochs\": 9")
                .replace("\"training\"", extra + "\"training\"");
        return JsonCodec.readSpec(json.getBytes(StandardCharsets.UTF_8)).withId("next");
    }

    @Test
    void aSeedStandsForTheHighestRungItsEpochsReached() throws Exception {
        ExperimentSpec asha = spec("\"scheduler\": {\"type\": \"asha\", \"reductionFactor\": 3, \"minEpochs\": 1}, "); // rungs 1, 3, 9
        SpaceEncoding space = new SpaceEncoding(asha.searchSpace());
        assertThat(List.of(1, 2, 3, 8, 9, 20)).extracting(e -> WarmStart.rung(asha, seed(space, 1, e, 0.5, 0)))
                .containsExactly(0, 0, 1, 1, 2, 2);
        ExperimentSpec plain = spec("");
        assertThat(List.of(1, 9, 20)).extracting(e -> WarmStart.rung(plain, seed(space, 1, e, 0.5, 0))).containsExactly(0, 0, 0);
    }

    @Test
    void underRungsOfExamplesASeedStandsForTheExamplesItTrainedOn() throws Exception {
        // rungs at 1,000, 3,000, 9,000 examples; a seed of whole epochs trained on epochs × its trainSamples
        ExperimentSpec examples = spec("\"scheduler\": {\"type\": \"asha\", \"reductionFactor\": 3, \"resource\": "
                + "\"examples\", \"minExamples\": 1000, \"maxExamples\": 9000}, ");
        assertThat(examples.validate()).isEmpty();
        SpaceEncoding space = new SpaceEncoding(examples.searchSpace());
        // whole epochs of 2,000 examples
        assertThat(List.of(1, 2, 4, 5)).extracting(e -> WarmStart.rung(examples, seed(space, 1, e, 0.5, 0, TRAIN_SAMPLES)))
                .containsExactly(0, 1, 1, 2);
        List<Long> trained = List.of(999L, 1000L, 2999L, 3000L, 8999L, 9000L);
        assertThat(trained).extracting(n -> WarmStart.rung(examples, withExamples(seed(space, 1, 5, 0.5, 0, TRAIN_SAMPLES), n)))
                .containsExactly(0, 0, 0, 1, 1, 2);

        // a seed counted in examples meets rungs of epochs (1, 3, 9) with the whole epochs it trained: 2.5 epochs are 2
        ExperimentSpec epochs = spec("\"scheduler\": {\"type\": \"asha\", \"reductionFactor\": 3, \"minEpochs\": 1}, ");
        assertThat(List.of(5_000L, 6_000L, 18_000L))
                .extracting(n -> WarmStart.rung(epochs, withExamples(seed(space, 1, (int) (n / TRAIN_SAMPLES) + 1, 0.5, 0,
                        TRAIN_SAMPLES), n)))
                .containsExactly(0, 1, 2);
    }

    /** {@code seed} as trained on {@code examples} examples under rungs that counted them. */
    static WarmStartExchange.Seed withExamples(WarmStartExchange.Seed seed, long examples) {
        return new WarmStartExchange.Seed(seed.trialId(), seed.candidate(), seed.result(), seed.epochs(), examples);
    }

    /** The training-set size of every seed's result. */
    static final int TRAIN_SAMPLES = 2000;

    static WarmStartExchange.Seed seed(SpaceEncoding space, int i, int epochs, double accuracy, int layers) {
        return seed(space, i, epochs, accuracy, layers, 0); // as a synthetic worker reports: no training set size
    }

    static WarmStartExchange.Seed seed(SpaceEncoding space, int i, int epochs, double accuracy, int layers, int trainSamples) {
        List<TrialMetrics.Layer> rows = new ArrayList<>();
        for (int l = 0; l < layers; l++) {
            rows.add(new TrialMetrics.Layer("layers[" + l + "]", "conv 3×3, 32→64 with a long description", List.of(64L, 14L, 14L), 1, 1, 1));
        }
        TrialMetrics m = TrialMetrics.synthetic(accuracy, 1, 4000);
        TrialMetrics full = new TrialMetrics(m.accuracy(), m.testAccuracy(), m.trainLoss(), m.latencyMsP50(), m.latencyMsP95(),
                m.latencyCv(), m.latencyBatch(), m.latencyBatchMsP50(), m.latencyBatchMsP95(), m.params(), m.nonZeroParams(), m.macs(),
                m.sizeBytes(), m.peakMemoryBytes(), m.trainSeconds(), m.samplesPerSecond(), trainSamples, m.validationSamples(),
                m.testSamples(), m.device(), m.threads(), null, null, null, rows, null);
        Candidate c = space.decode(space.sample(new java.util.SplittableRandom(i)));
        return new WarmStartExchange.Seed("old-t" + i, c, new TrialResult.Completed(1, "old", "old-t" + i, 1, "w", full, "file:///a"), epochs);
    }

    @Test
    void theCapKeepsTheMostTrainedThenMostAccurateInTheOrderTheyCompleted() throws Exception {
        SpaceEncoding space = new SpaceEncoding(spec("").searchSpace());
        List<WarmStartExchange.Seed> seeds = new ArrayList<>();
        for (int i = 0; i < 1200; i++) {
            seeds.add(seed(space, i, i % 3 == 0 ? 9 : 3, (i % 100) / 100.0, 0));
        }
        List<WarmStartExchange.Seed> kept = WarmStart.capped(seeds);
        // about 1.3 kB a CNN seed: the byte cap binds before the count cap
        long bytes = kept.stream().mapToLong(s -> JsonCodec.write(s).length).sum();
        assertThat(bytes).isLessThanOrEqualTo(WarmStart.MAX_SEED_BYTES);
        assertThat(kept.size()).isBetween(500, 700);
        assertThat(kept).filteredOn(s -> s.epochs() == 9).hasSize(400); // every 9-epoch result is kept
        double worstKept = kept.stream().filter(s -> s.epochs() == 3).mapToDouble(s -> s.result().metrics().accuracy()).min().orElseThrow();
        List<WarmStartExchange.Seed> left = seeds.stream().filter(s -> !kept.contains(s)).toList();
        assertThat(left).allSatisfy(s -> {
            assertThat(s.epochs()).isEqualTo(3);
            assertThat(s.result().metrics().accuracy()).isLessThanOrEqualTo(worstKept);
        });
        assertThat(left.stream().mapToLong(s -> JsonCodec.write(s).length).min().orElseThrow() + bytes)
                .isGreaterThan(WarmStart.MAX_SEED_BYTES);
        assertThat(kept).isSortedAccordingTo(java.util.Comparator.comparingInt(s -> Integer.parseInt(s.trialId().substring(5))));

        // big results: the byte cap binds first, and the answer fits a record of nas.experiments
        List<WarmStartExchange.Seed> big = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            big.add(seed(space, i, 3, i / 300.0, 40));
        }
        List<WarmStartExchange.Seed> keptBig = WarmStart.capped(big);
        long bigBytes = keptBig.stream().mapToLong(s -> JsonCodec.write(s).length).sum();
        assertThat(keptBig.size()).isLessThan(300);
        assertThat(bigBytes).isLessThanOrEqualTo(WarmStart.MAX_SEED_BYTES);
        assertThat(keptBig.get(keptBig.size() - 1).trialId()).isEqualTo("old-t299"); // the most accurate are kept
    }

    @Test
    void aSeedLeavesTheLayerTableInferenceAndCheckpointBehind() throws Exception {
        SpaceEncoding space = new SpaceEncoding(spec("").searchSpace());
        TrialResult.Completed full = seed(space, 1, 9, 0.8, 20).result();
        TrialResult.Completed slim = WarmStart.slim(full);
        assertThat(slim.metrics().layers()).isNull();
        assertThat(slim.checkpoint()).isNull();
        assertThat(slim.metrics().accuracy()).isEqualTo(full.metrics().accuracy());
        assertThat(slim.metrics().sizeBytes()).isEqualTo(full.metrics().sizeBytes());
        assertThat(JsonCodec.write(slim).length).isLessThan(JsonCodec.write(full).length / 3);
    }

    @Test
    void csvExperimentsMustShareTheLabelColumn() throws Exception {
        ExperimentSpec a = spec("").withId("a");
        String json = new String(JsonCodec.write(a), StandardCharsets.UTF_8).replace("\"fashion-mnist\"", "\"csv\"");
        ExperimentSpec csvA = JsonCodec.readStoredState(json.getBytes(StandardCharsets.UTF_8), ExperimentSpec.class);
        ExperimentSpec csvB = JsonCodec.readStoredState(json.replace("\"labelColumn\":\"label\"", "\"labelColumn\":\"y\"")
                .getBytes(StandardCharsets.UTF_8), ExperimentSpec.class);
        assertThat(WarmStart.compatibility(csvA, csvA)).isEmpty();
        assertThat(WarmStart.compatibility(csvA, csvB)).containsExactly(new ValidationError("dataset.labelColumn",
                "'y' differs from the label column 'label' of experiment 'a'"));
    }

    /** Token files name their label column too; an image set ignores it, so two of them never differ by it. */
    @Test
    void tokenExperimentsMustShareTheLabelColumnAndImageSetsIgnoreIt() throws Exception {
        String json = new String(JsonCodec.write(spec("").withId("a")), StandardCharsets.UTF_8);
        for (String name : new String[] {"tokens", "fashion-mnist"}) {
            String named = json.replace("\"fashion-mnist\"", "\"" + name + "\"");
            ExperimentSpec a = JsonCodec.readStoredState(named.getBytes(StandardCharsets.UTF_8), ExperimentSpec.class);
            ExperimentSpec b = JsonCodec.readStoredState(named.replace("\"labelColumn\":\"label\"", "\"labelColumn\":\"y\"")
                    .getBytes(StandardCharsets.UTF_8), ExperimentSpec.class);
            assertThat(WarmStart.compatibility(a, b)).as(name).isEqualTo(name.equals("tokens")
                    ? java.util.List.of(new ValidationError("dataset.labelColumn", "'y' differs from the label column 'label' of experiment 'a'"))
                    : java.util.List.of());
        }
    }
}
