package dev.llmj.tensor.quant;

import dev.llmj.tensor.DType;
import dev.llmj.tensor.HalfFloats;
import dev.llmj.tensor.LE;
import java.lang.foreign.MemorySegment;

/**
 * Q8_0: 32 elements in 34 bytes.
 *
 * <pre>
 *   byte 0..1   d      float16 scale
 *   byte 2..33  q[32]  int8, element i = d · q[i]
 * </pre>
 *
 * Quantization follows the reference quantizer: d = max|x| / 127, q = roundf(x / d) (computed as
 * x · (1/d) in float, halves away from zero). Worst-case error per element is d/2 plus the
 * float16 rounding of d (relative 2^-11) times |q| ≤ 127, i.e. |x − x̂| ≤ max|x| · (1/254 + 2^-11)
 * (while d is a normal float16, i.e. max|x| ≥ 127·2^-14).
 */
public final class Q8_0Codec implements BlockCodec {
    public static final int BLOCK = 32;
    public static final int BYTES = 34;

    public DType dtype() {
        return DType.Q8_0;
    }

    public void dequantize(MemorySegment src, long off, float[] dst, int dstOff, int n) {
        for (int b = 0; b < n / BLOCK; b++) {
            long blk = off + (long) b * BYTES;
            float d = HalfFloats.f16ToFloat(src.get(LE.SHORT, blk));
            int o = dstOff + b * BLOCK;
            for (int i = 0; i < BLOCK; i++) {
                dst[o + i] = d * src.get(LE.BYTE, blk + 2 + i);
            }
        }
    }

    public void quantize(float[] src, int srcOff, MemorySegment dst, long off, int n) {
        for (int b = 0; b < n / BLOCK; b++) {
            int s = srcOff + b * BLOCK;
            long blk = off + (long) b * BYTES;
            float amax = 0;
            for (int i = 0; i < BLOCK; i++) {
                amax = Math.max(amax, Math.abs(src[s + i]));
            }
            float d = amax / 127f;
            float id = d != 0 ? 1f / d : 0f;
            dst.set(LE.SHORT, blk, HalfFloats.floatToF16(d));
            for (int i = 0; i < BLOCK; i++) {
                dst.set(LE.BYTE, blk + 2 + i, (byte) Rounding.roundf(src[s + i] * id));
            }
        }
    }
}
