package org.naspipeline.controller.http;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.naspipeline.controller.logic.ActorHeaders;

/**
 * Bearer tokens of the REST API and the caller each one stands for. Without tokens the API is open and callers are
 * anonymous. A token for the tenant named {@code admin}, or the single unnamed token ({@code NAS_API_TOKEN=TOKEN},
 * tenant {@code default}), is an admin token: it may act on every experiment. Tokens are compared in constant time.
 */
public final class ApiTokens {
    /** No tokens: the API is open. */
    public static final ApiTokens NONE = new ApiTokens(Map.of(), Map.of());
    /** The tenant name whose token is an admin token. */
    public static final String ADMIN = ActorHeaders.ADMIN;
    /** Tenant names: they travel in record headers and actor strings. */
    private static final Pattern TENANT = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    /** Who is calling: a tenant (possibly an admin), or {@link #ANONYMOUS} when the API has no tokens. */
    public record Caller(String tenant, boolean admin) {
        /** The caller of an API without tokens: may do everything, records no tenant. */
        public static final Caller ANONYMOUS = new Caller(null, true);

        /** What lifecycle events record as the actor: {@code tenant:<name>}, {@code admin:<name>} or {@code anonymous}. */
        public String actor() {
            return tenant == null ? "anonymous" : (admin ? "admin:" : "tenant:") + tenant;
        }

        /** Whether this caller may act on (or see, when reads are scoped) an experiment of {@code owner} (null: none). */
        public boolean owns(String owner) {
            return admin || tenant != null && tenant.equals(owner);
        }
    }

    private final Map<String, String> tenantByToken;
    private final Map<String, Boolean> adminByToken;

    private ApiTokens(Map<String, String> tenantByToken, Map<String, Boolean> adminByToken) {
        this.tenantByToken = Map.copyOf(tenantByToken);
        this.adminByToken = Map.copyOf(adminByToken);
    }

    /**
     * Parses {@code TOKEN} (tenant {@code default}, an admin) or {@code tenant=TOKEN,tenant2=TOKEN2} ({@code admin=TOKEN}
     * is an admin); null or blank: none.
     */
    public static ApiTokens parse(String variable, String raw) {
        if (raw == null || raw.isBlank()) {
            return NONE;
        }
        Map<String, String> tenants = new LinkedHashMap<>();
        Map<String, Boolean> admins = new LinkedHashMap<>();
        if (!raw.contains("=")) {
            tenants.put(raw.trim(), "default");
            admins.put(raw.trim(), true);
            return new ApiTokens(tenants, admins);
        }
        for (String part : raw.split(",")) {
            int eq = part.indexOf('=');
            String tenant = eq < 0 ? "" : part.substring(0, eq).trim();
            String token = eq < 0 ? "" : part.substring(eq + 1).trim();
            if (token.startsWith("=")) {
                // a single base64 token ending in "==" would read as tenant "abc…" with token "=": refuse, echo nothing
                throw new IllegalArgumentException(variable + ": a token cannot start with '='; a single token containing '=' "
                        + "is given as default=TOKEN");
            }
            if (tenant.isEmpty() || token.isEmpty()) {
                throw new IllegalArgumentException(variable + ": expected 'tenant=TOKEN' entries separated by commas (got '"
                        + (eq < 0 ? part.trim() : tenant + "=…") + "')");
            }
            if (!TENANT.matcher(tenant).matches()) {
                throw new IllegalArgumentException(variable + ": tenant names are 1 to 64 letters, digits, '.', '_' or '-' "
                        + "starting with a letter or digit (got '" + (tenant.length() > 64 ? tenant.substring(0, 64) + "…" : tenant) + "')");
            }
            if (tenants.containsValue(tenant)) {
                throw new IllegalArgumentException(variable + ": tenant '" + tenant + "' is given twice");
            }
            if (tenants.put(token, tenant) != null) {
                throw new IllegalArgumentException(variable + ": the same token is given for two tenants");
            }
            admins.put(token, ADMIN.equals(tenant));
        }
        return new ApiTokens(tenants, admins);
    }

    /** Whether the API needs a token. */
    public boolean required() {
        return !tenantByToken.isEmpty();
    }

    /** The caller of an {@code Authorization} header value, if it carries a known bearer token (anonymous without tokens). */
    public Optional<Caller> callerOf(String authorization) {
        if (!required()) {
            return Optional.of(Caller.ANONYMOUS);
        }
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return Optional.empty();
        }
        byte[] given = digest(authorization.substring(7).trim());
        String found = null;
        for (String token : tenantByToken.keySet()) {
            // every token is compared, over digests of equal length, so timing tells neither which one nor how much matched
            if (MessageDigest.isEqual(given, digest(token))) {
                found = token;
            }
        }
        return found == null ? Optional.empty() : Optional.of(new Caller(tenantByToken.get(found), adminByToken.get(found)));
    }

    /** The tenant of an {@code Authorization} header value, if it carries a known bearer token. */
    public Optional<String> tenantOf(String authorization) {
        return required() ? callerOf(authorization).map(Caller::tenant) : Optional.empty();
    }

    /**
     * A secret derived from every token, for instance-to-instance requests when {@code NAS_INTERNAL_SECRET} is unset:
     * instances given the same {@code NAS_API_TOKEN} agree on it, and a tenant who knows only its own token cannot
     * compute it. Null without tokens.
     */
    public String derivedInternalSecret() {
        if (!required()) {
            return null;
        }
        StringBuilder all = new StringBuilder("nas-internal-secret-v1\n");
        new TreeMap<>(tenantByToken).forEach((token, tenant) -> all.append(tenant).append('=').append(token).append('\n'));
        return HexFormat.of().formatHex(digest(all.toString()));
    }

    static byte[] digest(String value) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this Java runtime", e);
        }
    }

    @Override
    public String toString() {
        if (!required()) {
            return "none (open)";
        }
        long admins = adminByToken.values().stream().filter(a -> a).count();
        return tenantByToken.size() + " token(s) for tenants " + new java.util.TreeSet<>(tenantByToken.values())
                + (admins > 0 ? " (" + admins + " admin)" : "");
    }
}
