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

    /**
     * Every variable whose name starts with {@code prefix}, keyed by the rest of its name (for pass-through
     * settings such as Kafka client properties, whose names are not known in advance).
     */
    public Map<String, String> withPrefix(String prefix) {
        Map<String, String> found = new java.util.TreeMap<>();
        env.forEach((k, v) -> {
            if (k.startsWith(prefix) && k.length() > prefix.length()) {
                found.put(k.substring(prefix.length()), v);
            }
        });
        return found;
    }

    /**
     * Whether a setting or property of this name holds a secret that logs must not show (tokens, passwords,
     * keys, JAAS configs); names are compared ignoring case, so env names and property names share the rule.
     */
    public static boolean isSecretName(String name) {
        String n = name.toLowerCase(java.util.Locale.ROOT);
        return n.contains("token") || n.contains("password") || n.contains("secret") || n.contains("jaas")
                || n.endsWith(".key") || n.endsWith("_key");
    }

    /** One line per setting with its effective value, for the start-up log. */
    public String describe(List<Setting<?>> settings) {
        return settings.stream()
                .map(s -> "  " + s.env() + "=" + (isSecretName(s.env()) && get(s) != null ? "[hidden]" : get(s))
                        + (env.containsKey(s.env()) ? "" : " (default)") + "  # " + s.description())
                .collect(Collectors.joining("\n"));
    }
}
