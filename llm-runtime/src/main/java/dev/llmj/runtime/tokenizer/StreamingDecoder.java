package dev.llmj.runtime.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Decodes tokens one at a time for streaming output. A UTF-8 character may be spread over
 * several byte tokens ({@code <0xE2> <0x96> <0x81>}); its first bytes are held back until the
 * character is complete, so callers never print half a character as U+FFFD.
 *
 * <p>Unlike {@link Tokenizer#decode}, no dummy-prefix space is dropped: the stream is usually a
 * continuation after a prompt. Not thread-safe.
 */
public final class StreamingDecoder {
    private final Tokenizer tokenizer;
    private byte[] pending = new byte[16];
    private int n;

    public StreamingDecoder(Tokenizer tokenizer) {
        this.tokenizer = tokenizer;
    }

    /** Adds one token and returns the text that is now complete (possibly ""). */
    public String accept(int id) {
        byte[] p = tokenizer.pieceBytes(id);
        if (n + p.length > pending.length) {
            pending = Arrays.copyOf(pending, Math.max(pending.length * 2, n + p.length));
        }
        System.arraycopy(p, 0, pending, n, p.length);
        n += p.length;
        int cut = completePrefix(pending, n);
        String s = new String(pending, 0, cut, StandardCharsets.UTF_8);
        System.arraycopy(pending, cut, pending, 0, n - cut);
        n -= cut;
        return s;
    }

    /** Returns whatever is still held back (an incomplete character becomes U+FFFD) and resets. */
    public String flush() {
        String s = new String(pending, 0, n, StandardCharsets.UTF_8);
        n = 0;
        return s;
    }

    /** Number of bytes held back waiting for the rest of a character. */
    public int pendingBytes() {
        return n;
    }

    /**
     * Length of the longest prefix of {@code b[0..n)} that does not end inside a UTF-8 sequence
     * that could still be completed. Only the last three bytes can belong to such a sequence.
     */
    static int completePrefix(byte[] b, int n) {
        for (int i = n - 1; i >= Math.max(0, n - 4); i--) {
            int v = b[i] & 0xFF;
            if ((v & 0xC0) == 0x80) {
                continue; // continuation byte: look further back for the lead byte
            }
            int need = v >= 0xF0 && v <= 0xF4 ? 4 : v >= 0xE0 ? (v <= 0xEF ? 3 : 1) : v >= 0xC2 ? 2 : 1;
            return n - i < need ? i : n;
        }
        return n; // only stray continuation bytes: nothing can complete them
    }
}
