package dev.llmj.tensor;

import java.util.Optional;

/**
 * Element types, numbered exactly as GGML/GGUF number them ({@code ggml_type}).
 *
 * <p>Block types store {@link #blockSize()} elements in {@link #blockBytes()} bytes; plain types
 * have a block size of 1. Every GGML type's size is known so that any GGUF file can be mapped and
 * inspected; {@link #isDecodable()} says whether this library can also compute with it.
 */
public enum DType {
    F32(0, 1, 4, true),
    F16(1, 1, 2, true),
    Q4_0(2, 32, 18, true),
    Q4_1(3, 32, 20, false),
    Q5_0(6, 32, 22, false),
    Q5_1(7, 32, 24, false),
    Q8_0(8, 32, 34, true),
    Q8_1(9, 32, 36, false),
    Q2_K(10, 256, 84, false),
    Q3_K(11, 256, 110, false),
    Q4_K(12, 256, 144, true),
    Q5_K(13, 256, 176, false),
    Q6_K(14, 256, 210, true),
    Q8_K(15, 256, 292, false),
    IQ2_XXS(16, 256, 66, false),
    IQ2_XS(17, 256, 74, false),
    IQ3_XXS(18, 256, 98, false),
    IQ1_S(19, 256, 50, false),
    IQ4_NL(20, 32, 18, false),
    IQ3_S(21, 256, 110, false),
    IQ2_S(22, 256, 82, false),
    IQ4_XS(23, 256, 136, false),
    I8(24, 1, 1, false),
    I16(25, 1, 2, false),
    I32(26, 1, 4, false),
    I64(27, 1, 8, false),
    F64(28, 1, 8, false),
    IQ1_M(29, 256, 56, false),
    BF16(30, 1, 2, true);

    private static final DType[] BY_ID = new DType[64];

    static {
        for (DType t : values()) {
            BY_ID[t.ggmlId] = t;
        }
    }

    private final int ggmlId;
    private final int blockSize;
    private final int blockBytes;
    private final boolean decodable;

    DType(int ggmlId, int blockSize, int blockBytes, boolean decodable) {
        this.ggmlId = ggmlId;
        this.blockSize = blockSize;
        this.blockBytes = blockBytes;
        this.decodable = decodable;
    }

    /** The GGML type number used in GGUF tensor infos. */
    public int ggmlId() {
        return ggmlId;
    }

    /** Elements per block (1 for plain types). */
    public int blockSize() {
        return blockSize;
    }

    /** Bytes per block (the element size for plain types). */
    public int blockBytes() {
        return blockBytes;
    }

    public boolean isQuantized() {
        return blockSize > 1;
    }

    /** True when this library can dequantize (and compute with) this type. */
    public boolean isDecodable() {
        return decodable;
    }

    /**
     * Bytes needed for {@code elements} elements laid out contiguously.
     *
     * @throws IllegalArgumentException if {@code elements} is not a whole number of blocks or the
     *     byte count overflows a long
     */
    public long byteSize(long elements) {
        if (elements < 0) {
            throw new IllegalArgumentException("negative element count " + elements + " for " + this);
        }
        if (elements % blockSize != 0) {
            throw new IllegalArgumentException(
                    this + " stores elements in blocks of " + blockSize + "; " + elements + " is not a multiple");
        }
        return Math.multiplyExact(elements / blockSize, (long) blockBytes);
    }

    /** Looks up a GGML type number; empty when it is not a known type. */
    public static Optional<DType> fromGgmlId(long id) {
        if (id < 0 || id >= BY_ID.length || BY_ID[(int) id] == null) {
            return Optional.empty();
        }
        return Optional.of(BY_ID[(int) id]);
    }
}
