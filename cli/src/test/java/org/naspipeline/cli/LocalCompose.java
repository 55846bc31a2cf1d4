package org.naspipeline.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.naspipeline.devbroker.EmbeddedKafka;
import org.naspipeline.worker.artifact.S3TestServer;

/**
 * Runs {@code docker-compose.yml} without Docker: each service of ours is started from its own launcher jar with
 * the image's environment, then the service's {@code environment} and {@code command} from the file; every other
 * image has a local stand-in (the dev broker for {@code apache/kafka}, s3proxy for MinIO, Debian's
 * {@code prometheus} for {@code prom/prometheus}). Each service instance gets its own loopback address, so service
 * host names map to addresses and every service keeps the ports the file gives it; container paths map to
 * directories under the work directory (named volumes) or in the repository (bind mounts, {@code /opt/nas}).
 */
final class LocalCompose implements AutoCloseable {
    private static final Pattern HOST_PORT = Pattern.compile("^[a-z0-9-]+:\\d+$");
    private static final Pattern MC_MAKE_BUCKET = Pattern.compile("mc mb (?:--ignore-existing )?local/([a-z0-9.-]+)");
    /** Where MinIO serves its API unless told otherwise. */
    private static final int MINIO_API_PORT = 9000;
    /** Where Prometheus listens unless told otherwise. */
    private static final int PROMETHEUS_PORT = 9090;

    private final ComposeFile compose;
    private final Path work;
    private final Map<String, List<String>> addresses = new LinkedHashMap<>();
    private final List<AutoCloseable> running = new ArrayList<>();
    private final Map<String, Path> logs = new LinkedHashMap<>();
    private PrometheusServer prometheus;

    LocalCompose(ComposeFile compose, Path work) {
        this.compose = compose;
        this.work = work;
        int next = 20;
        for (ComposeFile.Service s : compose.services().values()) {
            List<String> list = new ArrayList<>();
            for (int i = 0; i < s.replicas(); i++) {
                list.add("127.0.0." + next++);
            }
            addresses.put(s.name(), list);
        }
    }

    /** The loopback addresses of {@code service}'s instances. */
    List<String> addresses(String service) {
        return addresses.get(service);
    }

    /** The S3 stand-in serving the file's MinIO. */
    S3TestServer s3() {
        return running.stream().filter(S3TestServer.class::isInstance).map(S3TestServer.class::cast).findFirst()
                .orElseThrow(() -> new AssertionError("docker-compose.yml runs no MinIO"));
    }

    /** Starts every service in the file's order, waiting for one-shot services (init steps) to succeed. */
    void up() throws Exception {
        for (ComposeFile.Service s : compose.services().values()) {
            String image = s.image();
            if (image.startsWith("apache/kafka:")) {
                running.add(EmbeddedKafka.start(work.resolve("kafka"), addresses(s.name()).get(0), advertisedPort(s)));
            } else if (image.startsWith("minio/minio:")) {
                running.add(S3TestServer.start(addresses(s.name()).get(0), MINIO_API_PORT, s.environment().get("MINIO_ROOT_USER"),
                        s.environment().get("MINIO_ROOT_PASSWORD")));
            } else if (image.startsWith("minio/mc:") && compose.isOneShot(s.name())) {
                Matcher m = MC_MAKE_BUCKET.matcher(String.join(" ", s.command()));
                if (!m.find()) {
                    throw new AssertionError(s.name() + ": no `mc mb local/BUCKET` in its command " + s.command());
                }
                s3().createBucket(m.group(1));
            } else if (s.runs("nas-controller") || s.runs("nas-worker")) {
                startOurs(s);
            } else if (image.startsWith("prom/prometheus:")) {
                startPrometheus(s);
            } else if (image.startsWith("grafana/grafana:")) {
                continue; // No Grafana here; ComposeContractIT checks what it mounts.
            } else {
                throw new AssertionError("docker-compose.yml service " + s.name() + " runs " + image
                        + ", which has no local stand-in in LocalCompose: add one");
            }
        }
    }

