package dev.llmj.runtime.server;

import static dev.llmj.runtime.server.TestClient.json;
import static dev.llmj.runtime.server.TestClient.quote;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmj.runtime.generate.GenerationOptions;
import dev.llmj.runtime.model.Model;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Many clients at once, session limits, queueing and client disconnects. */
class ConcurrencyTest {
    static Model model;

    @BeforeAll
    static void load() throws Exception {
        model = Model.load(LlmServerTest.EMBEDDED);
    }

    @AfterAll
    static void close() {
        if (model != null) {
            model.close();
        }
    }

    /**
     * 16 clients × 8 requests through 4 sessions and the queue: every response is the greedy
     * continuation of its own prompt (computed directly beforehand), so a response mixed with
     * another request's tokens or cache would show, and no session outlives its request.
     */
    @Test
    void sixteenClientsGetTheirOwnContinuations() throws Exception {
        int clients = 16;
        int requests = 8;
        int maxTokens = 6;
        List<String> prompts = new ArrayList<>();
        List<String> expected = new ArrayList<>();
        String[] names = {"ROMEO", "JULIET", "KING RICHARD", "GLOUCESTER", "First Citizen", "MENENIUS", "HAMLET", "LEAR"};
        for (int c = 0; c < clients; c++) {
            String p = names[c % names.length] + (c < names.length ? ":" : ":\nI");
            prompts.add(p);
            expected.add(LlmServerTest.direct(model, model.tokenizer().encode(p, true), GenerationOptions.greedy(maxTokens)).text());
        }
        try (LlmServer server = LlmServer.start(model, ServerOptions.defaults().withPort(0));
             ExecutorService pool = Executors.newFixedThreadPool(clients)) {
            TestClient client = new TestClient(server.port());
            List<Future<List<String>>> results = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                String prompt = prompts.get(c);
                results.add(pool.submit(() -> {
                    List<String> texts = new ArrayList<>();
                    for (int r = 0; r < requests; r++) {
                        boolean stream = r % 2 == 1;
                        HttpResponse<String> resp = client.post("/v1/completions", "{\"prompt\": " + quote(prompt)
                                + ", \"temperature\": 0, \"max_tokens\": " + maxTokens + ", \"stream\": " + stream + "}");
                        assertEquals(200, resp.statusCode(), resp.body());
                        texts.add(stream ? streamedText(resp.body()) : json(resp).get("choices").get(0).get("text").asText());
                    }
                    return texts;
                }));
            }
            for (int c = 0; c < clients; c++) {
                for (String text : results.get(c).get()) {
                    assertEquals(expected.get(c), text, "client " + c + " prompt " + quote(prompts.get(c)));
                }
            }
            // each handler frees its session just after its response's last byte
            waitFor(() -> server.activeSessions() == 0, Duration.ofSeconds(5), "the sessions to be freed");
            var health = json(client.get("/health"));
            assertEquals(0, health.get("active_sessions").asInt());
            // Concurrent requests decode together: at least one step served several sessions.
            assertTrue(health.get("largest_decode_batch").asInt() > 1, health.toString());
            assertTrue(health.get("decode_tokens").asLong() > health.get("decode_steps").asLong(), health.toString());
        }
    }

    static String streamedText(String body) {
        StringBuilder s = new StringBuilder();
        for (String e : TestClient.events(body)) {
            if (!e.equals("[DONE]")) {
                s.append(LlmServerTest.parse(e).get("choices").get(0).get("text").asText());
            }
        }
        return s.toString();
    }

    /**
     * A streaming request that would run for 8000 tokens (EOS ignored) on a long context. The tiny
     * model decodes 2000 tokens in well under 2 s on a fast machine, which once let a stream finish
     * before its disconnect was noticed; attention grows with the context, so 8000 take several
     * seconds even there, while a cancelled one ends at its next token.
     */
    static final String LONG_STREAM = "{\"prompt\": \"ROMEO:\", \"max_tokens\": 8000, \"ignore_eos\": true, \"stream\": true}";

    static ServerOptions oneSession(int queued) {
        return ServerOptions.defaults().withPort(0).withSessions(1, queued, Duration.ofSeconds(2)).withContext(8192, null);
    }

    /** Reads the stream up to the end of its first event. */
    static String firstEvent(InputStream in) throws Exception {
        StringBuilder s = new StringBuilder();
        int b;
        while ((b = in.read()) >= 0) {
            s.append((char) b);
            if (s.toString().endsWith("\n\n")) {
                return s.toString();
            }
        }
        throw new AssertionError("the stream ended before its first event: " + s);
    }

    @Test
    void clientDisconnectMidStreamFreesTheSession() throws Exception {
        try (LlmServer server = LlmServer.start(model, oneSession(0))) {
            TestClient client = new TestClient(server.port());
            HttpResponse<InputStream> r = client.stream("/v1/completions", LONG_STREAM);
            assertEquals(200, r.statusCode());
            try (InputStream in = r.body()) {
                assertTrue(firstEvent(in).startsWith("data: {"));
                assertEquals(1, server.activeSessions());
            }
            // Detection needs a write after the close; the tiny model writes a token every few ms,
            // while the full 2000 tokens would take seconds: 5 s is a generous bound on a busy machine.
            waitFor(() -> server.activeSessions() == 0, Duration.ofSeconds(5), "the session to be freed");
            assertEquals(1, server.cancelledGenerations(), "stopped by the disconnect, not by finishing");
            // The slot is free again for the next client.
            JsonNode o = json(client.post("/v1/completions", "{\"prompt\": \"A\", \"max_tokens\": 2}"));
            assertEquals(2, o.get("usage").get("completion_tokens").asInt(), o.toString());
        }
    }

    @Test
    void requestsBeyondSessionsAndQueueGet503() throws Exception {
        // The holder (LONG_STREAM) outlasts the queued request's 2 s timeout; closing it cancels it.
        try (LlmServer server = LlmServer.start(model, oneSession(1))) {
            TestClient client = new TestClient(server.port());
            HttpResponse<InputStream> holder = client.stream("/v1/completions", LONG_STREAM);
            try (InputStream in = holder.body()) {
                firstEvent(in);
                // The second request waits in the queue (bound 1) ...
                CompletableFuture<HttpResponse<String>> queued = CompletableFuture.supplyAsync(
                        () -> client.post("/v1/completions", "{\"prompt\": \"A\", \"max_tokens\": 2}"));
                waitFor(() -> json(client.get("/health")).get("queued").asInt() == 1, Duration.ofSeconds(5),
                        "the second request to queue");
                // ... so a third is refused at once,
                HttpResponse<String> refused = client.post("/v1/completions", "{\"prompt\": \"A\", \"max_tokens\": 2}");
                assertEquals(503, refused.statusCode());
                JsonNode e = json(refused).get("error");
                assertTrue(e.get("message").asText().contains("already waiting"), refused.body());
                assertEquals("server_overloaded", e.get("type").asText());
                // and the queued one gives up after the 2 s queue timeout.
                HttpResponse<String> timedOut = queued.get();
                assertEquals(503, timedOut.statusCode());
                assertTrue(json(timedOut).get("error").get("message").asText().contains("within 2 s"), timedOut.body());
            }
            waitFor(() -> server.activeSessions() == 0, Duration.ofSeconds(5), "the held session to be freed");
        }
    }

    @Test
    void stopEndsRunningStreamsAndFreesTheirSessions() throws Exception {
        LlmServer server = LlmServer.start(model, oneSession(0));
        try {
            TestClient client = new TestClient(server.port());
            HttpResponse<InputStream> r = client.stream("/v1/completions", LONG_STREAM);
            try (InputStream in = r.body()) {
                firstEvent(in);
                long t0 = System.nanoTime();
                server.stop();
                // stop() waits ≤ 1 s for handlers, which end at their next token.
                assertTrue(System.nanoTime() - t0 < 3_000_000_000L, "stop took too long");
                assertEquals(0, server.activeSessions());
                // The client sees its stream end (cut short, without [DONE]) instead of hanging.
                String rest = assertTimeoutPreemptively(Duration.ofSeconds(5),
                        () -> new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
                assertFalse(rest.contains("[DONE]"), rest);
            }
        } finally {
            server.stop();
        }
    }

    static void waitFor(BooleanSupplier condition, Duration limit, String what) throws InterruptedException {
        long end = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("timed out after " + limit + " waiting for " + what);
            }
            Thread.sleep(10);
        }
    }
}
