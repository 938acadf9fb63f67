package dev.llmj.runtime.server;

import static dev.llmj.runtime.server.TestClient.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmj.runtime.model.Model;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every kind of bad input gets HTTP 400 with OpenAI's error shape naming the field; the server lives on. */
class BadRequestTest {
    static Model model;
    static LlmServer server;
    static TestClient client;

    @BeforeAll
    static void start() throws Exception {
        model = Model.load(LlmServerTest.EMBEDDED);
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

    /** A prompt of {@code n} valid token ids. */
    static String ids(int n) {
        StringBuilder s = new StringBuilder("[1");
        for (int i = 1; i < n; i++) {
            s.append(",383");
        }
        return s.append("]").toString();
    }

    static Stream<Arguments> badCompletions() {
        return Stream.of(
                // path, body, param named in the error (null: no single field), a word the message must hold
                Arguments.of("/v1/completions", "{\"prompt\": \"x\",", null, "malformed JSON"),
                Arguments.of("/v1/completions", "[1, 2]", null, "JSON object"),
                Arguments.of("/v1/completions", "", null, "empty"),
                Arguments.of("/v1/completions", "{}", "prompt", "required"),
                Arguments.of("/v1/completions", "{\"prompt\": 5}", "prompt", "string or an array"),
                Arguments.of("/v1/completions", "{\"prompt\": []}", "prompt", "empty"),
                Arguments.of("/v1/completions", "{\"prompt\": [1, 99999]}", "prompt", "prompt[1]"),
                Arguments.of("/v1/completions", "{\"prompt\": [1, 2.5]}", "prompt", "prompt[1]"),
                Arguments.of("/v1/completions", "{\"prompt\": [\"a\", \"b\"]}", "prompt", "batch"),
                Arguments.of("/v1/completions", "{\"prompt\": " + ids(300) + "}", "prompt", "longer than the context of 256"),
                Arguments.of("/v1/completions", "{\"prompt\": \"x\", \"model\": \"gpt-4\"}", "model", "gpt-4"),
                Arguments.of("/v1/completions", "{\"prompt\": \"x\", \"model\": 7}", "model", "string"),
                Arguments.of("/v1/completions", "{\"prompt\": \"x\", \"max_tokens\": 0}", "max_tokens", "between 1 and"),
                Arguments.of("/v1/completions", "{\"prompt\": \"x\", \"max_tokens\": -3}", "max_tokens", "between 1 and"),
                Arguments.of("/v1/completions", "{\"prompt\": \"x\", \"max_tokens\": 1000000000000}", "max_tokens", "between 1 and"),
                Arguments.of("/v1/completions", "{\"prompt\": \"x\", \"max_tokens\": 1e40}", "max_tokens", "integer"),
                Arguments.of("/v1/completions", "{\"prompt\": \"x\", \"max_tokens\": \"10\"}", "max_tokens", "integer"),
                Arguments.of("/v1/completions", "{\"prompt\": \"x\", \"temperature\": -0.5}", "temperature", "≥ 0"),
                Arguments.of("/v1/completions", "{\"prompt\": \"x\", \"temperature\": \"hot\"}", "temperature", "number"),
                Arguments.of("/v1/completions", "{\"prompt\": \"x\", \"top_p\": 0}", "top_p", "(0, 1]"),
                Arguments.of("/v1/completions", "{\"prompt\": \"x\", \"top_p\": 1.5}", "top_p", "(0, 1]"),
                Arguments.of("/v1/completions", "{\"prompt\": \"x\", \"top_k\": -1}", "top_k", "≥ 0"),
                Arguments.of("/v1/completions", "{\"prompt\": \"x\", \"min_p\": 2}", "min_p", "[0, 1]"),
                Arguments.of("/v1/completions", "{\"prompt\": \"x\", \"repeat_penalty\": 0}", "repeat_penalty", "> 0"),
                Arguments.of("/v1/completions", "{\"prompt\": \"x\", \"frequency_penalty\": -1}", "frequency_penalty", "[0, 2]"),
                Arguments.of("/v1/completions", "{\"prompt\": \"x\", \"repeat_penalty\": 1.1, \"frequency_penalty\": 1}",
                        "frequency_penalty", "at most one"),
                Arguments.of("/v1/completions", "{\"prompt\": \"x\", \"seed\": 1.5}", "seed", "integer"),
                Arguments.of("/v1/completions", "{\"prompt\": \"x\", \"stream\": \"yes\"}", "stream", "true or false"),
                Arguments.of("/v1/completions", "{\"prompt\": \"x\", \"stop\": 5}", "stop", "string or an array"),
                Arguments.of("/v1/completions", "{\"prompt\": \"x\", \"stop\": [\"\"]}", "stop", "empty"),
                Arguments.of("/v1/completions", "{\"prompt\": \"x\", \"n\": 2}", "n", "one completion"),
                Arguments.of("/v1/completions", "{\"prompt\": \"x\", \"logprobs\": 5}", "logprobs", "not supported"),
                Arguments.of("/v1/chat/completions", "{}", "messages", "required"),
                Arguments.of("/v1/chat/completions", "{\"messages\": []}", "messages", "non-empty"),
                Arguments.of("/v1/chat/completions", "{\"messages\": [\"hi\"]}", "messages[0]", "object"),
                Arguments.of("/v1/chat/completions", "{\"messages\": [{\"role\": \"wizard\", \"content\": \"hi\"}]}",
                        "messages[0].role", "one of"),
                Arguments.of("/v1/chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\": 3}]}",
                        "messages[0].content", "string"),
                Arguments.of("/v1/chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\": [{\"type\": \"image_url\"}]}]}",
                        "messages[0].content", "only text"),
                Arguments.of("/v1/chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"top_p\": -1}",
                        "top_p", "(0, 1]"),
                Arguments.of("/v1/chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\": \""
                        + "word ".repeat(400) + "\"}]}", "messages", "longer than the context"));
    }

    @ParameterizedTest(name = "{0} {2}: {1}")
    @MethodSource("badCompletions")
    void badInputIsA400NamingTheField(String path, String body, String param, String messagePart) {
        HttpResponse<String> r = client.post(path, body);
        assertEquals(400, r.statusCode(), r.body());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
        JsonNode e = json(r).get("error");
        assertEquals("invalid_request_error", e.get("type").asText(), r.body());
        assertEquals(param, e.get("param").isNull() ? null : e.get("param").asText(), r.body());
        assertTrue(e.get("code").isNull(), r.body());
        assertTrue(e.get("message").asText().contains(messagePart), r.body());
        assertFalse(r.body().contains("at dev.llmj") || r.body().contains("Exception"), "no stack trace: " + r.body());
        assertEquals(0, server.activeSessions());
    }

    /** A failure inside generation (here: the model was closed under the server) is a logged 500, not a dead server. */
    @Test
    void unexpectedFailuresAreA500JsonErrorAndTheServerLivesOn() throws Exception {
        Model doomed = Model.load(LlmServerTest.EMBEDDED);
        try (LlmServer s = LlmServer.start(doomed, ServerOptions.defaults().withPort(0))) {
            TestClient c = new TestClient(s.port());
            doomed.close();
            for (String stream : new String[] {"false", "true"}) {
                HttpResponse<String> r = c.post("/v1/completions", "{\"prompt\": \"A\", \"max_tokens\": 2, \"stream\": " + stream + "}");
                JsonNode e = stream.equals("false") ? json(r).get("error")
                        : LlmServerTest.parse(TestClient.events(r.body()).getLast()).get("error");
                if (stream.equals("false")) {
                    assertEquals(500, r.statusCode(), r.body());
                }
                assertEquals("server_error", e.get("type").asText(), r.body());
                assertFalse(r.body().contains("at dev.llmj") || r.body().contains("Exception"), "no stack trace: " + r.body());
                assertEquals(0, s.activeSessions());
            }
            assertEquals("ok", json(c.get("/health")).get("status").asText());
        }
    }

    @Test
    void oversizedBodiesAreRefusedWith413AndTheServerLivesOn() {
        byte[] big = new byte[LlmServer.MAX_BODY_BYTES + 10];
        java.util.Arrays.fill(big, (byte) ' ');
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(client.uri("/v1/completions"))
                .POST(HttpRequest.BodyPublishers.ofByteArray(big)).build());
        assertEquals(413, r.statusCode());
        assertEquals("ok", json(client.get("/health")).get("status").asText());
    }
}
