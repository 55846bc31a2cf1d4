package org.naspipeline.api;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** One point of the joint search space: an architecture plus the compression applied to it. */
public record Candidate(ArchitectureSpec architecture, CompressionSpec compression) {

    /** Normalizes an absent compression to none. */
    public Candidate {
        compression = compression == null ? CompressionSpec.NONE : compression;
    }

    /** Stable identity of the candidate: SHA-256 of its canonical JSON, first 16 hex digits. */
    public String canonicalHash() {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest(JsonCodec.canonicalJson(this).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JRE", e);
        }
    }
}
