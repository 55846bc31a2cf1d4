package org.naspipeline.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.time.Duration;
import java.util.Locale;
import org.naspipeline.api.InvalidInputException;
import org.naspipeline.api.JsonCodec;

/**
 * A small client of the controller's REST API for the {@code nas} commands (NAS_API_URL, NAS_API_TOKEN). Every way
 * it can fail is an {@link ApiException} whose message says what is wrong and what to do, in a line or two.
 */
final class ApiClient {
    static final String DEFAULT_URL = "http://localhost:8080";
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);

    /**
     * A non-2xx answer, with the API's error list; status 0 when no connection could be made (nothing was sent),
     * {@link #NO_ANSWER} when the request may have been sent but no answer came, {@link #BAD_SETTING} when the URL
     * given is not usable.
     */
    static final class ApiException extends RuntimeException {
        static final int BAD_SETTING = -1;
        static final int NO_ANSWER = -2;

        final int status;

        ApiException(int status, String message) {
            super(message);
            this.status = status;
        }
    }

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT).build();
    private final String base;
    private final String token;

    /** {@code base} must be an http(s) URL; {@code source} names where it came from, for the message if it is not. */
    ApiClient(String source, String base, String token) {
        this.base = checkedBase(source, base);
        this.token = token;
    }

    /** From {@code --url} or else NAS_API_URL (default http://localhost:8080), and {@code --token} or else NAS_API_TOKEN. */
    static ApiClient fromEnvironment(String url, String token) {
        String env = System.getenv("NAS_API_URL");
        String source = url != null ? "--url" : env != null ? "NAS_API_URL" : "the default URL";
        String base = url != null ? url : env != null ? env : DEFAULT_URL;
        return new ApiClient(source, base, token != null ? token : System.getenv("NAS_API_TOKEN"));
    }

    private static String checkedBase(String source, String base) {
        String trimmed = base.strip();
        String hint = source + ": '" + org.naspipeline.api.RecordChecks.abbreviate(base) + "' is not an http(s) URL of the controller";
        try {
            URI uri = new URI(trimmed);
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("http") && !scheme.equals("https")) {
                throw new ApiException(ApiException.BAD_SETTING, hint + " (write it with its scheme, e.g. http://" + trimmed.replaceFirst("^[a-zA-Z][a-zA-Z0-9+.-]*://", "") + ")");
            }
            if (uri.getHost() == null || uri.getRawQuery() != null || uri.getRawFragment() != null) {
                throw new ApiException(ApiException.BAD_SETTING, hint + " (e.g. " + DEFAULT_URL + ")");
            }
        } catch (URISyntaxException e) {
            throw new ApiException(ApiException.BAD_SETTING, hint + ": " + e.getReason() + " (e.g. " + DEFAULT_URL + ")");
        }
        return trimmed.endsWith("/") ? trimmed.substring(0, trimmed.length() - 1) : trimmed;
    }

    String base() {
        return base;
    }

    JsonNode get(String path) {
        return json(send(HttpRequest.newBuilder(uri(path)).GET(), Duration.ofSeconds(30)));
    }

    JsonNode post(String path, byte[] body) {
        return json(send(HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)), Duration.ofSeconds(30)));
    }

    JsonNode delete(String path) {
        return json(send(HttpRequest.newBuilder(uri(path)).DELETE(), Duration.ofSeconds(30)));
    }

    /** The body of a 2xx answer to a GET as it is (e.g. CSV), waiting up to {@code timeout}. */
    byte[] getBytes(String path, Duration timeout) {
        return send(HttpRequest.newBuilder(uri(path)).GET(), timeout);
    }

    /** The path of one experiment (and what follows it), its id escaped: an id may hold any character. */
    static String experiment(String id, String rest) {
        return "/api/v1/experiments/" + encode(id) + rest;
    }

    /**
     * A stream of Server-Sent Events from {@code path} over this client's connection settings and token; null when
     * the controller answers other than 200 (the caller tries again later).
     */
    java.io.InputStream events(String path) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(path)).header("Accept", "text/event-stream").GET();
        authorize(request);
        HttpResponse<java.io.InputStream> response = http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        if (response.statusCode() == 200) {
            return response.body();
        }
        response.body().close();
        return null;
    }

    /** {@code s} escaped for a path segment or a query value (a space is %20 in both). */
    static String encode(String s) {
        return java.net.URLEncoder.encode(s, java.nio.charset.StandardCharsets.UTF_8).replace("+", "%20");
    }

    private URI uri(String path) {
        try {
            return URI.create(base + path);
        } catch (IllegalArgumentException e) {
            throw new ApiException(ApiException.BAD_SETTING, "cannot ask " + base + " for " + org.naspipeline.api.RecordChecks.abbreviate(path) + ": " + e.getMessage());
        }
    }

    private void authorize(HttpRequest.Builder request) {
        if (token != null && !token.isBlank()) {
            request.header("Authorization", "Bearer " + token);
        }
    }

    private byte[] send(HttpRequest.Builder request, Duration timeout) {
        authorize(request);
        HttpResponse<byte[]> response;
        try {
            response = http.send(request.timeout(timeout).build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (HttpConnectTimeoutException e) {
            throw new ApiException(0, "no answer from " + base + " within " + CONNECT_TIMEOUT.toSeconds()
                    + " s: is the controller running there? Start `nas controller`, or set NAS_API_URL (or --url)");
        } catch (HttpTimeoutException e) {
            throw new ApiException(ApiException.NO_ANSWER, "the controller at " + base + " did not answer within "
                    + timeout.toSeconds() + " s; try again");
        } catch (ConnectException | UnresolvedAddressException e) {
            throw new ApiException(0, "no controller at " + base + " (" + (e.getMessage() == null ? "connection refused" : e.getMessage())
                    + "): start `nas controller`, or set NAS_API_URL (or --url)");
        } catch (IOException e) {
            throw new ApiException(ApiException.NO_ANSWER, "cannot reach the controller at " + base + ": "
                    + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiException(0, "interrupted");
        }
        if (response.statusCode() / 100 != 2) {
            StringBuilder message = new StringBuilder("HTTP " + response.statusCode());
            JsonNode body = errorBody(response.body());
            if (body != null && body.has("errors")) {
                body.get("errors").forEach(e -> message.append("\n  ").append(e.path("path").asText()).append(": ").append(e.path("message").asText()));
            } else if (body == null && response.body().length > 0) {
                message.append(" from ").append(base).append(", not an answer of the nas API: is NAS_API_URL the controller's HTTP port?");
            }
            throw new ApiException(response.statusCode(), message.toString());
        }
        return response.body();
    }

    private static JsonNode errorBody(byte[] body) {
        try {
            return body.length == 0 ? null : JsonCodec.readTree(body);
        } catch (InvalidInputException e) {
            return null;
        }
    }

    private JsonNode json(byte[] body) {
        try {
            return body.length == 0 ? null : JsonCodec.readTree(body);
        } catch (InvalidInputException e) {
            throw new ApiException(0, "the answer from " + base + " is not the nas API's JSON: is NAS_API_URL the controller's HTTP port?");
        }
    }
}
