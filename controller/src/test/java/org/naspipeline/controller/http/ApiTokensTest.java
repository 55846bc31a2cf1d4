package org.naspipeline.controller.http;

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
    void aSingleBase64TokenEndingInEqualsSignsIsRefusedWithAHintNotMisread() {
        assertThatThrownBy(() -> ApiTokens.parse("NAS_API_TOKEN", "c2VjcmV0LXRva2Vu=="))
                .hasMessageContaining("default=TOKEN").hasMessageNotContaining("c2VjcmV0LXRva2Vu");
        ApiTokens given = ApiTokens.parse("NAS_API_TOKEN", "default=c2VjcmV0LXRva2Vu==");
        assertThat(given.callerOf("Bearer c2VjcmV0LXRva2Vu==")).isPresent();
        assertThat(given.callerOf("Bearer =")).isEmpty();
    }

    @Test
    void noTokensLeaveTheApiOpenAndMalformedListsAreRefused() {
        assertThat(ApiTokens.parse("NAS_API_TOKEN", null).required()).isFalse();
        assertThat(ApiTokens.parse("NAS_API_TOKEN", " ").required()).isFalse();
        assertThatThrownBy(() -> ApiTokens.parse("NAS_API_TOKEN", "acme=t1,globex"))
                .hasMessage("NAS_API_TOKEN: expected 'tenant=TOKEN' entries separated by commas (got 'globex')");
        assertThatThrownBy(() -> ApiTokens.parse("NAS_API_TOKEN", "a=t1,b=t1")).hasMessageContaining("same token");
    }

    @Test
    void callersAreTenantsAdminsOrAnonymousAndOnlyOwnersAndAdminsOwnAnExperiment() {
        ApiTokens tokens = ApiTokens.parse("NAS_API_TOKEN", "acme=t1,globex=t2,admin=t0");
        ApiTokens.Caller acme = tokens.callerOf("Bearer t1").orElseThrow();
        ApiTokens.Caller admin = tokens.callerOf("Bearer t0").orElseThrow();
        assertThat(acme.actor()).isEqualTo("tenant:acme");
        assertThat(admin.actor()).isEqualTo("admin:admin");
        assertThat(acme.owns("acme")).isTrue();
        assertThat(acme.owns("globex")).isFalse();
        assertThat(acme.owns(null)).as("submitted on the topic without a tenant: admin only").isFalse();
        assertThat(admin.owns("globex")).isTrue();
        assertThat(admin.owns(null)).isTrue();
        assertThat(tokens.callerOf("Bearer t3")).isEmpty();
        assertThat(tokens.callerOf(null)).isEmpty();
        assertThat(tokens.toString()).isEqualTo("3 token(s) for tenants [acme, admin, globex] (1 admin)");
        ApiTokens.Caller single = ApiTokens.parse("NAS_API_TOKEN", "only").callerOf("Bearer only").orElseThrow();
        assertThat(single.actor()).as("the one unnamed token is the operator's").isEqualTo("admin:default");
        ApiTokens.Caller anonymous = ApiTokens.NONE.callerOf(null).orElseThrow();
        assertThat(anonymous.actor()).isEqualTo("anonymous");
        assertThat(anonymous.owns(null)).isTrue();
        assertThat(ApiTokens.NONE.tenantOf("Bearer x")).isEmpty();
    }

    @Test
    void badTenantNamesAndRepeatedTenantsAreRefusedWithoutEchoingTokens() {
        assertThatThrownBy(() -> ApiTokens.parse("NAS_API_TOKEN", "ac me=t1"))
                .hasMessageStartingWith("NAS_API_TOKEN: tenant names are 1 to 64 letters");
        assertThatThrownBy(() -> ApiTokens.parse("NAS_API_TOKEN", "tenant:x=t1")).hasMessageContaining("'tenant:x'");
        assertThatThrownBy(() -> ApiTokens.parse("NAS_API_TOKEN", "a".repeat(65) + "=t1")).hasMessageContaining("…");
        assertThatThrownBy(() -> ApiTokens.parse("NAS_API_TOKEN", "acme=t1,acme=t2")).hasMessage("NAS_API_TOKEN: tenant 'acme' is given twice");
        assertThatThrownBy(() -> ApiTokens.parse("NAS_API_TOKEN", "acme=secret-1,globex="))
                .hasMessage("NAS_API_TOKEN: expected 'tenant=TOKEN' entries separated by commas (got 'globex=…')")
                .hasMessageNotContaining("secret-1");
    }

    @Test
    void theDerivedInternalSecretDependsOnEveryTokenButNotOnTheirOrder() {
        String secret = ApiTokens.parse("NAS_API_TOKEN", "acme=t1,globex=t2").derivedInternalSecret();
        assertThat(secret).hasSize(64).doesNotContain("t1");
        assertThat(ApiTokens.parse("NAS_API_TOKEN", "globex=t2, acme=t1").derivedInternalSecret()).isEqualTo(secret);
        assertThat(ApiTokens.parse("NAS_API_TOKEN", "acme=t1,globex=t3").derivedInternalSecret()).isNotEqualTo(secret);
        assertThat(ApiTokens.parse("NAS_API_TOKEN", "acme=t1").derivedInternalSecret()).isNotEqualTo(secret);
        assertThat(ApiTokens.NONE.derivedInternalSecret()).isNull();
    }
}
