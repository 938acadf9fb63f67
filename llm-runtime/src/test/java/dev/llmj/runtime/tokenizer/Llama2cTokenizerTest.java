package dev.llmj.runtime.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeout;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmj.tensor.gguf.GgufFile;
import dev.llmj.testsupport.SharedAssets;
import java.lang.foreign.Arena;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The shared tinyshakespeare model's tokenizer must tokenize exactly like SentencePiece. */
class Llama2cTokenizerTest {
    private static Tokenizer tok;

    @BeforeAll
    static void load() throws Exception {
        tok = Tokenizers.fromLlama2c(SharedAssets.require("models/tinyshakespeare/tokenizer.bin"), 512);
    }

    static int[] readIds(Path p) throws Exception {
        return Arrays.stream(Files.readString(p).trim().split("\\s+")).mapToInt(Integer::parseInt).toArray();
    }

    @Test
    void vocabularyShape() {
        Vocabulary v = tok.vocabulary();
        assertEquals(512, v.size());
        assertEquals(1, tok.bos());
        assertEquals(2, tok.eos());
        assertEquals(TokenType.BYTE, v.type(3 + 0x41));
        assertEquals("<0x41>", v.token(3 + 0x41));
        assertEquals("", tok.decodePiece(1));
        assertEquals("", tok.decodePiece(2));
        assertEquals("\n", tok.decodePiece(3 + 0x0A));
    }

    @Test
    void referencePromptIds() throws Exception {
        JsonNode ref = new ObjectMapper().readTree(
                SharedAssets.require("reference/tinyshakespeare-reference.json").toFile());
        int checked = 0;
        for (JsonNode g : ref.get("greedy")) {
            String prompt = g.get("prompt").asText();
            int[] expected = StreamSupport.stream(g.get("prompt_ids").spliterator(), false)
                    .mapToInt(JsonNode::asInt).toArray();
            assertArrayEquals(expected, tok.encode(prompt, true), "prompt " + prompt);
            assertEquals(prompt, tok.decode(expected));
            checked++;
        }
        assertTrue(checked >= 1, "reference has greedy prompts");
    }

    @Test
    void referenceGeneratedTextDecodes() throws Exception {
        JsonNode ref = new ObjectMapper().readTree(
                SharedAssets.require("reference/tinyshakespeare-reference.json").toFile());
        for (JsonNode g : ref.get("greedy")) {
            int[] gen = StreamSupport.stream(g.get("generated_ids").spliterator(), false)
                    .mapToInt(JsonNode::asInt).toArray();
            // Generated text continues the prompt, so it is streamed without dropping a space.
            StreamingDecoder d = tok.streamingDecoder();
            StringBuilder sb = new StringBuilder();
            for (int id : gen) {
                sb.append(d.accept(id));
            }
            sb.append(d.flush());
            assertEquals(g.get("text").asText(), sb.toString());
        }
    }

    @Test
    void validationTextEncodesToTheValidationIds() throws Exception {
        String text = Files.readString(SharedAssets.require("data/tinyshakespeare-val.txt"), StandardCharsets.UTF_8);
        int[] expected = readIds(SharedAssets.require("data/tinyshakespeare-val.ids"));
        assertEquals(62_247, expected.length);
        int[] actual = tok.encode(text, false);
        if (!Arrays.equals(expected, actual)) {
            int i = Arrays.mismatch(expected, actual);
            int from = Math.max(0, i - 5);
            throw new AssertionError("val ids differ at index " + i + " (lengths " + expected.length + " vs "
                    + actual.length + "): expected " + Arrays.toString(Arrays.copyOfRange(expected, from,
                            Math.min(expected.length, i + 5))) + " actual " + Arrays.toString(
                                    Arrays.copyOfRange(actual, from, Math.min(actual.length, i + 5))));
        }
        assertEquals(text, tok.decode(expected));
        // Streaming the same ids gives the same text, except that the dummy-prefix space of the
        // first token is kept (a stream is a continuation).
        StreamingDecoder d = tok.streamingDecoder();
        StringBuilder sb = new StringBuilder(text.length() + 1);
        for (int id : expected) {
            sb.append(d.accept(id));
        }
        sb.append(d.flush());
        assertEquals(" " + text, sb.toString());
    }

    @Test
    void ggufConversionOfTheSameModelTokenizesIdentically() throws Exception {
        Path gguf = SharedAssets.require("reference/tinyshakespeare-f32.gguf");
        String text = Files.readString(SharedAssets.require("data/tinyshakespeare-val.txt"), StandardCharsets.UTF_8);
        try (Arena arena = Arena.ofConfined()) {
            Tokenizer fromGguf = Tokenizers.fromGguf(GgufFile.open(gguf, arena));
            assertEquals(Vocabulary.Model.SPM, fromGguf.vocabulary().model());
            String sample = text.substring(0, 20_000);
            assertArrayEquals(tok.encode(sample, true), fromGguf.encode(sample, true));
        }
    }

    @Test
    void wholeCorpusIsFastAndRoundTrips() throws Exception {
        String text = Files.readString(SharedAssets.require("data/tinyshakespeare.txt"), StandardCharsets.UTF_8);
        // 1.1 MB in one piece: an O(n^2) merge loop would take minutes; the priority queue takes
        // well under a second on one core. 20 s leaves room for a loaded 2-core CI machine.
        int[] ids = assertTimeout(Duration.ofSeconds(20), () -> tok.encode(text, false));
        assertTrue(ids.length > 250_000 && ids.length < text.length(), "token count " + ids.length);
        assertEquals(text, tok.decode(ids));
    }
}
