package dev.llmj.tensor;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A model, vocabulary or checkpoint file is malformed. The message always names the file, the
 * field being read and the byte offset where reading it failed, so that a user can find the
 * damage with a hex dump.
 */
public class ModelFormatException extends IOException {
    private final String field;
    private final long byteOffset;

    public ModelFormatException(Path file, String field, long byteOffset, String problem) {
        super((file == null ? "" : file + ": ") + field + " at byte " + byteOffset + ": " + problem);
        this.field = field;
        this.byteOffset = byteOffset;
    }

    /** The name of the field (e.g. {@code tensor_count}, {@code tensor[3].offset}) that was wrong. */
    public String field() {
        return field;
    }

    /** Byte offset in the file at which the field starts. */
    public long byteOffset() {
        return byteOffset;
    }
}
