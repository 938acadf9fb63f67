package dev.llmj.runtime.server;

import static dev.llmj.runtime.server.TestClient.json;
import static dev.llmj.runtime.server.TestClient.quote;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmj.rope.attention.KvType;
import dev.llmj.runtime.generate.GenerationOptions;
import dev.llmj.runtime.generate.GenerationResult;
import dev.llmj.runtime.generate.Generator;
import dev.llmj.runtime.generate.TokenListener;
import dev.llmj.runtime.model.Model;
import dev.llmj.runtime.model.Session;
import dev.llmj.runtime.sampling.SamplerConfig;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The endpoints over real HTTP on a loopback ephemeral port, against generation run directly. */
class LlmServerTest {
    static final Path EMBEDDED = Path.of("..", "models", "tinyshakespeare-f32.gguf");

    static Model model;
    static LlmServer server;
    static TestClient client;

    @BeforeAll
    static void start() throws Exception {
        model = Model.load(EMBEDDED);
        server = LlmServer.start(model, ServerOptions.defaults().withPort(0));
        client = new TestClient(server.port());
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.stop();
        }
        if (model != null) {
            model.close();
        }
    }

    /** What {@code llm generate} produces: the same Generator on a fresh session of the server's context. */
    static GenerationResult direct(Model m, int[] promptIds, GenerationOptions options) {
        try (Session s = m.newSession(m.config().contextLength())) {
            return Generator.generate(s, promptIds, options, TokenListener.NONE);
        }
    }

    static GenerationResult directGreedy(String prompt, int maxTokens) {
        return direct(model, model.tokenizer().encode(prompt, true), GenerationOptions.greedy(maxTokens));
    }

    /** An F16-cache server says so on /health and generates what an F16 session generates. */
    @Test
    void anF16CacheServerReportsItAndMatchesAnF16Session() throws Exception {
        try (LlmServer f16 = LlmServer.start(model, ServerOptions.defaults().withPort(0).withKvType(KvType.F16))) {
            TestClient c = new TestClient(f16.port());
            assertEquals("f16", json(c.get("/health")).get("cache_type").asText());
            assertEquals("f32", json(client.get("/health")).get("cache_type").asText());
            HttpResponse<String> r = c.post("/v1/completions", "{\"prompt\": \"JULIET:\", \"temperature\": 0, \"max_tokens\": 24}");
            assertEquals(200, r.statusCode(), r.body());
            String expected;
            try (Session s = model.newSession(model.config().contextLength(), model.config().ropeScheme(), KvType.F16)) {
                expected = Generator.generate(s, model.tokenizer().encode("JULIET:", true), GenerationOptions.greedy(24),
                        TokenListener.NONE).text();
            }
            assertEquals(expected, json(r).get("choices").get(0).get("text").asText());
        }
    }

    @Test
    void greedyCompletionMatchesGenerateForTheSamePrompt() throws InterruptedException {
        HttpResponse<String> r = client.post("/v1/completions",
                "{\"prompt\": \"ROMEO:\", \"temperature\": 0, \"max_tokens\": 12}");
        assertEquals(200, r.statusCode(), r.body());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
        JsonNode o = json(r);
        assertEquals("text_completion", o.get("object").asText());
        assertTrue(o.get("id").asText().startsWith("cmpl-"), o.toString());
        assertEquals(server.modelId(), o.get("model").asText());
        JsonNode choice = o.get("choices").get(0);
        GenerationResult expected = directGreedy("ROMEO:", 12);
        assertEquals(expected.text(), choice.get("text").asText());
        assertTrue(choice.get("text").asText().startsWith("\nWhy, my lord"), o.toString()); // as GenerateCommandTest
        assertEquals("length", choice.get("finish_reason").asText());
        assertEquals(7, o.get("usage").get("prompt_tokens").asInt()); // [1,383,479,489,478,479,471]
        assertEquals(12, o.get("usage").get("completion_tokens").asInt());
        assertEquals(19, o.get("usage").get("total_tokens").asInt());
        // the handler frees its session just after the response's last byte: a moment later
        ConcurrencyTest.waitFor(() -> server.activeSessions() == 0, java.time.Duration.ofSeconds(5), "the session to be freed");
    }

    @Test
    void streamedCompletionIsTheSameTextInEvents() {
        HttpResponse<String> r = client.post("/v1/completions",
                "{\"prompt\": \"ROMEO:\", \"temperature\": 0, \"max_tokens\": 12, \"stream\": true}");
        assertEquals(200, r.statusCode(), r.body());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream"));
        List<String> events = TestClient.events(r.body());
        assertEquals("[DONE]", events.getLast());
        StringBuilder text = new StringBuilder();
        List<JsonNode> chunks = new ArrayList<>();
        for (String e : events.subList(0, events.size() - 1)) {
            chunks.add(TestClient.JSON.valueToTree(parse(e)));
        }
        assertTrue(chunks.size() >= 2, "text arrives in several events: " + events);
        for (int i = 0; i < chunks.size(); i++) {
            JsonNode c = chunks.get(i);
            assertEquals("text_completion", c.get("object").asText());
            JsonNode choice = c.get("choices").get(0);
            text.append(choice.get("text").asText());
            boolean last = i == chunks.size() - 1;
            assertEquals(last ? "length" : null, choice.get("finish_reason").isNull() ? null : choice.get("finish_reason").asText());
        }
        assertEquals(directGreedy("ROMEO:", 12).text(), text.toString());
    }

    @Test
    void seededSamplingMatchesTheGeneratorAndRepeats() {
        String body = "{\"prompt\": \"JULIET:\", \"max_tokens\": 16, \"seed\": 99, \"temperature\": 0.8, \"top_k\": 40,"
                + " \"top_p\": 0.95, \"min_p\": 0.05}";
        String a = json(client.post("/v1/completions", body)).get("choices").get(0).get("text").asText();
        String b = json(client.post("/v1/completions", body)).get("choices").get(0).get("text").asText();
        assertEquals(a, b);
        GenerationOptions options = new GenerationOptions(16, new SamplerConfig(0.8f, 40, 0.95f, 0.05f, 1f, 64, 99),
                List.of(), true);
        assertEquals(direct(model, model.tokenizer().encode("JULIET:", true), options).text(), a);
    }

    @Test
    void repeatPenaltyNamesAllReachTheSampler() {
        GenerationOptions options = new GenerationOptions(16, new SamplerConfig(0f, 40, 0.95f, 0.05f, 1.5f, 64, 0),
                List.of(), true);
        String expected = direct(model, model.tokenizer().encode("ROMEO:", true), options).text();
        assertFalse(expected.equals(directGreedy("ROMEO:", 16).text()), "the penalty must change this continuation");
        for (String field : List.of("\"repeat_penalty\": 1.5", "\"repetition_penalty\": 1.5", "\"frequency_penalty\": 0.5")) {
            JsonNode o = json(client.post("/v1/completions",
                    "{\"prompt\": \"ROMEO:\", \"temperature\": 0, \"max_tokens\": 16, " + field + "}"));
            assertEquals(expected, o.get("choices").get(0).get("text").asText(), field);
        }
    }

    @Test
    void tokenIdPromptEqualsTheTextPrompt() {
        JsonNode o = json(client.post("/v1/completions",
                "{\"prompt\": [1,383,479,489,478,479,471], \"temperature\": 0, \"max_tokens\": 12}"));
        assertEquals(directGreedy("ROMEO:", 12).text(), o.get("choices").get(0).get("text").asText());
    }

    @Test
    void stopStringEndsTheCompletionBeforeIt() {
        JsonNode o = json(client.post("/v1/completions",
                "{\"prompt\": \"ROMEO:\", \"temperature\": 0, \"max_tokens\": 40, \"stop\": [\"lord\", \"xyz\"]}"));
        assertEquals("\nWhy, my ", o.get("choices").get(0).get("text").asText());
        assertEquals("stop", o.get("choices").get(0).get("finish_reason").asText());
    }

    @Test
    void completionIsCutAtTheContextWithFinishReasonLength() {
        // 250 prompt tokens leave room for 256 - 250 + 1 = 7 generated tokens.
        StringBuilder ids = new StringBuilder("[1");
        for (int i = 1; i < 250; i++) {
            ids.append(",").append(383 + i % 7);
        }
        JsonNode o = json(client.post("/v1/completions",
                "{\"prompt\": " + ids + "], \"temperature\": 0, \"max_tokens\": 100, \"ignore_eos\": true}"));
        assertEquals(7, o.get("usage").get("completion_tokens").asInt(), o.toString());
        assertEquals("length", o.get("choices").get(0).get("finish_reason").asText());
    }

    @Test
    void chatUsesThePlainFallbackTemplate() {
        assertEquals(ChatTemplate.Style.PLAIN, server.chatTemplate().style(), "the embedded model has no chat template");
        String messages = "[{\"role\": \"system\", \"content\": \"Speak verse.\"}, {\"role\": \"user\", \"content\": \"Who art thou?\"}]";
        String prompt = "System: Speak verse.\nUser: Who art thou?\nAssistant:";
        GenerationOptions options = new GenerationOptions(20, SamplerConfig.greedy(), List.of("\nUser:"), true);
        String expected = direct(model, model.tokenizer().encode(prompt, true), options).text();

        JsonNode o = json(client.post("/v1/chat/completions",
                "{\"messages\": " + messages + ", \"temperature\": 0, \"max_tokens\": 20}"));
        assertEquals("chat.completion", o.get("object").asText());
        assertTrue(o.get("id").asText().startsWith("chatcmpl-"));
        JsonNode choice = o.get("choices").get(0);
        assertEquals("assistant", choice.get("message").get("role").asText());
        assertEquals(expected, choice.get("message").get("content").asText());
        assertEquals(model.tokenizer().encode(prompt, true).length, o.get("usage").get("prompt_tokens").asInt());

        HttpResponse<String> s = client.post("/v1/chat/completions",
                "{\"messages\": " + messages + ", \"temperature\": 0, \"max_tokens\": 20, \"stream\": true}");
        List<String> events = TestClient.events(s.body());
        assertEquals("[DONE]", events.getLast());
        StringBuilder text = new StringBuilder();
        JsonNode first = parse(events.getFirst());
        assertEquals("assistant", first.get("choices").get(0).get("delta").get("role").asText());
        for (String e : events.subList(0, events.size() - 1)) {
            JsonNode c = parse(e);
            assertEquals("chat.completion.chunk", c.get("object").asText());
            text.append(c.get("choices").get(0).get("delta").path("content").asText(""));
        }
        assertEquals(expected, text.toString());
        JsonNode last = parse(events.get(events.size() - 2));
        assertFalse(last.get("choices").get(0).get("finish_reason").isNull());
    }

    @Test
    void modelsAndHealth() {
        JsonNode models = json(client.get("/v1/models"));
        assertEquals("list", models.get("object").asText());
        assertEquals("tinyshakespeare-f32.gguf", models.get("data").get(0).get("id").asText());
        JsonNode health = json(client.get("/health"));
        assertEquals("ok", health.get("status").asText());
        assertEquals(0, health.get("active_sessions").asInt());
        assertEquals(4, health.get("max_sessions").asInt());
        JsonNode named = json(client.post("/v1/completions",
                "{\"model\": \"tinyshakespeare-f32.gguf\", \"prompt\": \"A\", \"max_tokens\": 1}"));
        assertEquals(1, named.get("usage").get("completion_tokens").asInt());
    }

    @Test
    void unknownPathsAndMethodsGetJsonErrors() {
        HttpResponse<String> missing = client.get("/v2/nothing");
        assertEquals(404, missing.statusCode());
        assertTrue(json(missing).get("error").get("message").asText().contains("/v2/nothing"));
        HttpResponse<String> wrongMethod = client.get("/v1/completions");
        assertEquals(405, wrongMethod.statusCode());
        assertEquals("POST", wrongMethod.headers().firstValue("Allow").orElse(""));
        assertEquals(405, client.post("/health", "{}").statusCode());
    }

    static JsonNode parse(String s) {
        try {
            return TestClient.JSON.readTree(s);
        } catch (Exception e) {
            throw new AssertionError("not JSON: " + quote(s), e);
        }
    }
}
