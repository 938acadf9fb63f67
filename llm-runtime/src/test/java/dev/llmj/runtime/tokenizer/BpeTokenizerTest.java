package dev.llmj.runtime.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Byte-level BPE, the GPT-2 byte map and the pre-tokenizer stages. */
class BpeTokenizerTest {
    /** The 256 byte characters (id = byte value), then extra tokens, with the given merges. */
    static Vocabulary vocab(List<String> extra, List<String> merges) {
        List<String> tokens = new ArrayList<>();
        for (int b = 0; b < 256; b++) {
            tokens.add(String.valueOf(ByteUnicode.byteToChar(b)));
        }
        tokens.addAll(extra);
        return Vocabulary.builder(Vocabulary.Model.BPE).tokens(tokens).merges(merges).preTokenizer("gpt-2").build();
    }

    @Test
    void byteMapIsGpt2s() {
        assertEquals('Ġ', ByteUnicode.byteToChar(' '));
        assertEquals('Ċ', ByteUnicode.byteToChar('\n'));
        assertEquals('a', ByteUnicode.byteToChar('a'));
        assertEquals('\u0100', ByteUnicode.byteToChar(0));
        assertEquals('\u0143', ByteUnicode.byteToChar(0xAD)); // the 68th and last remapped byte
        for (int b = 0; b < 256; b++) {
            assertEquals(b, ByteUnicode.charToByte(ByteUnicode.byteToChar(b)));
        }
        String s = "héllo\n\u0000 😀";
        assertArrayEquals(s.getBytes(StandardCharsets.UTF_8), ByteUnicode.decode(ByteUnicode.encode(s)));
    }

    @Test
    void lowestRankMergesFirst() {
        // " he": "h e" (rank 0) beats "Ġ h" (rank 2), and no "Ġ he" merge exists.
        Tokenizer t = Tokenizers.fromVocabulary(vocab(List.of("he", "hel", "Ġh"), List.of("h e", "he l", "Ġ h")));
        Vocabulary v = t.vocabulary();
        assertArrayEquals(new int[] {v.id("Ġ"), v.id("he")}, t.encode(" he", false));
        assertArrayEquals(new int[] {v.id("hel")}, t.encode("hel", false));
        assertArrayEquals(new int[] {v.id("Ġh"), 'x'}, t.encode(" hx", false));
        assertEquals(" hex\n", t.decode(t.encode(" hex\n", false)));
        // No dummy prefix and no BOS for byte-level BPE unless asked.
        assertArrayEquals(new int[] {'a'}, t.encode("a", false));
    }

    @Test
    void gpt2SplitsLikeTheRegex() {
        PreTokenizers.PreTokenizer p = PreTokenizers.forName("gpt-2");
        // "!!'" is one run of non-letters, so the contraction rule never sees the quote.
        assertEquals(List.of("Hello", " world", " ", " !!'", "s", "   "), p.split("Hello world  !!'s   "));
        assertEquals(List.of("a", "'s"), p.split("a's"));
        assertEquals(List.of("it", "'ll", " 33", "\n\n"), p.split("it'll 33\n\n"));
        assertEquals(List.of(), p.split(""));
    }

    /**
     * The hand-written GPT-2 splitter must agree with the regex it stands for, evaluated by
     * java.util.regex (a backtracking engine with the same look-ahead semantics as Python's).
     */
    @Test
    void gpt2StageAgreesWithJavaRegexOnRandomText() {
        String ws = "[" + PreTokenizers.WS + "]";
        String nws = "[^" + PreTokenizers.WS + "]";
        Pattern gpt2 = Pattern.compile("'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^" + PreTokenizers.WS
                + "\\p{L}\\p{N}]+|" + ws + "+(?!" + nws + ")|" + ws + "+");
        String[] alphabet = {"a", "Z", "é", "1", "½", " ", " ", "\n", "\t", "'", "s", "l", "r", "e", "!", "\u3000",
                "\u00A0", "😀", "中", "\u0301", "𝟘"};
        PreTokenizers.PreTokenizer p = PreTokenizers.forName("gpt-2");
        Random rnd = new Random(42);
        for (int iter = 0; iter < 3000; iter++) {
            StringBuilder sb = new StringBuilder();
            int len = rnd.nextInt(12);
            for (int i = 0; i < len; i++) {
                sb.append(alphabet[rnd.nextInt(alphabet.length)]);
            }
            String s = sb.toString();
            List<String> expected = new ArrayList<>();
            Matcher m = gpt2.matcher(s);
            int prev = 0;
            while (m.find()) {
                if (m.start() > prev) {
                    expected.add(s.substring(prev, m.start()));
                }
                expected.add(m.group());
                prev = m.end();
            }
            if (prev < s.length()) {
                expected.add(s.substring(prev));
            }
            assertEquals(expected, p.split(s), "text " + VocabTestVectorsTest.quote(s));
        }
    }

    @Test
    void stagesSplitChunksInIsolation() {
        // starcoder: every digit is its own chunk before the GPT-2 pattern runs.
        assertEquals(List.of("a", " ", "1", "2", "3"), PreTokenizers.forName("starcoder").split("a 123"));
        // falcon: punctuation runs first, then GPT-2, then runs of three digits.
        assertEquals(List.of("x", "...", "123", "4"), PreTokenizers.forName("falcon").split("x...1234"));
        assertThrows(UnsupportedOperationException.class, () -> PreTokenizers.forName("no-such-pre"));
    }

    @Test
    void controlTokensDecodeToNothing() {
        List<String> extra = List.of("<|endoftext|>");
        Vocabulary base = vocab(extra, List.of());
        TokenType[] types = new TokenType[base.size()];
        java.util.Arrays.fill(types, TokenType.NORMAL);
        types[256] = TokenType.CONTROL;
        List<String> tokens = new ArrayList<>();
        for (int i = 0; i < base.size(); i++) {
            tokens.add(base.token(i));
        }
        Tokenizer t = Tokenizers.fromVocabulary(Vocabulary.builder(Vocabulary.Model.BPE).tokens(tokens)
                .types(types).merges(List.of()).preTokenizer("gpt-2").eos(256).build());
        assertEquals("ab", t.decode(new int[] {'a', 256, 'b'}));
        assertArrayEquals(new int[] {256}, t.encode("<|endoftext|>", false, true));
        assertEquals(13, t.encode("<|endoftext|>", false, false).length);
    }
}
