package org.naspipeline.api.config;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** Reads {@link Setting}s from an environment map, so services are configured the same way everywhere. */
public final class Settings {
    private final Map<String, String> env;

    /** Settings over the given variables (usually {@code System.getenv()}). */
    public Settings(Map<String, String> env) {
        this.env = Map.copyOf(env);
    }

    /** The process environment. */
    public static Settings fromEnvironment() {
        return new Settings(System.getenv());
    }

    /** The value of {@code setting}; a malformed value fails naming the variable. */
    public <T> T get(Setting<T> setting) {
        String raw = env.get(setting.env());
        if (raw == null || raw.isBlank()) {
            return setting.defaultValue();
        }
        try {
            return setting.parser().apply(raw.trim());
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(setting.env() + ": cannot read '" + raw + "' (" + setting.description() + ")", e);
        }
    }

    /** One line per setting with its effective value, for the start-up log. */
    public String describe(List<Setting<?>> settings) {
        return settings.stream()
                .map(s -> "  " + s.env() + "=" + get(s) + (env.containsKey(s.env()) ? "" : " (default)") + "  # " + s.description())
                .collect(Collectors.joining("\n"));
    }
}
