package dev.llmj.runtime.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** SentencePiece-style behaviour over small in-memory vocabularies. */
class SpmTokenizerTest {
    static final int BYTE0 = 3; // <0x00> is id 3, as in llama vocabularies

    /** {@code <unk> <s> </s> <0x00>..<0xFF>} then the given pieces with the given scores. */
    static Vocabulary vocab(String[] pieces, float[] pieceScores, TokenType... pieceTypes) {
        List<String> tokens = new ArrayList<>(List.of("<unk>", "<s>", "</s>"));
        List<TokenType> types = new ArrayList<>(List.of(TokenType.UNKNOWN, TokenType.CONTROL, TokenType.CONTROL));
        for (int b = 0; b < 256; b++) {
            tokens.add(String.format("<0x%02X>", b));
            types.add(TokenType.BYTE);
        }
        float[] scores = new float[tokens.size() + pieces.length];
        for (int i = 0; i < pieces.length; i++) {
            tokens.add(pieces[i]);
            types.add(i < pieceTypes.length ? pieceTypes[i] : TokenType.NORMAL);
            scores[259 + i] = pieceScores[i];
        }
        return Vocabulary.builder(Vocabulary.Model.SPM).tokens(tokens).scores(scores)
                .types(types.toArray(TokenType[]::new)).bos(1).eos(2).unk(0).build();
    }

    static int id(Tokenizer t, String piece) {
        int id = t.vocabulary().id(piece);
        assertTrue(id >= 0, "no piece " + piece);
        return id;
    }

    @Test
    void mergesTheHighestScoringPairFirst() {
        String[] p = {"▁", "a", "b", "c", "ab", "bc"};
        Tokenizer abFirst = Tokenizers.fromVocabulary(vocab(p, new float[] {0, 0, 0, 0, -1, -2}));
        assertArrayEquals(new int[] {id(abFirst, "▁"), id(abFirst, "ab"), id(abFirst, "c")},
                abFirst.encode("abc", false));
        Tokenizer bcFirst = Tokenizers.fromVocabulary(vocab(p, new float[] {0, 0, 0, 0, -2, -1}));
        assertArrayEquals(new int[] {id(bcFirst, "▁"), id(bcFirst, "a"), id(bcFirst, "bc")},
                bcFirst.encode("abc", false));
    }

    @Test
    void tiesGoToTheLeftmostPair() {
        String[] p = {"▁", "a", "aa"};
        Tokenizer t = Tokenizers.fromVocabulary(vocab(p, new float[] {0, 0, -1}));
        // "aaa": pairs (0,1) and (1,2) both spell "aa" with equal score; the left one merges.
        int a = id(t, "a"), aa = id(t, "aa"), sp = id(t, "▁");
        assertArrayEquals(new int[] {sp, aa, a}, t.encode("aaa", false));
    }

    @Test
    void dummyPrefixAndSpaces() {
        String[] p = {"▁", "a", "▁a", "▁▁"};
        Tokenizer t = Tokenizers.fromVocabulary(vocab(p, new float[] {0, 0, -1, -2}));
        int sa = id(t, "▁a"), s = id(t, "▁"), ss = id(t, "▁▁");
        assertArrayEquals(new int[] {sa}, t.encode("a", false));
        assertArrayEquals(new int[] {1, sa}, t.encode("a", true));
        assertArrayEquals(new int[] {ss, sa}, t.encode("  a", false));
        assertArrayEquals(new int[0], t.encode("", false));
        assertArrayEquals(new int[] {1}, t.encode("", true));
        assertEquals("  a", t.decode(t.encode("  a", false)));
        assertEquals("a a", t.decode(t.encode("a a", true)));
    }

    @Test
    void unknownCharactersFallBackToUtf8Bytes() {
        Tokenizer t = Tokenizers.fromVocabulary(vocab(new String[] {"▁"}, new float[] {0}));
        // é = C3 A9, 😀 = F0 9F 98 80 (a surrogate pair in Java: one symbol, four bytes)
        assertArrayEquals(new int[] {id(t, "▁"), BYTE0 + 0xC3, BYTE0 + 0xA9, BYTE0 + 0xF0, BYTE0 + 0x9F,
                BYTE0 + 0x98, BYTE0 + 0x80}, t.encode("é😀", false));
        assertEquals("é😀", t.decode(t.encode("é😀", false)));
    }

