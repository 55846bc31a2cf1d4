package org.naspipeline.api;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.stream.Collectors;

/** A CNN: convolutional {@code stages}, then the head. */
public record CnnArchitecture(List<StageSpec> stages, HeadSpec head) implements ArchitectureSpec {

    /** Normalizes absent stages to none, so equality and hashing are canonical. */
    public CnnArchitecture {
        stages = stages == null ? List.of() : List.copyOf(stages);
    }

    /**
     * Reads the JSON shape: {@code family} is the type id (always cnn here), {@code hiddenUnits} (written by every
     * version, always empty) is checked and dropped. The four parameters are in the order the fields are written.
     */
    @JsonCreator
    static CnnArchitecture read(@JsonProperty("family") ModelFamily family, @JsonProperty("stages") List<StageSpec> stages,
                                @AddedField @JsonProperty("hiddenUnits") List<Integer> hiddenUnits,
                                @JsonProperty("head") HeadSpec head) {
        ArchitectureSpec.legacyEmpty("hiddenUnits", hiddenUnits, ModelFamily.MLP);
        return new CnnArchitecture(stages, head);
    }

    @Override
    public ModelFamily family() {
        return ModelFamily.CNN;
    }

    /** The MLP field every CNN is written with, empty, so written JSON and canonical hashes stay as they were. */
    @JsonProperty("hiddenUnits")
    List<Integer> legacyHiddenUnits() {
        return List.of();
    }

    @Override
    public <R> R accept(Cases<R> cases) {
        return cases.cnn(this);
    }

    @Override
    public String bodySummary() {
        return stages.stream().map(StageSpec::summary).collect(Collectors.joining(" "));
    }
}
