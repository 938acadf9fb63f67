package dev.llmj.runtime.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Server-sent events as the OpenAI API streams them: {@code data: <json>\n\n} per chunk, flushed at
 * once, and {@code data: [DONE]\n\n} at the end. A failed write means the client went away; the
 * IOException propagates so the caller can stop generating.
 */
final class SseWriter {
    private static final byte[] DONE = "data: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII);

    private final OutputStream out;
    private final ObjectMapper mapper;

    SseWriter(OutputStream out, ObjectMapper mapper) {
        this.out = out;
        this.mapper = mapper;
    }

    void send(JsonNode event) throws IOException {
        // Jackson escapes control characters, so the JSON is one line and cannot end the event early.
        byte[] json = mapper.writeValueAsBytes(event);
        byte[] frame = new byte[6 + json.length + 2];
        System.arraycopy("data: ".getBytes(StandardCharsets.US_ASCII), 0, frame, 0, 6);
        System.arraycopy(json, 0, frame, 6, json.length);
        frame[frame.length - 2] = '\n';
        frame[frame.length - 1] = '\n';
        out.write(frame);
        out.flush();
    }

    void done() throws IOException {
        out.write(DONE);
        out.flush();
    }
}
