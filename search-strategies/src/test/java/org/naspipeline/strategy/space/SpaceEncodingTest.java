package org.naspipeline.strategy.space;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.naspipeline.api.ArchitectureSpace;
import org.naspipeline.api.ArchitectureSpec;
import org.naspipeline.api.Candidate;
import org.naspipeline.api.CnnArchitecture;
import org.naspipeline.api.CnnSpace;
import org.naspipeline.api.CompressionSpace;
import org.naspipeline.api.ExperimentSpec;
import org.naspipeline.api.HeadSpec;
import org.naspipeline.api.IntRange;
import org.naspipeline.api.JsonCodec;
import org.naspipeline.api.MlpArchitecture;
import org.naspipeline.api.MlpSpace;
import org.naspipeline.api.ModelFamily;
import org.naspipeline.api.ParameterSpec;
import org.naspipeline.api.PruningMethod;
import org.naspipeline.api.SearchSpace;
import org.naspipeline.api.StageSpec;
import org.naspipeline.api.TrainingSpec;
import org.naspipeline.api.TransformerArchitecture;
import org.naspipeline.api.TransformerArchitecture.NormPlacement;
import org.naspipeline.api.TransformerArchitecture.TokenPooling;
import org.naspipeline.api.TransformerSpace;

/** The gene encoding of a search space: enumeration, mutation, decoding, and candidates outside the space. */
class SpaceEncodingTest {
    static final SearchSpace SPACE = new SearchSpace(new CnnSpace(new IntRange(1, 2),
            new IntRange(1, 2), List.of(8, 16), List.of(3), null, List.of(false, true), null, null,
            List.of(0, 32), null),
            new CompressionSpace(List.of(PruningMethod.NONE, PruningMethod.MAGNITUDE), List.of(0.3, 0.6),
                    null, List.of(false, true), List.of(2.0), List.of(0.5, 0.9), null),
            new TreeMap<>(Map.of("learningRate", new ParameterSpec(ParameterSpec.Type.LOG_FLOAT, null, 1e-4, 1e-2, 3),
                    "optimizer", new ParameterSpec(ParameterSpec.Type.CATEGORICAL, List.of("adam", "sgd"), null, null, null))));

    @Test
    void enumeratingAllCanonicalVectorsGivesExactlyTheCardinalityDistinctCandidates() {
        SpaceEncoding e = new SpaceEncoding(SPACE);
        // arch: per stage 2 blocks × 2 filters × 2 skip = 8 → 8 + 64 = 72, × head 2 = 144
        // compression: pruning 1 + 2 = 3, distillation 1 + 2 = 3 → 9; parameters 3 × 2 = 6
        assertThat(SPACE.cardinality().intValue()).isEqualTo(144 * 9 * 6);
        Set<Candidate> seen = new HashSet<>();
        int[] x = new int[e.genes()];
        while (true) {
            if (java.util.Arrays.equals(x, e.canonical(x))) {
                Candidate c = e.decode(x);
                assertThat(e.encode(c)).isEqualTo(x);
                seen.add(c);
            }
            int g = e.genes() - 1;
            while (g >= 0 && ++x[g] == e.arity(g)) {
                x[g--] = 0;
            }
            if (g < 0) {
                break;
            }
        }
        assertThat(seen).hasSize(SPACE.cardinality().intValue());
    }

    @Test
    void mutationChangesExactlyOneActiveDecisionAndStaysCanonical() {
        SpaceEncoding e = new SpaceEncoding(SPACE);
        SplittableRandom rnd = new SplittableRandom(1);
        for (int i = 0; i < 500; i++) {
            int[] x = e.sample(rnd);
            int[] y = e.mutate(x, rnd);
            assertThat(y).isEqualTo(e.canonical(y));
            assertThat(e.key(y)).isNotEqualTo(e.key(x));
            if (x[0] == y[0]) {
                int diff = 0;
                for (int g = 0; g < x.length; g++) {
                    diff += x[g] != y[g] ? 1 : 0;
                }
                assertThat(diff).isEqualTo(1);
            }
        }
    }

    @Test
    void decodedParametersFollowTheirGridsAndOverrideTraining() {
        SpaceEncoding e = new SpaceEncoding(SPACE);
        assertThat(SPACE.parameters().get("learningRate").values())
                .satisfiesExactly(v -> assertThat((Double) v).isCloseTo(1e-4, org.assertj.core.data.Offset.offset(1e-12)),
                        v -> assertThat((Double) v).isCloseTo(1e-3, org.assertj.core.data.Offset.offset(1e-12)),
                        v -> assertThat((Double) v).isCloseTo(1e-2, org.assertj.core.data.Offset.offset(1e-12)));
        Candidate c = e.decode(e.sample(new SplittableRandom(3)));
        assertThat(c.parameters()).containsOnlyKeys("learningRate", "optimizer");
        TrainingSpec t = TrainingSpec.defaults().withOverrides(c.parameters());
        assertThat(t.optimizer()).isEqualTo(c.parameters().get("optimizer"));
        assertThat(t.learningRate()).isEqualTo(c.parameters().get("learningRate"));
        Candidate back = JsonCodec.readCandidate(JsonCodec.write(c));
        assertThat(back).isEqualTo(c);
        assertThat(e.encode(back)).isEqualTo(e.encode(c));
    }

