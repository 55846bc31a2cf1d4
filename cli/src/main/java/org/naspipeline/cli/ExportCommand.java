package org.naspipeline.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.naspipeline.api.InvalidInputException;
import org.naspipeline.api.JsonCodec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code nas export ID --csv FILE}: an experiment's trials as CSV, from {@code GET …/trials?format=csv}. The file is
 * written whole or not at all (a temporary file next to it, then moved); {@code -} writes to standard output.
 */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = "Write an experiment's trials to a CSV file (one row per trial; pandas.read_csv reads it).")
final class ExportCommand extends ApiCommands.Target implements Callable<Integer> {
    @Parameters(index = "0", description = "experiment id")
    String id;

    @Option(names = "--csv", required = true, paramLabel = "FILE", description = "the CSV file to write (- : standard output)")
    String csv;

    @Override
    public Integer call() {
        String base = url != null ? url : System.getenv().getOrDefault("NAS_API_URL", "http://localhost:8080");
        String bearer = token != null ? token : System.getenv("NAS_API_TOKEN");
        URI uri;
        try {
            uri = URI.create((base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + "/api/v1/experiments/"
                    + URLEncoder.encode(id, StandardCharsets.UTF_8).replace("+", "%20") + "/trials?format=csv");
        } catch (IllegalArgumentException e) {
            System.err.println("--url: not a URL (" + base + ")");
            return 2;
        }
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60)).GET();
        if (bearer != null && !bearer.isBlank()) {
            request.header("Authorization", "Bearer " + bearer);
        }
        HttpResponse<byte[]> response;
        try {
            response = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build()
                    .send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            System.err.println("cannot reach the controller at " + base + ": " + e);
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        }
        if (response.statusCode() != 200) {
            return ApiCommands.fail(new ApiClient.ApiException(response.statusCode(), failure(response)));
        }
        if ("-".equals(csv)) {
            System.out.write(response.body(), 0, response.body().length);
            System.out.flush();
            return 0;
        }
        return write(Path.of(csv), response.body());
    }

    /** Writes {@code body} to {@code file} through a temporary sibling, so a failure leaves no partial file. */
    static int write(Path file, byte[] body) {
        Path target = file.toAbsolutePath();
        Path dir = target.getParent();
        Path temp = null;
        try {
            temp = Files.createTempFile(dir, "." + target.getFileName(), ".part");
            Files.write(temp, body);
            Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            System.err.println("wrote " + file + " (" + (countLines(body) - 1) + " trials)");
            return 0;
        } catch (NoSuchFileException e) {
            System.err.println("--csv: no such directory: " + dir);
            return 2;
        } catch (IOException e) {
            System.err.println("--csv: cannot write " + file + ": " + e.getMessage());
            return 2;
        } finally {
            if (temp != null) {
                try {
                    Files.deleteIfExists(temp);
                } catch (IOException e) {
                    System.err.println("--csv: could not remove the temporary file " + temp + ": " + e.getMessage());
                }
            }
        }
    }

    /** Records in the CSV: CRLF line ends outside quotes. */
    private static int countLines(byte[] body) {
        int lines = 0;
        boolean quoted = false;
        for (byte b : body) {
            if (b == '"') {
                quoted = !quoted;
            } else if (b == '\n' && !quoted) {
                lines++;
            }
        }
        return lines;
    }

    /** "HTTP 404" and the API's error list, as the other commands print it. */
    private static String failure(HttpResponse<byte[]> response) {
        StringBuilder message = new StringBuilder("HTTP " + response.statusCode());
        try {
            JsonNode body = response.body().length == 0 ? null : JsonCodec.readTree(response.body());
            if (body != null && body.has("errors")) {
                body.get("errors").forEach(e -> message.append("\n  ").append(e.path("path").asText()).append(": ")
                        .append(e.path("message").asText()));
            }
        } catch (InvalidInputException e) {
            message.append(" (not an answer of the nas API)");
        }
        return message.toString();
    }
}
