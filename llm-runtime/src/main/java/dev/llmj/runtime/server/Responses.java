package dev.llmj.runtime.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/** Reading requests and writing JSON responses on an {@link HttpExchange}. */
final class Responses {
    private Responses() {}

    /** The request body, refused with 413 beyond {@link LlmServer#MAX_BODY_BYTES}. */
    static byte[] body(HttpExchange ex) throws IOException {
        try (InputStream in = ex.getRequestBody()) {
            byte[] b = in.readNBytes(LlmServer.MAX_BODY_BYTES + 1);
            if (b.length > LlmServer.MAX_BODY_BYTES) {
                throw new ApiError(413, "invalid_request_error", null,
                        "the request body is larger than " + LlmServer.MAX_BODY_BYTES + " bytes");
            }
            return b;
        }
    }

    static void json(HttpExchange ex, int status, ObjectMapper mapper, JsonNode body) throws IOException {
        byte[] bytes = mapper.writeValueAsBytes(body);
        ex.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    /**
     * Sends {@code e} as OpenAI's error JSON, if the response has not started (a streamed response
     * reports late errors in its own stream). A client that is gone is ignored.
     */
    static void error(HttpExchange ex, ApiError e, ObjectMapper mapper) {
        if (ex.getResponseCode() != -1) {
            return;
        }
        try {
            json(ex, e.status(), mapper, e.toJson(mapper));
        } catch (IOException | RuntimeException ignored) {
            // the client went away; nothing left to tell it
        }
    }

    /** Starts a server-sent-event stream (HTTP 200, chunked). */
    static SseWriter startEvents(HttpExchange ex, ObjectMapper mapper) throws IOException {
        ex.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
        ex.getResponseHeaders().set("Cache-Control", "no-cache");
        ex.sendResponseHeaders(200, 0);
        return new SseWriter(ex.getResponseBody(), mapper);
    }
}
