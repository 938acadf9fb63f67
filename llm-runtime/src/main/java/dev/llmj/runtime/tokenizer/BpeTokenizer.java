package dev.llmj.runtime.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Byte-level BPE as llama.cpp runs it ({@code llm_tokenizer_bpe}): the pre-tokenizer splits the
 * text into words; each word's UTF-8 bytes are mapped to GPT-2's printable characters
 * ({@link ByteUnicode}); then the adjacent pair with the lowest merge rank is merged (ties:
 * leftmost) until no pair has a merge. A final symbol that is not a token (rare: only when the
 * merges and the token list disagree) is emitted as its single-byte tokens where they exist.
 */
final class BpeTokenizer extends BaseTokenizer {
    private static final int CACHE_LIMIT = 1 << 16;

    private final PreTokenizers.PreTokenizer preTokenizer;
    /** llama3-style vocabularies take a whole word when it is a token, before any merging. */
    private final boolean ignoreMerges;
    private final Map<String, int[]> wordCache = new ConcurrentHashMap<>();

    BpeTokenizer(Vocabulary vocab) {
        super(vocab);
        this.preTokenizer = PreTokenizers.forName(vocab.preTokenizer());
        this.ignoreMerges = vocab.preTokenizer().equals("llama3") || vocab.preTokenizer().equals("llama-bpe");
    }

    @Override
    protected byte[] computePiece(int id) {
        String text = vocab.token(id);
        return switch (vocab.type(id)) {
            case NORMAL -> ByteUnicode.decode(text);
            case USER_DEFINED -> text.getBytes(StandardCharsets.UTF_8);
            case BYTE -> ByteUnicode.decode(text);
            case CONTROL, UNKNOWN, UNUSED -> new byte[0];
        };
    }

    @Override
    protected void encodeText(String text, boolean afterSpecial, IntList out) {
        for (String word : preTokenizer.split(text)) {
            int[] ids = wordCache.get(word);
            if (ids == null) {
                ids = encodeWord(ByteUnicode.encode(word));
                if (wordCache.size() >= CACHE_LIMIT) {
                    wordCache.clear();
                }
                wordCache.put(word, ids);
            }
            out.addAll(ids);
        }
    }

    private record Bigram(int left, int right, int rank, int size) {}

    /** BPE over one byte-mapped word; every character of it is a single UTF-16 unit. */
    private int[] encodeWord(String w) {
        IntList out = new IntList(8);
        if (ignoreMerges) {
            int id = vocab.id(w);
            if (id != Vocabulary.NONE) {
                out.add(id);
                return out.toArray();
            }
        }
        int n = w.length();
        int[] len = new int[n], prev = new int[n], next = new int[n];
        for (int i = 0; i < n; i++) {
            len[i] = 1;
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }
        PriorityQueue<Bigram> queue = new PriorityQueue<>(Math.max(1, n),
                (a, b) -> a.rank != b.rank ? Integer.compare(a.rank, b.rank) : Integer.compare(a.left, b.left));
        for (int i = 1; i < n; i++) {
            addBigram(w, len, i - 1, i, queue);
        }
        while (!queue.isEmpty()) {
            Bigram bg = queue.poll();
            int l = bg.left, r = bg.right;
            // Symbols only grow, and a symbol's start never moves, so equal total length means
            // the pair is still the one that was queued.
            if (len[l] == 0 || len[r] == 0 || len[l] + len[r] != bg.size) {
                continue;
            }
            len[l] += len[r];
            len[r] = 0;
            next[l] = next[r];
            if (next[r] >= 0) {
                prev[next[r]] = l;
            }
            addBigram(w, len, prev[l], l, queue);
            addBigram(w, len, l, next[l], queue);
        }
        for (int i = 0; i != -1 && n > 0; i = next[i]) {
            String sym = w.substring(i, i + len[i]);
            int id = vocab.id(sym);
            if (id != Vocabulary.NONE) {
                out.add(id);
            } else {
                for (byte b : sym.getBytes(StandardCharsets.UTF_8)) {
                    int single = b >= 0 ? vocab.id(String.valueOf((char) b)) : Vocabulary.NONE;
                    if (single != Vocabulary.NONE) {
                        out.add(single);
                    }
                }
            }
        }
        return out.toArray();
    }

    private void addBigram(String w, int[] len, int left, int right, PriorityQueue<Bigram> queue) {
        if (left < 0 || right < 0) {
            return;
        }
        // Symbol i starts at offset i: merges only extend a symbol to the right.
        int rank = vocab.mergeRank(w.substring(left, left + len[left]), w.substring(right, right + len[right]));
        if (rank >= 0) {
            queue.add(new Bigram(left, right, rank, len[left] + len[right]));
        }
    }
}
