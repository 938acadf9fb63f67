package dev.llmj.runtime.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** A real HTTP client (java.net.http) against a server on a loopback port. */
final class TestClient {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient CLIENT = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    private final int port;

    TestClient(int port) {
        this.port = port;
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    HttpRequest.Builder postRequest(String path, String body) {
        return HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
    }

    HttpResponse<String> post(String path, String body) {
        return send(postRequest(path, body).build());
    }

    HttpResponse<String> get(String path) {
        return send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(30)).GET().build());
    }

    HttpResponse<String> send(HttpRequest request) {
        try {
            return CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    HttpResponse<java.io.InputStream> stream(String path, String body) throws IOException, InterruptedException {
        return CLIENT.send(postRequest(path, body).build(), HttpResponse.BodyHandlers.ofInputStream());
    }

    static JsonNode json(HttpResponse<String> r) {
        try {
            return JSON.readTree(r.body());
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + r.body(), e);
        }
    }

    /**
     * The {@code data:} payloads of a server-sent-event body, in order; the final {@code [DONE]}
     * is kept as the text "[DONE]". Fails on anything that is not a well-formed event.
     */
    static List<String> events(String body) {
        List<String> out = new ArrayList<>();
        for (String block : body.split("\n\n", -1)) {
            if (block.isEmpty()) {
                continue;
            }
            if (!block.startsWith("data: ") || block.indexOf('\n') >= 0) {
                throw new AssertionError("malformed event " + JSON.valueToTree(block) + " in " + body);
            }
            out.add(block.substring(6));
        }
        if (!body.endsWith("\n\n")) {
            throw new AssertionError("the stream does not end with a blank line: " + body);
        }
        return out;
    }

    static String quote(String s) {
        try {
            return JSON.writeValueAsString(s);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
