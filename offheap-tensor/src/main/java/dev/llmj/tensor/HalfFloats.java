package dev.llmj.tensor;

/** IEEE binary16 and bfloat16 conversions. */
public final class HalfFloats {
    private HalfFloats() {}

    public static float f16ToFloat(short bits) {
        return Float.float16ToFloat(bits);
    }

    /** Round-to-nearest-even, as GGML's {@code GGML_FP32_TO_FP16} does on hardware with F16C. */
    public static short floatToF16(float f) {
        return Float.floatToFloat16(f);
    }

    public static float bf16ToFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xFFFF) << 16);
    }

    /**
     * Round-to-nearest-even truncation to the upper 16 bits, NaN kept quiet, as GGML's
     * {@code ggml_compute_fp32_to_bf16}.
     */
    public static short floatToBf16(float f) {
        int u = Float.floatToRawIntBits(f);
        if ((u & 0x7fffffff) > 0x7f800000) { // NaN: force a quiet NaN, keep the sign
            return (short) ((u >>> 16) | 64);
        }
        return (short) ((u + (0x7fff + ((u >>> 16) & 1))) >>> 16);
    }
}
