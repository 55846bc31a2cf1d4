package org.naspipeline.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.math.BigInteger;
import java.util.List;

/**
 * The architecture half of a search space, one record per model family named by {@code family} in JSON: a
 * factorized, MnasNet-style CNN space ({@link CnnSpace}), an MLP space ({@link MlpSpace}) or a transformer-encoder
 * space ({@link TransformerSpace}). Every family ends in
 * the same dense head, whose choices ({@code denseUnits}, {@code dropout}) are shared. Choice lists that are
 * omitted fall back to a single sensible default. A family is added here: its record, a {@link JsonSubTypes} entry,
 * a case in {@link Cases}, and its object in the published schema.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, include = JsonTypeInfo.As.EXISTING_PROPERTY, property = "family")
@JsonSubTypes({
    @JsonSubTypes.Type(value = CnnSpace.class, name = "cnn"),
    @JsonSubTypes.Type(value = MlpSpace.class, name = "mlp"),
    @JsonSubTypes.Type(value = TransformerSpace.class, name = "transformer")
})
public sealed interface ArchitectureSpace permits CnnSpace, MlpSpace, TransformerSpace {
    /** The family, written as the {@code family} field. */
    @JsonProperty("family")
    ModelFamily family();

    /** The head's dense-layer widths to choose from (0: no dense layer). */
    List<Integer> denseUnits();

    /** The head's dropout rates to choose from. */
    List<Double> dropout();

    /** Validates every field under {@code path}. */
    void validate(Errors errors, String path);

    /** Number of distinct architectures in this (validated) space. */
    BigInteger cardinality();

    /** The case of {@code cases} for this family. */
    <R> R accept(Cases<R> cases);

    /** One case per family. */
    interface Cases<R> {
        R cnn(CnnSpace cnn);

        R mlp(MlpSpace mlp);

        R transformer(TransformerSpace transformer);
    }

    /** {@code given}, or {@code fallback} when it is absent or empty. */
    static <T> List<T> orDefault(List<T> given, List<T> fallback) {
        return given == null || given.isEmpty() ? fallback : given;
    }

    /** Checks the head's choices under {@code path}. */
    static void validateHead(Errors errors, String path, List<Integer> denseUnits, List<Double> dropout) {
        if (errors.nonEmpty(path + ".denseUnits", denseUnits)) {
            for (int i = 0; i < denseUnits.size(); i++) {
                errors.range(path + ".denseUnits[" + i + "]", denseUnits.get(i), 0, 8192);
            }
        }
        if (errors.nonEmpty(path + ".dropout", dropout)) {
            for (int i = 0; i < dropout.size(); i++) {
                errors.range(path + ".dropout[" + i + "]", dropout.get(i), 0.0, 0.9);
            }
        }
    }

    /** The number of heads: dense widths × dropout rates. */
    static BigInteger headCount(List<Integer> denseUnits, List<Double> dropout) {
        return BigInteger.valueOf((long) denseUnits.size() * dropout.size());
    }

    /** Σ over n in {@code count} of perSlot^n: the bodies of n slots, each with {@code perSlot} choices. */
    static BigInteger slotBodies(IntRange count, BigInteger perSlot) {
        BigInteger total = BigInteger.ZERO;
        for (int n = count.min(); n <= count.max(); n++) {
            total = total.add(perSlot.pow(n));
        }
        return total;
    }
}