    private void startOurs(ComposeFile.Service s) throws Exception {
        String service = s.runs("nas-controller") ? "controller" : "worker";
        ImageConfig image = ImageConfig.of(service);
        List<String> addrs = addresses(s.name());
        for (int i = 0; i < addrs.size(); i++) {
            String instance = addrs.size() == 1 ? s.name() : s.name() + "-" + (i + 1);
            Map<String, String> env = new LinkedHashMap<>();
            image.environment().forEach((k, v) -> env.put(k, mapValue(s, instance, v)));
            s.environment().forEach((k, v) -> env.put(k, mapValue(s, instance, v)));
            // In a container the service binds its own address; here that address is the instance's loopback one.
            env.put("NAS_HTTP_HOST", addrs.get(i));
            env.put("HOSTNAME", instance);
            Path log = work.resolve(instance + ".log");
            logs.put(instance, log);
            Process p = NasProcess.start(service, s.command(), service.equals("worker") ? "1g" : "512m", env, log);
            if (compose.isOneShot(s.name())) {
                // A one-shot step: compose's dependants wait for it to complete successfully.
                if (!p.waitFor(3, TimeUnit.MINUTES) || p.exitValue() != 0) {
                    p.destroyForcibly();
                    throw new AssertionError(instance + " did not complete successfully:\n" + Files.readString(log));
                }
            } else {
                running.add(() -> stop(p));
            }
        }
    }

    private void startPrometheus(ComposeFile.Service s) throws Exception {
        Path dir = Files.createDirectories(work.resolve(s.name()));
        String config = null;
        List<String> extra = new ArrayList<>();
        for (String arg : s.command()) {
            if (arg.startsWith("--config.file=")) {
                config = scrapeConfigForLoopback(s, hostPath(s, arg.substring("--config.file=".length())));
            } else if (!arg.startsWith("--storage.tsdb.path=")) {
                extra.add(arg);
            }
        }
        if (config == null) {
            throw new AssertionError(s.name() + " has no --config.file in its command " + s.command());
        }
        PrometheusServer server = PrometheusServer.start(dir, addresses(s.name()).get(0), PROMETHEUS_PORT, config, extra);
        prometheus = server;
        running.add(server);
    }

    /** The Prometheus the file runs, once {@link #up()} started it. */
    PrometheusServer prometheus() {
        if (prometheus == null) {
            throw new AssertionError("docker-compose.yml runs no Prometheus");
        }
        return prometheus;
    }

    /**
     * The scrape config with host names mapped to instance addresses (a DNS service name lists every replica) and
     * rule files mapped to where the service's volumes put them.
     */
    String scrapeConfigForLoopback(ComposeFile.Service s, Path config) throws IOException {
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
        JsonNode root = yaml.readTree(config.toFile());
        if (root.has("rule_files")) {
            ArrayNode files = yaml.createArrayNode();
            root.path("rule_files").forEach(f -> files.add(hostPath(s, f.asText()).toString()));
            ((ObjectNode) root).set("rule_files", files);
        }
        for (JsonNode job : root.path("scrape_configs")) {
            ObjectNode j = (ObjectNode) job;
            ArrayNode targets = yaml.createArrayNode();
            for (JsonNode sc : job.path("static_configs")) {
                for (JsonNode t : sc.path("targets")) {
                    String[] hp = t.asText().split(":");
                    targets.add(address(hp[0]) + ":" + hp[1]);
                }
            }
            for (JsonNode dns : job.path("dns_sd_configs")) {
                for (JsonNode name : dns.path("names")) {
                    for (String a : addressesOrFail(name.asText())) {
                        targets.add(a + ":" + dns.path("port").asInt());
                    }
                }
            }
            j.remove("dns_sd_configs");
            ArrayNode statics = j.putArray("static_configs");
            statics.addObject().set("targets", targets);
        }
        return yaml.writeValueAsString(root);
    }

