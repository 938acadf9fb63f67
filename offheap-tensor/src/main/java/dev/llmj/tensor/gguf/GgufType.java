package dev.llmj.tensor.gguf;

import java.util.Optional;

/** GGUF metadata value types, numbered as {@code gguf_type} numbers them in the file. */
public enum GgufType {
    UINT8(0, 1),
    INT8(1, 1),
    UINT16(2, 2),
    INT16(3, 2),
    UINT32(4, 4),
    INT32(5, 4),
    FLOAT32(6, 4),
    BOOL(7, 1),
    STRING(8, -1),
    ARRAY(9, -1),
    UINT64(10, 8),
    INT64(11, 8),
    FLOAT64(12, 8);

    private static final GgufType[] BY_ID = values();

    private final int id;
    private final int fixedSize;

    GgufType(int id, int fixedSize) {
        this.id = id;
        this.fixedSize = fixedSize;
    }

    /** The type number written in the file. */
    public int id() {
        return id;
    }

    /** Encoded size in bytes of a scalar of this type; -1 for STRING and ARRAY. */
    public int fixedSize() {
        return fixedSize;
    }

    /**
     * Fewest bytes one value of this type can occupy in a file: its size for scalars, 8 for a
     * string (its length), 12 for an array (element type and count). Used to reject counts that
     * cannot fit in the bytes that remain before allocating anything.
     */
    public int minEncodedSize() {
        return switch (this) {
            case STRING -> 8;
            case ARRAY -> 12;
            default -> fixedSize;
        };
    }

    /** True for the eight integer types. */
    public boolean isInteger() {
        return switch (this) {
            case UINT8, INT8, UINT16, INT16, UINT32, INT32, UINT64, INT64 -> true;
            default -> false;
        };
    }

    /** True for the integer and floating-point types. */
    public boolean isNumeric() {
        return isInteger() || this == FLOAT32 || this == FLOAT64;
    }

    /** The type numbered {@code id}, or empty when there is none. */
    public static Optional<GgufType> fromId(long id) {
        if (id < 0 || id >= BY_ID.length) {
            return Optional.empty();
        }
        return Optional.of(BY_ID[(int) id]);
    }
}
