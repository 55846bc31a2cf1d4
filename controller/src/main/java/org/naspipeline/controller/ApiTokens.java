package org.naspipeline.controller;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Bearer tokens of the REST API and the tenant each one stands for. Without tokens the API is open and
 * submissions carry no tenant. Tokens are compared in constant time.
 */
public final class ApiTokens {
    /** No tokens: mutating endpoints are open. */
    public static final ApiTokens NONE = new ApiTokens(Map.of());

    private final Map<String, String> tenantByToken;

    private ApiTokens(Map<String, String> tenantByToken) {
        this.tenantByToken = Map.copyOf(tenantByToken);
    }

    /** Parses {@code TOKEN} (tenant {@code default}) or {@code tenant=TOKEN,tenant2=TOKEN2}; null or blank: none. */
    public static ApiTokens parse(String variable, String raw) {
        if (raw == null || raw.isBlank()) {
            return NONE;
        }
        Map<String, String> map = new LinkedHashMap<>();
        if (!raw.contains("=")) {
            map.put(raw.trim(), "default");
            return new ApiTokens(map);
        }
        for (String part : raw.split(",")) {
            int eq = part.indexOf('=');
            String tenant = eq < 0 ? "" : part.substring(0, eq).trim();
            String token = eq < 0 ? "" : part.substring(eq + 1).trim();
            if (tenant.isEmpty() || token.isEmpty()) {
                throw new IllegalArgumentException(variable + ": expected 'tenant=TOKEN' entries separated by commas (got '" + part.trim() + "')");
            }
            if (map.put(token, tenant) != null) {
                throw new IllegalArgumentException(variable + ": the same token is given for two tenants");
            }
        }
        return new ApiTokens(map);
    }

    /** Whether mutating endpoints need a token. */
    public boolean required() {
        return !tenantByToken.isEmpty();
    }

    /** The tenant of an {@code Authorization} header value, if it carries a known bearer token. */
    public Optional<String> tenantOf(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return Optional.empty();
        }
        byte[] given = authorization.substring(7).trim().getBytes(StandardCharsets.UTF_8);
        String tenant = null;
        for (Map.Entry<String, String> e : tenantByToken.entrySet()) {
            if (MessageDigest.isEqual(given, e.getKey().getBytes(StandardCharsets.UTF_8))) {
                tenant = e.getValue();
            }
        }
        return Optional.ofNullable(tenant);
    }

    @Override
    public String toString() {
        return required() ? tenantByToken.size() + " token(s) for tenants " + new java.util.TreeSet<>(tenantByToken.values()) : "none (open)";
    }
}
