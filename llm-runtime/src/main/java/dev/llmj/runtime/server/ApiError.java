package dev.llmj.runtime.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A request the server refuses, carried to the response as OpenAI's error shape:
 * {@code {"error": {"message", "type", "param", "code"}}}.
 */
public final class ApiError extends RuntimeException {
    private final int status;
    private final String type;
    private final String param;

    public ApiError(int status, String type, String param, String message) {
        super(message, null, false, false); // no stack trace: these are expected outcomes
        this.status = status;
        this.type = type;
        this.param = param;
    }

    /** HTTP 400 naming the offending field ({@code param} may be null when no single field is at fault). */
    public static ApiError invalid(String param, String message) {
        return new ApiError(400, "invalid_request_error", param, message);
    }

    /** HTTP 503: every session is busy and the wait queue is full or the wait timed out. */
    public static ApiError overloaded(String message) {
        return new ApiError(503, "server_overloaded", null, message);
    }

    /** HTTP 500 for an unexpected failure; the details go to the server's log, not the client. */
    public static ApiError internal() {
        return new ApiError(500, "server_error", null, "internal server error (details are in the server log)");
    }

    public int status() {
        return status;
    }

    public String type() {
        return type;
    }

    public String param() {
        return param;
    }

    public ObjectNode toJson(ObjectMapper mapper) {
        ObjectNode root = mapper.createObjectNode();
        ObjectNode e = root.putObject("error");
        e.put("message", getMessage());
        e.put("type", type);
        if (param == null) {
            e.putNull("param");
        } else {
            e.put("param", param);
        }
        e.putNull("code");
        return root;
    }
}
