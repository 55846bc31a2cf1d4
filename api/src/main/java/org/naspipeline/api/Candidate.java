package org.naspipeline.api;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collections;
import java.util.HexFormat;
import java.util.SortedMap;
import java.util.TreeMap;

/** One point of the joint search space: an architecture, the compression applied to it, and generic parameters. */
public record Candidate(ArchitectureSpec architecture, CompressionSpec compression, SortedMap<String, Object> parameters) {

    /** Normalizes an absent compression to none and absent parameters to none, sorted by name. */
    public Candidate {
        compression = compression == null ? CompressionSpec.NONE : compression;
        parameters = parameters == null ? Collections.emptySortedMap() : Collections.unmodifiableSortedMap(new TreeMap<>(parameters));
    }

    /** A candidate without generic parameters. */
    public Candidate(ArchitectureSpec architecture, CompressionSpec compression) {
        this(architecture, compression, null);
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
