package dev.llmj.runtime.tokenizer;

import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * An immutable tokenizer vocabulary: the token strings exactly as the model file stores them
 * (SentencePiece pieces with U+2581 for spaces, or GPT-2 byte-level strings), their scores and
 * types, BPE merge ranks, special token ids and the flags that steer encoding.
 *
 * <p>Build one with {@link #builder}; {@link Tokenizers} builds them from GGUF and llama2.c files.
 */
public final class Vocabulary {
    /** The tokenization algorithm ({@code tokenizer.ggml.model}). */
    public enum Model {
        /** {@code llama}: SentencePiece BPE over UTF-8 characters with byte fallback. */
        SPM,
        /** {@code gpt2}: byte-level BPE with ranked merges and a regex pre-tokenizer. */
        BPE
    }

    /** Marks an absent special token id. */
    public static final int NONE = -1;

    private final Model model;
    private final String pre;
    private final String[] tokens;
    private final float[] scores;
    private final TokenType[] types;
    private final Map<String, Integer> ids;
    private final Map<String, Integer> mergeRanks;
    private final int bos, eos, unk, pad;
    private final boolean addBos, addEos, addSpacePrefix;

    private Vocabulary(Builder b) {
        this.model = Objects.requireNonNull(b.model, "model");
        this.pre = b.pre == null ? "default" : b.pre;
        this.tokens = b.tokens.toArray(String[]::new);
        int n = tokens.length;
        if (n == 0) {
            throw new IllegalArgumentException("a vocabulary needs at least one token");
        }
        if (b.scores != null && b.scores.length != n) {
            throw new IllegalArgumentException("scores has " + b.scores.length + " entries for " + n + " tokens");
        }
        if (b.types != null && b.types.length != n) {
            throw new IllegalArgumentException("types has " + b.types.length + " entries for " + n + " tokens");
        }
        this.scores = b.scores == null ? null : b.scores.clone();
        this.types = new TokenType[n];
        for (int i = 0; i < n; i++) {
            final int id = i;
            Objects.requireNonNull(tokens[i], () -> "text of token " + id);
            TokenType t = b.types == null ? TokenType.NORMAL : b.types[i];
            types[i] = Objects.requireNonNull(t, () -> "type of token " + id);
        }
        // Later ids win on duplicate texts, as in llama.cpp's token_to_id map.
        Map<String, Integer> m = HashMap.newHashMap(n);
        for (int i = 0; i < n; i++) {
            m.put(tokens[i], i);
        }
        this.ids = Collections.unmodifiableMap(m);
        Map<String, Integer> ranks = HashMap.newHashMap(b.merges == null ? 0 : b.merges.size());
        if (b.merges != null) {
            for (int r = 0; r < b.merges.size(); r++) {
                String merge = b.merges.get(r);
                // The separator is the first space after the first character (a part is never empty).
                int sp = merge.indexOf(' ', 1);
                if (sp < 0 || sp == merge.length() - 1) {
                    throw new IllegalArgumentException("merge " + r + " is not \"left right\": \"" + merge + "\"");
                }
                ranks.putIfAbsent(merge, r);
            }
        }
        this.mergeRanks = Collections.unmodifiableMap(ranks);
        this.bos = checkId("bos", b.bos, n);
        this.eos = checkId("eos", b.eos, n);
        this.unk = checkId("unk", b.unk, n);
        this.pad = checkId("pad", b.pad, n);
        this.addBos = b.addBos;
        this.addEos = b.addEos;
        this.addSpacePrefix = b.addSpacePrefix;
    }

    private static int checkId(String what, int id, int n) {
        if (id != NONE && (id < 0 || id >= n)) {
            throw new IllegalArgumentException(what + " token id " + id + " outside the vocabulary (size " + n + ")");
        }
        return id;
    }

    public static Builder builder(Model model) {
        return new Builder(model);
    }

    public Model model() {
        return model;
    }

    /** The pre-tokenizer name ({@code tokenizer.ggml.pre}), "default" when absent. */
    public String preTokenizer() {
        return pre;
    }

    public int size() {
        return tokens.length;
    }

    /** The token's text as stored in the file. */
    public String token(int id) {
        return tokens[id];
    }

    /** The token's score, 0 when the vocabulary has no scores. */
    public float score(int id) {
        return scores == null ? 0f : scores[id];
    }

    public boolean hasScores() {
        return scores != null;
    }

    public TokenType type(int id) {
        return types[id];
    }

    /** The id of the token whose text is exactly {@code text}, or {@link #NONE}. */
    public int id(String text) {
        Integer id = ids.get(text);
        return id == null ? NONE : id;
    }

    /** The rank of merging {@code left} and {@code right} (lower merges first), or -1. */
    public int mergeRank(String left, String right) {
        Integer r = mergeRanks.get(left + ' ' + right);
        return r == null ? -1 : r;
    }

    public int mergeCount() {
        return mergeRanks.size();
    }

    public int bos() {
        return bos;
    }

    public int eos() {
        return eos;
    }

    public int unk() {
        return unk;
    }

    public int pad() {
        return pad;
    }

    public boolean addBos() {
        return addBos;
    }

    public boolean addEos() {
        return addEos;
    }

    /** Whether SentencePiece encoding prefixes a space (a "dummy prefix") to the text. */
    public boolean addSpacePrefix() {
        return addSpacePrefix;
    }

    @Override
    public String toString() {
        return "Vocabulary[" + model + ", pre=" + pre + ", " + tokens.length + " tokens, " + mergeRanks.size()
                + " merges, bos=" + bos + ", eos=" + eos + "]";
    }

    /** Collects the parts of a vocabulary; {@link #build} validates them. */
    public static final class Builder {
        private final Model model;
        private String pre;
        private List<String> tokens = List.of();
        private float[] scores;
        private TokenType[] types;
        private List<String> merges;
        private int bos = NONE, eos = NONE, unk = NONE, pad = NONE;
        private boolean addBos, addEos, addSpacePrefix;

        private Builder(Model model) {
            this.model = model;
            this.addBos = model == Model.SPM;
            this.addSpacePrefix = model == Model.SPM;
        }

        public Builder preTokenizer(String pre) { this.pre = pre; return this; }
        public Builder tokens(List<String> tokens) { this.tokens = List.copyOf(tokens); return this; }
        public Builder scores(float[] scores) { this.scores = scores; return this; }
        public Builder types(TokenType[] types) { this.types = types == null ? null : types.clone(); return this; }
        public Builder merges(List<String> merges) { this.merges = merges == null ? null : List.copyOf(merges); return this; }
        public Builder bos(int id) { this.bos = id; return this; }
        public Builder eos(int id) { this.eos = id; return this; }
        public Builder unk(int id) { this.unk = id; return this; }
        public Builder pad(int id) { this.pad = id; return this; }
        public Builder addBos(boolean v) { this.addBos = v; return this; }
        public Builder addEos(boolean v) { this.addEos = v; return this; }
        public Builder addSpacePrefix(boolean v) { this.addSpacePrefix = v; return this; }

        public Vocabulary build() {
            return new Vocabulary(this);
        }
    }
}
