package dev.llmj.runtime.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.PriorityQueue;

/**
 * SentencePiece BPE as llama.cpp runs it ({@code llm_tokenizer_spm}): spaces become U+2581, a
 * space is prefixed when the vocabulary asks for a dummy prefix and the text starts the input or
 * follows a special token; the text is split into Unicode characters, and the adjacent pair whose
 * concatenation is a token with the highest score is merged (ties: leftmost) until no pair is a
 * token. Symbols that are not tokens fall back to one {@code <0xXX>} token per UTF-8 byte.
 *
 * <p>A priority queue over candidate pairs makes this O(n log n); stale pairs (one side already
 * merged into something else) are recognised by their length and dropped when popped.
 */
final class SpmTokenizer extends BaseTokenizer {
    private static final char SPACE_MARK = '\u2581';

    private final int[] byteTokens = new int[256];

    SpmTokenizer(Vocabulary vocab) {
        super(vocab);
        for (int b = 0; b < 256; b++) {
            byteTokens[b] = vocab.id(String.format("<0x%02X>", b));
        }
    }

    @Override
    protected boolean stripsDummyPrefix() {
        return vocab.addSpacePrefix();
    }

    @Override
    protected byte[] computePiece(int id) {
        String text = vocab.token(id);
        return switch (vocab.type(id)) {
            case NORMAL -> text.replace(SPACE_MARK, ' ').getBytes(StandardCharsets.UTF_8);
            case USER_DEFINED -> text.getBytes(StandardCharsets.UTF_8);
            case UNKNOWN -> "\u2585".getBytes(StandardCharsets.UTF_8); // llama.cpp shows <unk> as ▅
            case BYTE -> new byte[] {(byte) parseByteToken(text, id)};
            case CONTROL, UNUSED -> new byte[0];
        };
    }

    private static int parseByteToken(String text, int id) {
        if (text.length() == 6 && text.startsWith("<0x") && text.endsWith(">")) {
            try {
                return Integer.parseInt(text.substring(3, 5), 16);
            } catch (NumberFormatException e) {
                // reported below
            }
        }
        throw new IllegalArgumentException("byte token " + id + " is not of the form <0xXX>: \"" + text + "\"");
    }

    private record Bigram(int left, int right, float score, int size) {}

    @Override
    protected void encodeText(String text, boolean afterSpecial, IntList out) {
        String s = (afterSpecial && vocab.addSpacePrefix() ? " " + text : text).replace(' ', SPACE_MARK);
        int n = s.codePointCount(0, s.length());
        if (n == 0) {
            return;
        }
        // Symbols: a doubly linked list over [start, start+len) ranges of s (UTF-16 units).
        int[] start = new int[n], len = new int[n], prev = new int[n], next = new int[n];
        for (int i = 0, off = 0; i < n; i++) {
            int cl = Character.charCount(s.codePointAt(off));
            start[i] = off;
            len[i] = cl;
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
            off += cl;
        }
        PriorityQueue<Bigram> queue = new PriorityQueue<>(Math.max(1, n),
                (a, b) -> a.score != b.score ? Float.compare(b.score, a.score) : Integer.compare(a.left, b.left));
        for (int i = 1; i < n; i++) {
            tryAddBigram(s, start, len, i - 1, i, queue);
        }
        while (!queue.isEmpty()) {
            Bigram bg = queue.poll();
            int l = bg.left, r = bg.right;
            if (len[l] == 0 || len[r] == 0 || len[l] + len[r] != bg.size) {
                continue; // stale: one side has since been merged
            }
            len[l] += len[r];
            len[r] = 0;
            next[l] = next[r];
            if (next[r] >= 0) {
                prev[next[r]] = l;
            }
            tryAddBigram(s, start, len, prev[l], l, queue);
            tryAddBigram(s, start, len, l, next[l], queue);
        }
        for (int i = 0; i != -1; i = next[i]) {
            String piece = s.substring(start[i], start[i] + len[i]);
            int id = vocab.id(piece);
            if (id != Vocabulary.NONE) {
                out.add(id);
            } else {
                for (byte b : piece.getBytes(StandardCharsets.UTF_8)) {
                    out.add(byteToken(b & 0xFF));
                }
            }
        }
    }

    private void tryAddBigram(String s, int[] start, int[] len, int left, int right, PriorityQueue<Bigram> queue) {
        if (left < 0 || right < 0) {
            return;
        }
        int size = len[left] + len[right];
        int id = vocab.id(s.substring(start[left], start[left] + size));
        if (id != Vocabulary.NONE) {
            queue.add(new Bigram(left, right, vocab.score(id), size));
        }
    }

    private int byteToken(int b) {
        int id = byteTokens[b];
        if (id == Vocabulary.NONE) {
            id = vocab.unk();
        }
        if (id == Vocabulary.NONE) {
            throw new IllegalStateException(String.format(
                    "text needs byte fallback for 0x%02X but the vocabulary has neither <0x%02X> nor an unknown token", b, b));
        }
        return id;
    }
}
