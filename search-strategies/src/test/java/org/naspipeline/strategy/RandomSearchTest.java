package org.naspipeline.strategy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.naspipeline.api.ArchitectureSpace;
import org.naspipeline.api.Candidate;
import org.naspipeline.api.CompressionSpace;
import org.naspipeline.api.IntRange;
import org.naspipeline.api.ModelFamily;
import org.naspipeline.api.SearchSpace;
import org.naspipeline.api.StrategySpec;
import org.naspipeline.api.TrialResult;
import org.naspipeline.api.ValidationError;
import org.junit.jupiter.api.Test;

class RandomSearchTest {
    /** MLP space with 2 + 4 = 6 architectures × 2 dropouts = 12 candidates. */
    static final SearchSpace TINY = new SearchSpace(new ArchitectureSpace(ModelFamily.MLP, null, null, null, null,
            null, null, null, null, new IntRange(1, 2), List.of(16, 32), null, List.of(0.0, 0.5)), CompressionSpace.NONE);

    final StrategyRegistry registry = StrategyRegistry.load();

    SearchStrategy random(long seed) {
        return registry.create(new StrategySpec("random", seed, Map.of()), TINY);
    }

    @Test
    void sameSeedGivesTheSameCandidatesAndAnotherSeedDoesNot() {
        assertThat(TINY.cardinality().intValue()).isEqualTo(12);
        List<Candidate> a = random(7).ask(10);
        assertThat(random(7).ask(10)).isEqualTo(a);
        assertThat(random(8).ask(10)).isNotEqualTo(a);
    }

    @Test
    void noCandidateRepeatsUntilTheSpaceIsExhausted() {
        SearchStrategy s = random(3);
        List<Candidate> first = s.ask(12);
        assertThat(new HashSet<>(first)).hasSize(12);
        List<Candidate> second = s.ask(12);
        assertThat(new HashSet<>(second)).hasSize(12).isEqualTo(new HashSet<>(first));
    }

    @Test
    void askingInPiecesEqualsAskingAtOnceAndTellIsIdempotent() {
        SearchStrategy whole = random(11);
        SearchStrategy pieces = random(11);
        List<Candidate> all = whole.ask(9);
        List<Candidate> parts = new java.util.ArrayList<>(pieces.ask(4));
        RandomSearch rs = (RandomSearch) pieces;
        TrialResult failed = new TrialResult.Failed(1, "e", "e-t1", 1, "w", "boom", false);
        rs.tell(parts.get(0), failed);
        rs.tell(parts.get(0), failed);
        parts.addAll(pieces.ask(5));
        assertThat(parts).isEqualTo(all);
        assertThat(rs.resultsSeen()).isEqualTo(1);
    }

    @Test
    void registryRejectsUnknownNamesAndSettingsWithPaths() {
        assertThat(registry.names()).contains("random");
        List<ValidationError> unknown = registry.validate(new StrategySpec("grid", 1L, Map.of()), TINY);
        assertThat(unknown).extracting(ValidationError::path).containsExactly("strategy.name");
        assertThat(unknown.get(0).message()).contains("random");
        List<ValidationError> badSetting = registry.validate(new StrategySpec("random", 1L, Map.of("population", 5)), TINY);
        assertThat(badSetting).extracting(ValidationError::path).containsExactly("strategy.settings.population");
        Set<String> hashes = new HashSet<>();
        random(1).ask(12).forEach(c -> hashes.add(c.canonicalHash()));
        assertThat(hashes).hasSize(12);
    }
}