    @Test
    void candidatesOutsideTheSpaceAreRejectedWithThePath() {
        SpaceEncoding e = new SpaceEncoding(SPACE);
        Candidate c = e.decode(e.sample(new SplittableRandom(4)));
        StageSpec s = ((CnnArchitecture) c.architecture()).stages().get(0);
        Candidate outside = new Candidate(new CnnArchitecture(List.of(new StageSpec(s.blocks(), 64, 3, s.convType(), s.skip(), s.batchNorm(), s.pooling())), c.architecture().head()), c.compression(), c.parameters());
        assertThatThrownBy(() -> e.encode(outside)).hasMessageStartingWith("architecture.stages[0].filters: 64 is not among");
    }


    @Test
    void anMlpCandidateOutsideItsSpaceIsRejectedAtItsPathAndAnotherFamilyByName() {
        // 1 or 2 hidden layers of 16 or 32 units, no head
        SearchSpace mlp = new SearchSpace(new MlpSpace(new IntRange(1, 2), List.of(16, 32), List.of(0), List.of(0.0)), SPACE.compression(), new TreeMap<>());
        SpaceEncoding e = new SpaceEncoding(mlp);
        assertThat(e.genes()).isEqualTo(1 + 2 + 2 + 4);
        assertThat(e.name(1)).isEqualTo("hidden[0].units");
        assertThat(e.ordinal(0)).as("the layer count").isTrue();
        assertThat(e.ordinal(1)).as("16, 32: increasing").isTrue();
        Candidate c = e.decode(e.sample(new SplittableRandom(2)));
        HeadSpec head = c.architecture().head();
        assertThatThrownBy(() -> e.encode(new Candidate(new MlpArchitecture(List.of(48), head),
                c.compression(), c.parameters()))).hasMessage("architecture.hiddenUnits[0]: 48 is not among the space's choices [16, 32]");
        assertThatThrownBy(() -> e.encode(new Candidate(new MlpArchitecture(List.of(16, 16, 16), head),
                c.compression(), c.parameters()))).hasMessage("architecture.hiddenUnits: count out of the space's range");
        Candidate cnn = new SpaceEncoding(SPACE).decode(new SpaceEncoding(SPACE).sample(new SplittableRandom(2)));
        assertThatThrownBy(() -> e.encode(cnn)).hasMessage("architecture.family: CNN is not in the space");
    }

    @Test
    void aTransformerSpaceHasOneGenePerSharedSettingAndRoundTrips() {
        SearchSpace vit = new SearchSpace(new TransformerSpace(new IntRange(1, 3), List.of(32, 64), List.of(2, 4), null,
                List.of(4, 7), List.of(NormPlacement.PRE, NormPlacement.POST), null, List.of(0.0, 0.1), List.of(0), List.of(0.0)),
                SPACE.compression(), new TreeMap<>());
        SpaceEncoding e = new SpaceEncoding(vit);
        List<String> names = new ArrayList<>();
        for (int g = 0; g < 10; g++) {
            names.add(e.name(g));
        }
        assertThat(names).containsExactly("layers", "width", "heads", "mlpRatio", "patchSize", "norm", "pooling", "blockDropout",
                "head.denseUnits", "head.dropout");
        assertThat(e.ordinal(0)).isTrue();
        assertThat(e.ordinal(1)).isTrue();
        assertThat(e.ordinal(5)).as("pre/post is categorical").isFalse();
        assertThat(e.ordinal(3)).as("a single default ratio has no order").isFalse();
        // 3 layer counts × 2 widths × 2 heads × 1 ratio × 2 patches × 2 norms × 1 pooling × 2 dropouts × 1 head
        assertThat(vit.architecture().cardinality()).isEqualTo(java.math.BigInteger.valueOf(3 * 2 * 2 * 2 * 2 * 2));
        SplittableRandom r = new SplittableRandom(5);
        Set<Integer> layers = new HashSet<>();
        for (int i = 0; i < 50; i++) {
            Candidate c = e.decode(e.sample(r));
            TransformerArchitecture a = (TransformerArchitecture) c.architecture();
            layers.add(a.layers());
            assertThat(a.mlpRatio()).isEqualTo(4.0);
            assertThat(a.pooling()).isEqualTo(TokenPooling.CLS);
            assertThat(e.decode(e.encode(c))).isEqualTo(c);
            assertThat(JsonCodec.readCandidate(JsonCodec.write(c))).isEqualTo(c);
        }
        assertThat(layers).containsExactlyInAnyOrder(1, 2, 3);
        Candidate c = e.decode(e.sample(r));
        TransformerArchitecture a = (TransformerArchitecture) c.architecture();
        assertThatThrownBy(() -> e.encode(new Candidate(new TransformerArchitecture(a.layers(), 48, a.heads(), a.mlpRatio(),
                a.patchSize(), a.norm(), a.pooling(), a.dropout(), a.head()), c.compression(), c.parameters())))
                .hasMessage("architecture.width: 48 is not among the space's choices [32, 64]");
        assertThatThrownBy(() -> e.encode(new Candidate(new TransformerArchitecture(5, a.width(), a.heads(), a.mlpRatio(),
                a.patchSize(), a.norm(), a.pooling(), a.dropout(), a.head()), c.compression(), c.parameters())))
                .hasMessage("architecture.layers: count out of the space's range");
        Candidate cnn = new SpaceEncoding(SPACE).decode(new SpaceEncoding(SPACE).sample(new SplittableRandom(2)));
        assertThatThrownBy(() -> e.encode(cnn)).hasMessage("architecture.family: CNN is not in the space");
    }

