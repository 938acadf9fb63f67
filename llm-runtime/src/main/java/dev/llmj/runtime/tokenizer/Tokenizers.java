package dev.llmj.runtime.tokenizer;

import dev.llmj.tensor.ModelFormatException;
import dev.llmj.tensor.gguf.GgufArray;
import dev.llmj.tensor.gguf.GgufFile;
import dev.llmj.tensor.gguf.GgufValue;
import dev.llmj.tensor.llama2c.Llama2cTokenizerFile;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/** Builds tokenizers from vocabularies, GGUF files and llama2.c {@code tokenizer.bin} files. */
public final class Tokenizers {
    private Tokenizers() {}

    private static final Pattern BYTE_PIECE = Pattern.compile("<0x[0-9A-F]{2}>");

    /** The tokenizer for the vocabulary's model. */
    public static Tokenizer fromVocabulary(Vocabulary vocab) {
        return switch (vocab.model()) {
            case SPM -> new SpmTokenizer(vocab);
            case BPE -> new BpeTokenizer(vocab);
        };
    }

    /** The tokenizer stored in a GGUF file's {@code tokenizer.ggml.*} keys (tensors not needed). */
    public static Tokenizer fromGguf(GgufFile gguf) throws ModelFormatException {
        return fromVocabulary(vocabularyFromGguf(gguf));
    }

    /**
     * Reads the vocabulary of a GGUF file. Defaults follow llama.cpp: for {@code llama}
     * vocabularies BOS 1, EOS 2, unknown 0, add_bos and add_space_prefix true; for {@code gpt2}
     * no defaults for ids and both flags false.
     *
     * @throws ModelFormatException naming the key when a value is missing, mistyped or inconsistent
     */
    public static Vocabulary vocabularyFromGguf(GgufFile gguf) throws ModelFormatException {
        String modelName = gguf.getString("tokenizer.ggml.model");
        Vocabulary.Model model = switch (modelName) {
            case "llama" -> Vocabulary.Model.SPM;
            case "gpt2" -> Vocabulary.Model.BPE;
            default -> throw error(gguf, "tokenizer.ggml.model",
                    "unsupported tokenizer model \"" + modelName + "\" (supported: llama, gpt2)");
        };
        List<String> tokens = strings(gguf, "tokenizer.ggml.tokens");
        int n = tokens.size();
        Vocabulary.Builder b = Vocabulary.builder(model).tokens(tokens);
        Optional<GgufArray> scores = gguf.optArray("tokenizer.ggml.scores");
        if (scores.isPresent()) {
            b.scores(checkedSize(gguf, "tokenizer.ggml.scores", floats(gguf, scores.get()), n));
        }
        Optional<GgufArray> types = gguf.optArray("tokenizer.ggml.token_type");
        if (types.isPresent()) {
            int[] codes = checkedSize(gguf, "tokenizer.ggml.token_type", ints(gguf, types.get()), n);
            TokenType[] t = new TokenType[n];
            for (int i = 0; i < n; i++) {
                t[i] = TokenType.fromCode(codes[i]);
                if (t[i] == null) {
                    throw error(gguf, "tokenizer.ggml.token_type", "element " + i + " is " + codes[i]
                            + ", not a token type 1..6");
                }
            }
            b.types(t);
        }
        if (model == Vocabulary.Model.BPE) {
            if (gguf.optArray("tokenizer.ggml.merges").isEmpty()) {
                throw error(gguf, "tokenizer.ggml.merges", "a gpt2 vocabulary needs merges");
            }
            try {
                b.merges(strings(gguf, "tokenizer.ggml.merges"));
            } catch (IllegalArgumentException e) {
                throw error(gguf, "tokenizer.ggml.merges", e.getMessage());
            }
        }
        b.preTokenizer(gguf.optString("tokenizer.ggml.pre").orElse("default"));
        boolean spm = model == Vocabulary.Model.SPM;
        b.bos(tokenId(gguf, "tokenizer.ggml.bos_token_id", spm ? 1 : Vocabulary.NONE, n));
        b.eos(tokenId(gguf, "tokenizer.ggml.eos_token_id", spm ? 2 : Vocabulary.NONE, n));
        b.unk(tokenId(gguf, "tokenizer.ggml.unknown_token_id", spm ? 0 : Vocabulary.NONE, n));
        b.pad(tokenId(gguf, "tokenizer.ggml.padding_token_id", Vocabulary.NONE, n));
        b.addBos(flag(gguf, "tokenizer.ggml.add_bos_token", spm));
        b.addEos(flag(gguf, "tokenizer.ggml.add_eos_token", false));
        b.addSpacePrefix(flag(gguf, "tokenizer.ggml.add_space_prefix", spm));
        try {
            return b.build();
        } catch (IllegalArgumentException e) {
            throw error(gguf, "tokenizer.ggml", e.getMessage());
        }
    }