    @Test
    void specialTokensParseOnlyWhenAsked() {
        String[] p = {"▁", "a", "▁a", "<", ">", "s", "<|u|>"};
        Tokenizer t = Tokenizers.fromVocabulary(vocab(p, new float[] {0, 0, -1, 0, 0, 0, 0},
                TokenType.NORMAL, TokenType.NORMAL, TokenType.NORMAL, TokenType.NORMAL, TokenType.NORMAL,
                TokenType.NORMAL, TokenType.USER_DEFINED));
        int sa = id(t, "▁a");
        // parse_special: "<s>" is BOS, and text after a special token gets the dummy prefix again.
        assertArrayEquals(new int[] {1, sa}, t.encode("<s>a", false, true));
        assertArrayEquals(new int[] {sa, 2, sa}, t.encode("a</s>a", false, true));
        // Without it, the text is text.
        int[] plain = t.encode("<s>a", false);
        assertEquals(id(t, "▁"), plain[0]);
        assertEquals(id(t, "<"), plain[1]);
        // User-defined tokens are matched literally either way.
        int u = id(t, "<|u|>");
        assertArrayEquals(new int[] {sa, u, sa}, t.encode("a<|u|>a", false));
        assertEquals("a<|u|> a", t.decode(t.encode("a<|u|>a", false)));
    }

    @Test
    void addSpecialFollowsTheVocabularyFlags() {
        Vocabulary v = vocab(new String[] {"▁a"}, new float[] {0});
        Tokenizer t = Tokenizers.fromVocabulary(v);
        int sa = id(t, "▁a");
        assertArrayEquals(new int[] {1, sa}, t.encode("a", true, false));
        assertArrayEquals(new int[] {sa}, t.encode("a", false, false));
    }

    @Test
    void controlTokensDecodeToNothingAndBytesToBytes() {
        Tokenizer t = Tokenizers.fromVocabulary(vocab(new String[] {"▁hi"}, new float[] {0}));
        assertEquals("", t.decodePiece(1));
        assertEquals("", t.decodePiece(2));
        assertArrayEquals(new byte[] {(byte) 0xC3}, t.pieceBytes(BYTE0 + 0xC3));
        assertEquals(" hi", t.decodePiece(id(t, "▁hi")));
        // BOS does not consume the dummy prefix: the first text piece still drops its space.
        assertEquals("hi hi", t.decode(new int[] {1, id(t, "▁hi"), id(t, "▁hi"), 2}));
    }

    @Test
    void outOfRangeIdsAreRejectedWithTheIdAndSize() {
        Tokenizer t = Tokenizers.fromVocabulary(vocab(new String[] {"▁a"}, new float[] {0}));
        int size = t.vocabulary().size();
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> t.decode(new int[] {5, size}));
        assertTrue(e.getMessage().contains("token id " + size) && e.getMessage().contains("size " + size),
                e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> t.decode(new int[] {-1}));
        assertThrows(IllegalArgumentException.class, () -> t.pieceBytes(size + 7));
        assertThrows(IllegalArgumentException.class, () -> t.streamingDecoder().accept(-3));
    }

    @Test
    void vocabularyValidation() {
        List<String> toks = List.of("a", "b");
        assertThrows(IllegalArgumentException.class,
                () -> Vocabulary.builder(Vocabulary.Model.SPM).tokens(toks).scores(new float[3]).build());
        assertThrows(IllegalArgumentException.class,
                () -> Vocabulary.builder(Vocabulary.Model.SPM).tokens(toks).bos(2).build());
        assertThrows(IllegalArgumentException.class,
                () -> Vocabulary.builder(Vocabulary.Model.BPE).tokens(toks).merges(List.of("ab")).build());
        assertThrows(IllegalArgumentException.class,
                () -> Vocabulary.builder(Vocabulary.Model.SPM).tokens(List.of()).build());
        Tokenizer noBos = Tokenizers.fromVocabulary(Vocabulary.builder(Vocabulary.Model.SPM).tokens(toks).build());
        assertThrows(IllegalStateException.class, () -> noBos.encode("a", true));
    }

    @Test
    void longTextIsLinearithmic() {
        String[] p = {"▁", "a", "b", "ab", "▁a", "abab", "▁ab"};
        Tokenizer t = Tokenizers.fromVocabulary(vocab(p, new float[] {0, 0, 0, -1, -2, -3, -4}));
        String text = "ab".repeat(200_000) + " " + "ba".repeat(100_000);
        long t0 = System.nanoTime();
        int[] ids = t.encode(text, false);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(text, t.decode(ids));
        // 600 k symbols; a quadratic scan would need ~10^11 steps. Generous bound for a busy CI box.
        assertTrue(ms < 20_000, "encoding took " + ms + " ms");
        assertTrue(Arrays.stream(ids).allMatch(i -> i < t.vocabulary().size()));
    }
}