    private String address(String host) {
        return addressesOrFail(host).get(0);
    }

    private List<String> addressesOrFail(String host) {
        List<String> a = addresses.get(host);
        if (a == null) {
            throw new AssertionError("host name '" + host + "' is no service of docker-compose.yml");
        }
        return a;
    }

    /** A value from the file or the image, with service host names and container paths mapped to local ones. */
    String mapValue(ComposeFile.Service s, String instance, String value) {
        String mapped = value;
        for (String service : addresses.keySet()) {
            mapped = mapped.replaceAll("(?<![\\w.-])" + Pattern.quote(service) + "(?![\\w-])", addresses.get(service).get(0));
        }
        if (mapped.startsWith("/")) {
            mapped = hostPath(s, instance, mapped).toString();
        }
        return mapped;
    }

    private Path hostPath(ComposeFile.Service s, String containerPath) {
        return hostPath(s, s.name(), containerPath);
    }

    /** Bind mounts and named volumes of the service first, then the images' own directories. */
    private Path hostPath(ComposeFile.Service s, String instance, String containerPath) {
        for (String volume : s.volumes()) {
            String[] parts = volume.split(":");
            String target = parts[1];
            if (containerPath.equals(target) || containerPath.startsWith(target + "/")) {
                Path source = parts[0].startsWith(".") ? ComposeFile.REPO.resolve(parts[0]).normalize() : work.resolve("volumes").resolve(parts[0]);
                return source.resolve(containerPath.substring(target.length()).replaceFirst("^/", ""));
            }
        }
        if (containerPath.equals("/opt/nas") || containerPath.startsWith("/opt/nas/")) {
            // The worker image puts the repository's datasets/ at /opt/nas/datasets (jib extraDirectories).
            return ComposeFile.REPO.resolve(containerPath.substring("/opt/nas".length()).replaceFirst("^/", ""));
        }
        if (containerPath.equals("/tmp/djl-cache")) {
            // DJL's engine cache: the one the rest of the suite already filled, instead of a fresh 500 MB extraction.
            return Path.of(System.getProperty("user.home"), ".djl.ai");
        }
        return work.resolve("fs").resolve(instance).resolve(containerPath.substring(1));
    }

    private static int advertisedPort(ComposeFile.Service kafka) {
        for (String listener : kafka.environment().get("KAFKA_ADVERTISED_LISTENERS").split(",")) {
            String hostPort = listener.substring(listener.indexOf("://") + 3);
            if (HOST_PORT.matcher(hostPort).matches() && hostPort.startsWith(kafka.name() + ":")) {
                return Integer.parseInt(hostPort.substring(hostPort.indexOf(':') + 1));
            }
        }
        throw new AssertionError("kafka advertises no listener on its service name: " + kafka.environment().get("KAFKA_ADVERTISED_LISTENERS"));
    }

    /** The log of {@code instance} so far, for failure messages. */
    String log(String instance) throws IOException {
        Path log = logs.get(instance);
        return log == null || !Files.exists(log) ? "(no log)" : Files.readString(log);
    }

    /** Every instance's log tail, for a failing test. */
    String logTails() throws IOException {
        StringBuilder sb = new StringBuilder();
        if (prometheus != null) {
            String p = prometheus.log();
            sb.append("\n===== prometheus =====\n").append(p, Math.max(0, p.length() - 4000), p.length());
        }
        for (String instance : logs.keySet()) {
            String text = log(instance);
            sb.append("\n===== ").append(instance).append(" =====\n").append(text, Math.max(0, text.length() - 4000), text.length());
        }
        return sb.toString();
    }

    private static void stop(Process p) throws InterruptedException {
        p.destroy();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
        }
    }

    /** Stops everything in reverse start order. */
    @Override
    public void close() throws Exception {
        Exception first = null;
        for (int i = running.size() - 1; i >= 0; i--) {
            try {
                running.get(i).close();
            } catch (Exception e) {
                if (first == null) {
                    first = e;
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
