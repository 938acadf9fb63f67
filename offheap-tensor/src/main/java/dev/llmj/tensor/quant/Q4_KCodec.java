package dev.llmj.tensor.quant;

import dev.llmj.tensor.DType;
import dev.llmj.tensor.HalfFloats;
import dev.llmj.tensor.LE;
import java.lang.foreign.MemorySegment;

/**
 * Q4_K: 256 elements in 144 bytes, as 8 sub-blocks of 32 with 6-bit scales and mins.
 *
 * <pre>
 *   byte 0..1     d           float16 super-scale for the scales
 *   byte 2..3     dmin        float16 super-scale for the mins
 *   byte 4..15    scales[12]  eight 6-bit (scale, min) pairs, packed:
 *                   sub-block j &lt; 4:  sc = scales[j] &amp; 63          m = scales[j+4] &amp; 63
 *                   sub-block j ≥ 4:  sc = scales[j+4] &amp; 15 | (scales[j-4] &gt;&gt; 6) &lt;&lt; 4
 *                                      m = scales[j+4] &gt;&gt; 4 | (scales[j]   &gt;&gt; 6) &lt;&lt; 4
 *   byte 16..143  qs[128]     4-bit quants; each 32-byte run holds two sub-blocks:
 *                             low nibbles the first (2i), high nibbles the second (2i+1)
 *   element = d·sc · q − dmin·m
 * </pre>
 */
public final class Q4_KCodec implements BlockCodec {
    public static final int BLOCK = 256;
    public static final int BYTES = 144;

    public DType dtype() {
        return DType.Q4_K;
    }

    /** The 6-bit scale (index 0) or min (index 1) of sub-block {@code j}, from the 12 packed bytes. */
    static int scaleOrMin(MemorySegment src, long scales, int j, boolean min) {
        if (j < 4) {
            return (src.get(LE.BYTE, scales + j + (min ? 4 : 0)) & 63);
        }
        int hiSource = src.get(LE.BYTE, scales + j - (min ? 0 : 4)) & 0xFF;
        int low = src.get(LE.BYTE, scales + j + 4) & 0xFF;
        return (min ? (low >>> 4) : (low & 0x0F)) | ((hiSource >>> 6) << 4);
    }

    public void dequantize(MemorySegment src, long off, float[] dst, int dstOff, int n) {
        for (int b = 0; b < n / BLOCK; b++) {
            long blk = off + (long) b * BYTES;
            float d = HalfFloats.f16ToFloat(src.get(LE.SHORT, blk));
            float dmin = HalfFloats.f16ToFloat(src.get(LE.SHORT, blk + 2));
            long scales = blk + 4;
            long qs = blk + 16;
            int o = dstOff + b * BLOCK;
            for (int pair = 0; pair < 4; pair++) {
                int j = 2 * pair;
                float d1 = d * scaleOrMin(src, scales, j, false);
                float m1 = dmin * scaleOrMin(src, scales, j, true);
                float d2 = d * scaleOrMin(src, scales, j + 1, false);
                float m2 = dmin * scaleOrMin(src, scales, j + 1, true);
                long q = qs + 32L * pair;
                for (int l = 0; l < 32; l++) {
                    int v = src.get(LE.BYTE, q + l) & 0xFF;
                    dst[o + 64 * pair + l] = d1 * (v & 0x0F) - m1;
                    dst[o + 64 * pair + 32 + l] = d2 * (v >>> 4) - m2;
                }
            }
        }
    }
}
