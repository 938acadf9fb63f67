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
 *
 * Quantization is llama.cpp's reference quantizer ({@code quantize_row_q4_K_ref}, what
 * {@code llama-quantize} runs without an importance matrix), so a file we write has its bytes:
 * each sub-block gets a weighted (scale, min) fit ({@link KQuantFit#scaleAndMin}, weights
 * rms(sub-block) + |x|); d and dmin map the largest scale and min to 63; the quants are then
 * recomputed against the 6-bit scales actually stored. A sub-block whose stored scale is 0 keeps
 * the levels of its fit (they decode to −dmin·m whatever they are).
 */
public final class Q4_KCodec implements BlockCodec {
    public static final int BLOCK = 256;
    public static final int BYTES = 144;

    public DType dtype() {
        return DType.Q4_K;
    }

    /** The 6-bit scale (index 0) or min (index 1) of sub-block {@code j}, from the 12 packed bytes. */
    public static int scaleOrMin(MemorySegment src, long scales, int j, boolean min) {
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

    public void quantize(float[] src, int srcOff, MemorySegment dst, long off, int n) {
        float[] weights = new float[32];
        int[] levels = new int[BLOCK];
        int[] scratch = new int[32];
        float[] scales = new float[8];
        float[] mins = new float[8];
        byte[] packed = new byte[12];
        int[] sixBitScales = new int[8]; // the stored 6-bit values, which the quants are fitted to
        int[] sixBitMins = new int[8];
        for (int b = 0; b < n / BLOCK; b++) {
            int x = srcOff + b * BLOCK;
            long blk = off + (long) b * BYTES;
            float maxScale = 0;
            float maxMin = 0;
            for (int j = 0; j < 8; j++) {
                int xo = x + 32 * j;
                float sumX2 = 0;
                for (int l = 0; l < 32; l++) {
                    sumX2 += src[xo + l] * src[xo + l];
                }
                float avX = (float) Math.sqrt(sumX2 / 32);
                for (int l = 0; l < 32; l++) {
                    weights[l] = avX + Math.abs(src[xo + l]);
                }
                scales[j] = KQuantFit.scaleAndMin(src, xo, 32, 15, weights, levels, 32 * j, scratch, -1f, 0.1f, 20,
                        mins, j);
                maxScale = Math.max(maxScale, scales[j]);
                maxMin = Math.max(maxMin, mins[j]);
            }
            float invScale = maxScale > 0 ? 63f / maxScale : 0f;
            float invMin = maxMin > 0 ? 63f / maxMin : 0f;
            for (int j = 0; j < 8; j++) {
                int ls = Math.min(63, KQuantFit.nearestInt(invScale * scales[j]) & 0xFF);
                int lm = Math.min(63, KQuantFit.nearestInt(invMin * mins[j]) & 0xFF);
                sixBitScales[j] = ls;
                sixBitMins[j] = lm;
                if (j < 4) {
                    packed[j] = (byte) ls;
                    packed[j + 4] = (byte) lm;
                } else {
                    packed[j + 4] = (byte) ((ls & 0xF) | ((lm & 0xF) << 4));
                    packed[j - 4] |= (byte) ((ls >> 4) << 6);
                    packed[j] |= (byte) ((lm >> 4) << 6);
                }
            }
            short d = HalfFloats.floatToF16(maxScale / 63f);
            short dmin = HalfFloats.floatToF16(maxMin / 63f);
            dst.set(LE.SHORT, blk, d);
            dst.set(LE.SHORT, blk + 2, dmin);
            MemorySegment.copy(packed, 0, dst, LE.BYTE, blk + 4, 12);
            for (int j = 0; j < 8; j++) {
                float dj = HalfFloats.f16ToFloat(d) * sixBitScales[j];
                if (dj == 0) {
                    continue;
                }
                float mj = HalfFloats.f16ToFloat(dmin) * sixBitMins[j];
                for (int l = 0; l < 32; l++) {
                    int q = KQuantFit.nearestInt((src[x + 32 * j + l] + mj) / dj);
                    levels[32 * j + l] = Math.max(0, Math.min(15, q));
                }
            }
            for (int pair = 0; pair < 4; pair++) {
                for (int l = 0; l < 32; l++) {
                    int lo = levels[64 * pair + l];
                    int hi = levels[64 * pair + 32 + l];
                    dst.set(LE.BYTE, blk + 16 + 32L * pair + l, (byte) (lo | (hi << 4)));
                }
            }
        }
    }
}
