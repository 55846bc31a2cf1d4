package org.naspipeline.api.config;

import java.util.function.Function;

/** One typed configuration entry read from the environment: its variable, default, parser and meaning. */
public record Setting<T>(String env, T defaultValue, Function<String, T> parser, String description) {

    /** An integer setting. */
    public static Setting<Integer> integer(String env, int defaultValue, String description) {
        return new Setting<>(env, defaultValue, Integer::valueOf, description);
    }

    /** A string setting; a null default means "unset unless given". */
    public static Setting<String> string(String env, String defaultValue, String description) {
        return new Setting<>(env, defaultValue, Function.identity(), description);
    }
}