    static String example(String name) throws Exception {
        return Files.readString(Path.of("..", "examples", name));
    }

    @Test
    void aSearchedDistillationDecodesWithTheSpacesTeacher() throws Exception {
        String json = example("joint-compression.json").replace("\"fineTuneEpochs\": 1",
                "\"fineTuneEpochs\": 1, \"distillation\": [false, true]");
        String withTeacher = json.replace("\"distillation\": [false, true]",
                "\"distillation\": [false, true], \"teacher\": \"file:///var/nas/artifacts/t/t-t0001/attempt-1/\"");
        ExperimentSpec spec = JsonCodec.readSpec(withTeacher.getBytes(StandardCharsets.UTF_8));
        SpaceEncoding e2 = new SpaceEncoding(spec.searchSpace());
        Candidate c = e2.decode(e2.sample(new java.util.SplittableRandom(3)));
        assertThat(c.compression().fineTuneEpochs()).isEqualTo(1);
        boolean sawDistilled = false;
        for (int i = 0; i < 200 && !sawDistilled; i++) {
            Candidate d = e2.decode(e2.sample(new java.util.SplittableRandom(i)));
            if (d.compression().distillation().enabled()) {
                sawDistilled = true;
                assertThat(d.compression().distillation().teacher()).isEqualTo("file:///var/nas/artifacts/t/t-t0001/attempt-1/");
                assertThat(d.compression().distillation().loss()).isEqualTo("hinton");
            }
        }
        assertThat(sawDistilled).isTrue();
    }

    @Test
    void aCompressionOnlySpaceFixesTheArchitectureAndSearchesCompressionOnly() throws Exception {
        ExperimentSpec spec = JsonCodec.readSpec(example("compression-only.json").getBytes(StandardCharsets.UTF_8));
        SearchSpace space = spec.searchSpace();
        SpaceEncoding e = new SpaceEncoding(space);
        assertThat(e.genes()).isEqualTo(4);
        assertThat(e.name(0)).isEqualTo("compression.pruning");
        // pruning: none + 2 methods × 3 ratios = 7; quantization 3; distillation off 1; low-rank 3
        assertThat(space.cardinality().intValue()).isEqualTo(7 * 3 * 3);
        Set<Candidate> seen = new HashSet<>();
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(1);
        for (int i = 0; i < 2000; i++) {
            Candidate c = e.decode(e.sample(rnd));
            assertThat(c.architecture()).isEqualTo(space.baseModel().architecture());
            assertThat(c.compression().baseModel()).isEqualTo(space.baseModel().artifact());
            if (c.compression().pruning().method() == PruningMethod.MAGNITUDE) {
                assertThat(c.compression().pruning().scope()).isEqualTo("global");
                assertThat(c.compression().pruning().schedule()).isEqualTo("agp");
            }
            assertThat(e.decode(e.encode(c))).isEqualTo(c);
            seen.add(c);
        }
        assertThat(seen).hasSize(63);
        Candidate other = new Candidate(new MlpArchitecture(List.of(8), new HeadSpec(0, 0)),
                e.decode(e.sample(rnd)).compression());
        assertThatThrownBy(() -> e.encode(other)).hasMessageContaining("differs from searchSpace.baseModel.architecture");
    }
}
