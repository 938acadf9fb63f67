package dev.llmj.tensor.quant;

import dev.llmj.tensor.DType;
import dev.llmj.tensor.HalfFloats;
import dev.llmj.tensor.LE;
import java.lang.foreign.MemorySegment;

/**
 * Q4_0: 32 elements in 18 bytes.
 *
 * <pre>
 *   byte 0..1    d       float16 scale
 *   byte 2..17   qs[16]  qs[j] = q[j] | q[j+16] &lt;&lt; 4   (low nibbles: elements 0..15,
 *                                                      high nibbles: elements 16..31)
 *   element i = d · (q[i] − 8),  q in 0..15
 * </pre>
 *
 * Quantization follows the reference quantizer: the signed value of largest magnitude, m, maps to
 * −8 (d = m / −8); q = min(15, trunc(x/d + 8.5)). Worst-case error per element: |d|/2 for values
 * inside the grid; a value opposite to m that would need +8 is clamped to +7, costing up to |d|;
 * plus the float16 rounding of d (relative 2^-11) times |q − 8| ≤ 7 in that clamped case.
 * Overall |x − x̂| ≤ max|x| · (1/8) · (1 + 7·2^-11) (while d is a normal float16).
 */
public final class Q4_0Codec implements BlockCodec {
    public static final int BLOCK = 32;
    public static final int BYTES = 18;

    public DType dtype() {
        return DType.Q4_0;
    }

    public void dequantize(MemorySegment src, long off, float[] dst, int dstOff, int n) {
        for (int b = 0; b < n / BLOCK; b++) {
            long blk = off + (long) b * BYTES;
            float d = HalfFloats.f16ToFloat(src.get(LE.SHORT, blk));
            int o = dstOff + b * BLOCK;
            for (int j = 0; j < 16; j++) {
                int packed = src.get(LE.BYTE, blk + 2 + j) & 0xFF;
                dst[o + j] = ((packed & 0x0F) - 8) * d;
                dst[o + j + 16] = ((packed >>> 4) - 8) * d;
            }
        }
    }

    public void quantize(float[] src, int srcOff, MemorySegment dst, long off, int n) {
        for (int b = 0; b < n / BLOCK; b++) {
            int s = srcOff + b * BLOCK;
            long blk = off + (long) b * BYTES;
            float amax = 0;
            float max = 0;
            for (int i = 0; i < BLOCK; i++) {
                float v = src[s + i];
                if (amax < Math.abs(v)) {
                    amax = Math.abs(v);
                    max = v;
                }
            }
            float d = max / -8f;
            float id = d != 0 ? 1f / d : 0f;
            dst.set(LE.SHORT, blk, HalfFloats.floatToF16(d));
            for (int j = 0; j < 16; j++) {
                int lo = Math.min(15, (int) (src[s + j] * id + 8.5f));
                int hi = Math.min(15, (int) (src[s + j + 16] * id + 8.5f));
                dst.set(LE.BYTE, blk + 2 + j, (byte) (lo | (hi << 4)));
            }
        }
    }
}
