package dev.llmj.rope.attention;

import java.util.Locale;

/**
 * Element type of a {@link KvCache}. F16 (llama.cpp's default cache type) halves the cache's
 * memory and the bytes decode reads per attended position, at the price of rounding each rotated
 * key and each value to binary16 once, when it is stored (relative error ≤ 2^−11; values beyond
 * ±65504 become infinite, as in llama.cpp). F32 keeps them exact.
 *
 * <p>Q8_0 (llama.cpp's {@code -ctk q8_0 -ctv q8_0}) stores each 32-element block of a head's key
 * or value as 32 signed bytes and one scale, d = max|x| / 127 and q = x / d rounded half away from
 * zero, as GGML's Q8_0 does; the scale stays a float (GGML's is binary16), so no block overflows
 * and a block's error is at most d/2 per element, ≤ max|x| / 254. 1.125 bytes per element,
 * under a third of F32's. A block holding an infinity or NaN reads back as NaN. Needs a head
 * dimension that is a multiple of 32.
 */
public enum KvType {
    F32(Float.BYTES),
    F16(Short.BYTES),
    /** {@link #bytes()} counts the int8 values; the scales (4 bytes per 32 elements) sit beside them. */
    Q8_0(Byte.BYTES);

    /** Elements per Q8_0 block (one scale each). */
    public static final int Q8_0_BLOCK = 32;

    private final int bytes;

    KvType(int bytes) {
        this.bytes = bytes;
    }

    /** Bytes per cached element. */
    public int bytes() {
        return bytes;
    }

    /** Throws when a cache of this type cannot hold heads of {@code headDim} (Q8_0: whole blocks only). */
    public void checkHeadDim(int headDim) {
        if (this == Q8_0 && headDim % Q8_0_BLOCK != 0) {
            throw new IllegalArgumentException("a q8_0 KV cache needs a head dim that is a multiple of " + Q8_0_BLOCK
                    + ", got " + headDim + " (use f16 or f32)");
        }
    }

    /** "f32", "f16" or "q8_0", any case. */
    public static KvType parse(String name) {
        if (name != null) {
            for (KvType t : values()) {
                if (t.name().equalsIgnoreCase(name.trim())) {
                    return t;
                }
            }
        }
        throw new IllegalArgumentException("unknown KV cache type '" + name + "' (expected f32, f16 or q8_0)");
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
