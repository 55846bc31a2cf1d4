package org.naspipeline.api;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.stream.Collectors;

/** An MLP: fully connected hidden layers of {@code hiddenUnits} features each, then the head. */
public record MlpArchitecture(List<Integer> hiddenUnits, HeadSpec head) implements ArchitectureSpec {

    /** Normalizes absent hidden layers to none, so equality and hashing are canonical. */
    public MlpArchitecture {
        hiddenUnits = hiddenUnits == null ? List.of() : List.copyOf(hiddenUnits);
    }

    /**
     * Reads the JSON shape: {@code family} is the type id (always mlp here), {@code stages} (written by every
     * version, always empty) is checked and dropped. The four parameters are in the order the fields are written.
     */
    @JsonCreator
    static MlpArchitecture read(@JsonProperty("family") ModelFamily family,
                                @AddedField @JsonProperty("stages") List<StageSpec> stages,
                                @JsonProperty("hiddenUnits") List<Integer> hiddenUnits,
                                @JsonProperty("head") HeadSpec head) {
        ArchitectureSpec.legacyEmpty("stages", stages, ModelFamily.CNN);
        return new MlpArchitecture(hiddenUnits, head);
    }

    @Override
    public ModelFamily family() {
        return ModelFamily.MLP;
    }

    /** The CNN field every MLP is written with, empty, so written JSON and canonical hashes stay as they were. */
    @JsonProperty("stages")
    List<StageSpec> legacyStages() {
        return List.of();
    }

    @Override
    public <R> R accept(Cases<R> cases) {
        return cases.mlp(this);
    }

    @Override
    public String bodySummary() {
        return hiddenUnits.stream().map(String::valueOf).collect(Collectors.joining("-"));
    }
}