    /** Reads a llama2.c {@code tokenizer.bin} with {@code vocabSize} tokens (from the checkpoint). */
    public static Tokenizer fromLlama2c(Path tokenizerBin, int vocabSize) throws IOException {
        return fromVocabulary(vocabularyFromLlama2c(Llama2cTokenizerFile.read(tokenizerBin, vocabSize)));
    }

    /**
     * The SentencePiece vocabulary of a llama2.c tokenizer: spaces in pieces become U+2581 again;
     * ids 0, 1, 2 are {@code <unk>}, {@code <s>}, {@code </s>} (llama2.c stores the latter two as
     * "\n&lt;s&gt;\n" and "\n&lt;/s&gt;\n"); pieces {@code <0xXX>} are byte-fallback tokens.
     */
    public static Vocabulary vocabularyFromLlama2c(Llama2cTokenizerFile file) {
        int n = file.size();
        List<String> tokens = new ArrayList<>(n);
        float[] scores = new float[n];
        TokenType[] types = new TokenType[n];
        String[] fixed = {"<unk>", "<s>", "</s>"};
        TokenType[] fixedTypes = {TokenType.UNKNOWN, TokenType.CONTROL, TokenType.CONTROL};
        for (int id = 0; id < n; id++) {
            scores[id] = file.score(id);
            if (id < 3) {
                tokens.add(fixed[id]);
                types[id] = fixedTypes[id];
                continue;
            }
            String piece = file.piece(id);
            types[id] = BYTE_PIECE.matcher(piece).matches() ? TokenType.BYTE : TokenType.NORMAL;
            tokens.add(piece.replace(' ', '\u2581'));
        }
        return Vocabulary.builder(Vocabulary.Model.SPM)
                .tokens(tokens).scores(scores).types(types)
                .unk(n > 0 ? 0 : Vocabulary.NONE).bos(n > 1 ? 1 : Vocabulary.NONE).eos(n > 2 ? 2 : Vocabulary.NONE)
                .addBos(true).addSpacePrefix(true)
                .build();
    }

    // ---- GGUF helpers ---------------------------------------------------------------------------

    private static ModelFormatException error(GgufFile gguf, String key, String problem) {
        long at = gguf.keyOffset(key).orElse(0);
        return new ModelFormatException(gguf.path(), "metadata[\"" + key + "\"]", at, problem);
    }

    private static List<String> strings(GgufFile gguf, String key) throws ModelFormatException {
        GgufArray a = gguf.getArray(key);
        try {
            return a.asStrings();
        } catch (IllegalStateException e) {
            throw error(gguf, key, e.getMessage());
        }
    }

    private static float[] floats(GgufFile gguf, GgufArray a) throws ModelFormatException {
        try {
            return a.asFloats();
        } catch (IllegalStateException e) {
            throw error(gguf, "tokenizer.ggml.scores", e.getMessage());
        }
    }

    private static int[] ints(GgufFile gguf, GgufArray a) throws ModelFormatException {
        try {
            return a.asInts();
        } catch (IllegalStateException e) {
            throw error(gguf, "tokenizer.ggml.token_type", e.getMessage());
        }
    }

    private static <T> T checkedSize(GgufFile gguf, String key, T array, int n) throws ModelFormatException {
        int len = java.lang.reflect.Array.getLength(array);
        if (len != n) {
            throw error(gguf, key, "has " + len + " elements for " + n + " tokens");
        }
        return array;
    }

    private static int tokenId(GgufFile gguf, String key, int dflt, int n) throws ModelFormatException {
        var v = gguf.optLong(key);
        if (v.isEmpty()) {
            return dflt;
        }
        long id = v.getAsLong();
        if (id == -1 || id == 0xFFFF_FFFFL) {
            return Vocabulary.NONE; // converters write uint32 -1 for "no such token"
        }
        if (id < 0 || id >= n) {
            throw error(gguf, key, "token id " + id + " outside the vocabulary (size " + n + ")");
        }
        return (int) id;
    }

    private static boolean flag(GgufFile gguf, String key, boolean dflt) throws ModelFormatException {
        Optional<GgufValue> v = gguf.get(key);
        return v.isEmpty() ? dflt : gguf.getBoolean(key);
    }
}
