package dev.llmj.tensor.llama2c;

import dev.llmj.tensor.LE;
import dev.llmj.tensor.MappedFile;
import dev.llmj.tensor.ModelFormatException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A llama2.c {@code tokenizer.bin}: the pieces and merge scores of a SentencePiece vocabulary.
 *
 * <pre>
 * offset 0        uint32  max_token_length   (longest piece in bytes)
 * then, for id = 0 .. vocab_size-1:
 *                 float32 score              (SentencePiece piece score; higher merges first)
 *                 uint32  len                (piece length in bytes)
 *                 len B   piece              (UTF-8; a plain ' ' where SentencePiece writes U+2581)
 * </pre>
 *
 * The file does not store its own vocabulary size: it comes from the checkpoint header, which is
 * why {@link #read} takes it. Every length is checked against the bytes left in the file before
 * anything is allocated, so a corrupt file gives a {@link ModelFormatException} naming the field
 * and byte offset, never an {@code OutOfMemoryError}.
 */
public final class Llama2cTokenizerFile {
    /** Upper bound on vocab_size accepted from a caller; real vocabularies are below 2^18. */
    public static final int MAX_VOCAB_SIZE = 1 << 24;

    private final Path path;
    private final int maxTokenLength;
    private final float[] scores;
    private final byte[][] pieces;

    private Llama2cTokenizerFile(Path path, int maxTokenLength, float[] scores, byte[][] pieces) {
        this.path = path;
        this.maxTokenLength = maxTokenLength;
        this.scores = scores;
        this.pieces = pieces;
    }

    /**
     * Reads the first {@code vocabSize} pieces of {@code file}. Bytes after the last piece are
     * ignored (llama2.c does the same).
     *
     * @throws ModelFormatException when the file is truncated, a length is negative, larger
     *     than the rest of the file or than max_token_length, or a score is NaN
     * @throws IllegalArgumentException when vocabSize is not in 1..{@link #MAX_VOCAB_SIZE}
     */
    public static Llama2cTokenizerFile read(Path file, int vocabSize) throws IOException {
        if (vocabSize <= 0 || vocabSize > MAX_VOCAB_SIZE) {
            throw new IllegalArgumentException(
                    "vocabSize must be in 1.." + MAX_VOCAB_SIZE + ", got " + vocabSize + " for " + file);
        }
        try (Arena arena = Arena.ofConfined()) {
            return parse(file, MappedFile.readOnly(file, arena), vocabSize);
        }
    }

    /** Parses an in-memory image of a tokenizer.bin ({@code file} is only used in messages). */
    public static Llama2cTokenizerFile parse(Path file, MemorySegment seg, int vocabSize)
            throws ModelFormatException {
        long size = seg.byteSize();
        if (size < 4) {
            throw new ModelFormatException(file, "max_token_length", 0,
                    "file has " + size + " bytes, too short for the 4-byte header");
        }
        // Each token needs at least 8 bytes (score + length): a vocabulary the file cannot hold
        // is rejected here, before arrays of vocabSize entries are allocated.
        if ((size - 4) / 8 < vocabSize) {
            throw new ModelFormatException(file, "vocab_size", size,
                    "file of " + size + " bytes cannot hold " + vocabSize + " tokens (needs at least "
                            + (4 + 8L * vocabSize) + " bytes)");
        }
        int maxLen = seg.get(LE.INT, 0);
        if (maxLen <= 0) {
            throw new ModelFormatException(file, "max_token_length", 0,
                    "must be positive, got " + Integer.toUnsignedString(maxLen));
        }
        float[] scores = new float[vocabSize];
        byte[][] pieces = new byte[vocabSize][];
        long pos = 4;
        for (int id = 0; id < vocabSize; id++) {
            String field = "token[" + id + "]";
            if (size - pos < 8) {
                throw new ModelFormatException(file, field + ".score", pos,
                        "file ends (" + size + " bytes) before token " + id + " of " + vocabSize);
            }
            float score = seg.get(LE.FLOAT, pos);
            if (Float.isNaN(score)) {
                throw new ModelFormatException(file, field + ".score", pos, "score is NaN");
            }
            int len = seg.get(LE.INT, pos + 4);
            if (len < 0 || len > maxLen) {
                throw new ModelFormatException(file, field + ".length", pos + 4,
                        "length " + Integer.toUnsignedString(len) + " outside 0..max_token_length=" + maxLen);
            }
            if (size - (pos + 8) < len) {
                throw new ModelFormatException(file, field + ".bytes", pos + 8,
                        "piece of " + len + " bytes runs past the end of the file (" + size + " bytes)");
            }
            scores[id] = score;
            pieces[id] = seg.asSlice(pos + 8, len).toArray(LE.BYTE);
            pos += 8 + len;
        }
        return new Llama2cTokenizerFile(file, maxLen, scores, pieces);
    }

    public Path path() {
        return path;
    }

    public int size() {
        return pieces.length;
    }

    public int maxTokenLength() {
        return maxTokenLength;
    }

    public float score(int id) {
        return scores[id];
    }

    /** The piece's bytes exactly as stored (a copy). */
    public byte[] pieceBytes(int id) {
        return pieces[id].clone();
    }

    /** The piece decoded as UTF-8 (malformed bytes become U+FFFD). */
    public String piece(int id) {
        return new String(pieces[id], StandardCharsets.UTF_8);
    }
}
