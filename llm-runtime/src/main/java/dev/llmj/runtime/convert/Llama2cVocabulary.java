package dev.llmj.runtime.convert;

import dev.llmj.tensor.gguf.GgufArray;
import dev.llmj.tensor.llama2c.Llama2cTokenizerFile;
import java.util.List;

/**
 * The {@code tokenizer.ggml.*} arrays for a llama2.c {@code tokenizer.bin}, made exactly as
 * llama.cpp's {@code convert-llama2c-to-ggml} makes them (the shared reference GGUF it wrote
 * holds the same three arrays; a test compares them).
 *
 * <ul>
 *   <li>tokens: ids 0/1/2 become {@code <unk>}, {@code <s>}, {@code </s>} (tokenizer.bin stores
 *       them as {@code "<unk>"}, {@code "\n<s>\n"}, {@code "\n</s>\n"}); every other piece has
 *       its plain spaces turned back into SentencePiece's {@code ▁} (U+2581).</li>
 *   <li>scores: copied.</li>
 *   <li>token types ({@code llama_token_type}): 2 UNKNOWN for id 0, 3 CONTROL for ids 1 and 2 and
 *       for empty pieces, 6 BYTE for pieces that start like {@code <0xAB>} (llama.cpp tests with
 *       {@code sscanf("<0x%02hhX>")}, which matches {@code <0x} followed by one hex digit), and
 *       1 NORMAL otherwise.</li>
 * </ul>
 */
public final class Llama2cVocabulary {
    public static final int UNKNOWN_ID = 0;
    public static final int BOS_ID = 1;
    public static final int EOS_ID = 2;

    /** {@code llama_token_type} values. */
    public static final int TYPE_NORMAL = 1;
    public static final int TYPE_UNKNOWN = 2;
    public static final int TYPE_CONTROL = 3;
    public static final int TYPE_BYTE = 6;

    private static final char SPM_SPACE = '\u2581';

    private final String[] tokens;
    private final float[] scores;
    private final int[] types;

    private Llama2cVocabulary(String[] tokens, float[] scores, int[] types) {
        this.tokens = tokens;
        this.scores = scores;
        this.types = types;
    }

    public static Llama2cVocabulary of(Llama2cTokenizerFile file) {
        int n = file.size();
        if (n <= EOS_ID) {
            throw new IllegalArgumentException(file.path() + ": a vocabulary of " + n
                    + " tokens has no room for <unk>, <s>, </s> at ids 0, 1, 2");
        }
        String[] tokens = new String[n];
        float[] scores = new float[n];
        int[] types = new int[n];
        for (int id = 0; id < n; id++) {
            String text = file.piece(id);
            int type;
            if (id == UNKNOWN_ID) {
                text = "<unk>";
                type = TYPE_UNKNOWN;
            } else if (id == BOS_ID) {
                text = "<s>";
                type = TYPE_CONTROL;
            } else if (id == EOS_ID) {
                text = "</s>";
                type = TYPE_CONTROL;
            } else if (text.isEmpty()) {
                type = TYPE_CONTROL;
            } else if (looksLikeByte(text)) {
                type = TYPE_BYTE;
            } else {
                type = TYPE_NORMAL;
            }
            tokens[id] = text.replace(' ', SPM_SPACE);
            scores[id] = file.score(id);
            types[id] = type;
        }
        return new Llama2cVocabulary(tokens, scores, types);
    }

    private static boolean looksLikeByte(String s) {
        if (s.length() < 4 || !s.startsWith("<0x")) {
            return false;
        }
        char c = s.charAt(3);
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }

    public int size() {
        return tokens.length;
    }

    public GgufArray tokens() {
        return GgufArray.ofStrings(List.of(tokens));
    }

    public GgufArray scores() {
        return GgufArray.ofFloats(scores);
    }

    public GgufArray tokenTypes() {
        return GgufArray.ofInts(types);
    }
}
