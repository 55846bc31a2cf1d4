package org.naspipeline.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.naspipeline.api.JsonCodec;

/** A small client of the controller's REST API for the {@code nas} commands (NAS_API_URL, NAS_API_TOKEN). */
final class ApiClient {
    /** A non-2xx answer, with the API's error list. */
    static final class ApiException extends RuntimeException {
        final int status;

        ApiException(int status, String message) {
            super(message);
            this.status = status;
        }
    }

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final String base;
    private final String token;

    ApiClient(String base, String token) {
        this.base = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
        this.token = token;
    }

    /** From NAS_API_URL (default http://localhost:8080) and NAS_API_TOKEN, unless given. */
    static ApiClient fromEnvironment(String url, String token) {
        String base = url != null ? url : System.getenv().getOrDefault("NAS_API_URL", "http://localhost:8080");
        return new ApiClient(base, token != null ? token : System.getenv("NAS_API_TOKEN"));
    }

    JsonNode get(String path) {
        return send(HttpRequest.newBuilder(URI.create(base + path)).GET());
    }

    JsonNode post(String path, byte[] body) {
        return send(HttpRequest.newBuilder(URI.create(base + path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)));
    }

    JsonNode delete(String path) {
        return send(HttpRequest.newBuilder(URI.create(base + path)).DELETE());
    }

    private JsonNode send(HttpRequest.Builder request) {
        if (token != null && !token.isBlank()) {
            request.header("Authorization", "Bearer " + token);
        }
        HttpResponse<byte[]> response;
        try {
            response = http.send(request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new ApiException(0, "cannot reach the controller at " + base + ": " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiException(0, "interrupted");
        }
        JsonNode body = response.body().length == 0 ? null : JsonCodec.readTree(response.body());
        if (response.statusCode() / 100 != 2) {
            StringBuilder message = new StringBuilder("HTTP " + response.statusCode());
            if (body != null && body.has("errors")) {
                body.get("errors").forEach(e -> message.append("\n  ").append(e.path("path").asText()).append(": ").append(e.path("message").asText()));
            }
            throw new ApiException(response.statusCode(), message.toString());
        }
        return body;
    }
}
