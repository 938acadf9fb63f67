package dev.llmj.rope.attention;

import java.util.Locale;

/**
 * Element type of a {@link KvCache}. F16 (llama.cpp's default cache type) halves the cache's
 * memory and the bytes decode reads per attended position, at the price of rounding each rotated
 * key and each value to binary16 once, when it is stored (relative error ≤ 2^−11; values beyond
 * ±65504 become infinite, as in llama.cpp). F32 keeps them exact.
 */
public enum KvType {
    F32(Float.BYTES),
    F16(Short.BYTES);

    private final int bytes;

    KvType(int bytes) {
        this.bytes = bytes;
    }

    /** Bytes per cached element. */
    public int bytes() {
        return bytes;
    }

    /** "f32" or "f16", any case. */
    public static KvType parse(String name) {
        if (name != null) {
            for (KvType t : values()) {
                if (t.name().equalsIgnoreCase(name.trim())) {
                    return t;
                }
            }
        }
        throw new IllegalArgumentException("unknown KV cache type '" + name + "' (expected f32 or f16)");
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
