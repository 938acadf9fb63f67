package dev.llmj.runtime.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.llmj.tensor.gguf.GgufFile;
import dev.llmj.testsupport.SharedAssets;
import java.lang.foreign.Arena;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * llama.cpp's own tokenizer test vectors ({@code ../shared/vocab}): every case of every vocabulary
 * must give exactly llama.cpp's ids (no BOS, parse_special off, as test-tokenizer-0 runs them).
 */
class VocabTestVectorsTest {
    /**
     * Vocabularies where parity is known not to be reached, with the number of failing cases.
     * A run with a different count fails (so fixing or breaking a case is noticed); a run with
     * exactly this count is reported as an aborted (skipped) test naming the gap.
     */
    private static final Map<String, Integer> KNOWN_GAPS = Map.of();

    record Case(String text, int[] expected) {}

    static List<Case> cases(String name) throws Exception {
        Path inp = SharedAssets.require("vocab/" + name + ".gguf.inp");
        Path out = SharedAssets.require("vocab/" + name + ".gguf.out");
        String[] texts = Files.readString(inp, StandardCharsets.UTF_8).split("\n__ggml_vocab_test__\n", -1);
        List<String> lines = Files.readAllLines(out, StandardCharsets.UTF_8);
        // The .inp file ends with a separator, leaving one empty string after it.
        int n = texts.length - 1;
        assertEquals("", texts[n], "text after the last separator");
        assertEquals(n, lines.size(), name + ": .inp cases vs .out lines");
        List<Case> cases = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            String line = lines.get(i).strip();
            int[] ids = line.isEmpty() ? new int[0]
                    : Arrays.stream(line.split(" +")).mapToInt(Integer::parseInt).toArray();
            cases.add(new Case(texts[i], ids));
        }
        return cases;
    }

    static Tokenizer load(String name, Arena arena) throws Exception {
        Path gguf = SharedAssets.require("vocab/" + name + ".gguf");
        return Tokenizers.fromGguf(GgufFile.open(gguf, arena));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"ggml-vocab-llama-spm", "ggml-vocab-phi-3", "ggml-vocab-gpt-2",
            "ggml-vocab-deepseek-llm", "ggml-vocab-falcon", "ggml-vocab-starcoder"})
    void reproducesLlamaCppIds(String name) throws Exception {
        List<Case> cases = cases(name);
        assertTrue(cases.size() >= 40, "expected llama.cpp's ~46 cases, found " + cases.size());
        try (Arena arena = Arena.ofConfined()) {
            Tokenizer tok = load(name, arena);
            List<String> mismatches = new ArrayList<>();
            List<String> roundTrip = new ArrayList<>();
            for (int i = 0; i < cases.size(); i++) {
                Case c = cases.get(i);
                int[] actual = tok.encode(c.text(), false, false);
                if (!Arrays.equals(c.expected(), actual)) {
                    mismatches.add("case " + i + " " + quote(c.text()) + "\n    expected " + Arrays.toString(c.expected())
                            + "\n    actual   " + Arrays.toString(actual));
                }
                String back = tok.decode(actual);
                if (!back.equals(c.text())) {
                    roundTrip.add("case " + i + " " + quote(c.text()) + " decodes to " + quote(back));
                }
            }
            String pre = tok.vocabulary().preTokenizer();
            Integer gap = KNOWN_GAPS.get(name);
            if (gap != null && gap != mismatches.size()) {
                fail("KNOWN_GAPS says " + name + " has " + gap + " failing cases but " + mismatches.size()
                        + " fail now: update the entry");
            }
            if (gap != null) {
                Assumptions.abort("KNOWN GAP " + name + " (pre-tokenizer " + pre + "): " + gap + " of " + cases.size()
                        + " cases differ from llama.cpp:\n" + String.join("\n", mismatches));
            }
            if (!mismatches.isEmpty()) {
                fail(name + " (pre-tokenizer " + pre + "): " + mismatches.size() + " of " + cases.size()
                        + " cases differ from llama.cpp; first ones:\n"
                        + String.join("\n", mismatches.subList(0, Math.min(8, mismatches.size()))));
            }
            // Byte fallback (SPM) and byte-level BPE can represent any text, so decoding must
            // give the input back exactly.
            assertTrue(roundTrip.isEmpty(), name + ": decode(encode(s)) != s for\n" + String.join("\n", roundTrip));
        }
    }

    static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        s.codePoints().forEach(cp -> {
            if (cp == '\n') b.append("\\n");
            else if (cp == '\t') b.append("\\t");
            else if (cp == '"') b.append("\\\"");
            else b.appendCodePoint(cp);
        });
        return b.append('"').toString();
    }
}
