package org.naspipeline.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The configuration of a service image as jib wrote it into {@code SERVICE/target/jib-image-check.tar} during
 * {@code package}: tag, entrypoint, user, exposed ports, environment and volumes.
 */
record ImageConfig(String tag, List<String> entrypoint, String user, List<Integer> exposedPorts, Map<String, String> environment,
                   List<String> volumes) {

    /** Reads the image built for {@code service} ({@code controller} or {@code worker}). */
    static ImageConfig of(String service) throws IOException {
        Path tar = ComposeFile.REPO.resolve(service).resolve("target").resolve("jib-image-check.tar");
        if (!Files.isRegularFile(tar)) {
            throw new AssertionError(tar + " is missing: `./mvnw package` builds it (jib buildTar, execution image-check)");
        }
        ObjectMapper json = new ObjectMapper();
        JsonNode manifest = null;
        Map<String, byte[]> files = new LinkedHashMap<>();
        try (InputStream in = new java.io.BufferedInputStream(Files.newInputStream(tar))) {
            readJsonEntries(in, files);
        }
        manifest = json.readTree(files.get("manifest.json")).get(0);
        JsonNode config = json.readTree(files.get(manifest.get("Config").asText())).get("config");
        Map<String, String> env = new LinkedHashMap<>();
        config.path("Env").forEach(v -> {
            String[] kv = v.asText().split("=", 2);
            env.put(kv[0], kv[1]);
        });
        List<Integer> ports = new ArrayList<>();
        config.path("ExposedPorts").fieldNames().forEachRemaining(p -> ports.add(Integer.parseInt(p.replace("/tcp", ""))));
        List<String> entrypoint = new ArrayList<>();
        config.path("Entrypoint").forEach(v -> entrypoint.add(v.asText()));
        List<String> volumes = new ArrayList<>();
        config.path("Volumes").fieldNames().forEachRemaining(volumes::add);
        return new ImageConfig(manifest.get("RepoTags").get(0).asText(), entrypoint, config.path("User").asText(null), ports, env,
                volumes);
    }

    /** The small JSON entries of a ustar archive (jib writes its config and manifest as such); layers are skipped. */
    private static void readJsonEntries(InputStream in, Map<String, byte[]> into) throws IOException {
        byte[] header = new byte[512];
        while (in.readNBytes(header, 0, 512) == 512 && header[0] != 0) {
            String name = new String(header, 0, 100, java.nio.charset.StandardCharsets.US_ASCII).replace("\0", "").trim();
            long size = Long.parseLong(new String(header, 124, 12, java.nio.charset.StandardCharsets.US_ASCII)
                    .replace("\0", "").trim(), 8);
            long padded = (size + 511) / 512 * 512;
            if (name.endsWith(".json")) {
                into.put(name, in.readNBytes((int) size));
                in.skipNBytes(padded - size);
            } else {
                in.skipNBytes(padded);
            }
        }
    }

    /** The main class the entrypoint runs (its last element). */
    String mainClass() {
        return entrypoint.get(entrypoint.size() - 1);
    }

    /** The numeric user id. */
    long uid() {
        return Long.parseLong(user.split(":")[0]);
    }
}
