package org.naspipeline.api;

import java.util.List;
import java.util.stream.Collectors;

/**
 * A concrete, typed network architecture. A CNN has {@code stages} and no {@code hiddenUnits};
 * an MLP has {@code hiddenUnits} and no {@code stages}. Both end in {@code head}.
 */
public record ArchitectureSpec(
        ModelFamily family, List<StageSpec> stages, List<Integer> hiddenUnits, HeadSpec head) {

    /** Normalizes absent lists to empty ones, so equality and hashing are canonical. */
    public ArchitectureSpec {
        stages = stages == null ? List.of() : List.copyOf(stages);
        hiddenUnits = hiddenUnits == null ? List.of() : List.copyOf(hiddenUnits);
    }

    /** Short human-readable form for tables and logs. */
    public String summary() {
        String body = family == ModelFamily.CNN
                ? stages.stream().map(StageSpec::summary).collect(Collectors.joining(" "))
                : hiddenUnits.stream().map(String::valueOf).collect(Collectors.joining("-"));
        String headPart = head == null ? "" : " | fc" + head.denseUnits() + " do" + head.dropout();
        return (family == null ? "?" : family.name().toLowerCase(java.util.Locale.ROOT)) + "[" + body + "]" + headPart;
    }
}
