package org.naspipeline.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ApiTokensTest {
    @Test
    void aSingleTokenStandsForTheDefaultTenant() {
        ApiTokens tokens = ApiTokens.parse("NAS_API_TOKEN", "abc123");
        assertThat(tokens.required()).isTrue();
        assertThat(tokens.tenantOf("Bearer abc123")).contains("default");
        assertThat(tokens.tenantOf("bearer abc123")).as("scheme is case-insensitive").contains("default");
        assertThat(tokens.tenantOf("Bearer abc1234")).isEmpty();
        assertThat(tokens.tenantOf("Basic abc123")).isEmpty();
        assertThat(tokens.tenantOf(null)).isEmpty();
    }

    @Test
    void tenantTokenPairsNameTheTenant() {
        ApiTokens tokens = ApiTokens.parse("NAS_API_TOKEN", "acme=t1, globex=t2");
        assertThat(tokens.tenantOf("Bearer t1")).contains("acme");
        assertThat(tokens.tenantOf("Bearer t2")).contains("globex");
        assertThat(tokens.toString()).isEqualTo("2 token(s) for tenants [acme, globex]").doesNotContain("t1");
    }

    @Test
    void noTokensLeaveTheApiOpenAndMalformedListsAreRefused() {
        assertThat(ApiTokens.parse("NAS_API_TOKEN", null).required()).isFalse();
        assertThat(ApiTokens.parse("NAS_API_TOKEN", " ").required()).isFalse();
        assertThatThrownBy(() -> ApiTokens.parse("NAS_API_TOKEN", "acme=t1,globex"))
                .hasMessage("NAS_API_TOKEN: expected 'tenant=TOKEN' entries separated by commas (got 'globex')");
        assertThatThrownBy(() -> ApiTokens.parse("NAS_API_TOKEN", "a=t1,b=t1")).hasMessageContaining("same token");
    }
}
