package org.naspipeline.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

/**
 * A concrete, typed network architecture: one record per model family, named by {@code family} in JSON, each
 * ending in the shared {@code head}. A family is added here: its record, a {@link JsonSubTypes} entry, a
 * {@link ModelFamily} constant and a case in {@link Cases}; everything that turns an architecture into something
 * else (genes, a layer plan) then does not compile until it has that case.
 *
 * <p>Written JSON keeps the shape every service wrote before the families were types: a CNN carries
 * {@code "hiddenUnits":[]} and an MLP {@code "stages":[]}, so candidates' canonical hashes, and with them trial
 * identities and stored state, are unchanged. Reading accepts those empty legacy fields and refuses non-empty ones.
 * Families added since (the transformer) write their own fields only.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, include = JsonTypeInfo.As.EXISTING_PROPERTY, property = "family",
        visible = true)
@JsonSubTypes({
    @JsonSubTypes.Type(value = CnnArchitecture.class, name = "cnn"),
    @JsonSubTypes.Type(value = MlpArchitecture.class, name = "mlp"),
    @JsonSubTypes.Type(value = TransformerArchitecture.class, name = "transformer")
})
public sealed interface ArchitectureSpec permits CnnArchitecture, MlpArchitecture, TransformerArchitecture {
    /** The family, written as the {@code family} field. */
    @JsonProperty("family")
    ModelFamily family();

    /** The classifier head, or null: none (the body's features go straight to the classifier). */
    HeadSpec head();

    /** The case of {@code cases} for this family. */
    <R> R accept(Cases<R> cases);

    /** One case per family. */
    interface Cases<R> {
        R cnn(CnnArchitecture cnn);

        R mlp(MlpArchitecture mlp);

        R transformer(TransformerArchitecture transformer);
    }

    /** The family's body in short human-readable form, without the family name and head. */
    String bodySummary();

    /** Short human-readable form for tables and logs, e.g. {@code cnn[1x16k3/max] | fc64 do0.2}. */
    default String summary() {
        String headPart = head() == null ? "" : " | fc" + head().denseUnits() + " do" + head().dropout();
        return family().name().toLowerCase(java.util.Locale.ROOT) + "[" + bodySummary() + "]" + headPart;
    }

    /** Refuses a legacy field of another family unless it is absent or empty, naming the field. */
    static void legacyEmpty(String field, java.util.List<?> value, ModelFamily owner) {
        if (value != null && !value.isEmpty()) {
            throw new IllegalArgumentException(field + " belongs to the " + owner.name().toLowerCase(java.util.Locale.ROOT)
                    + " family; an architecture of this family has none");
        }
    }
}
