package dev.llmj.tensor.quant;

import dev.llmj.tensor.DType;
import dev.llmj.tensor.HalfFloats;
import dev.llmj.tensor.LE;
import java.lang.foreign.MemorySegment;

/**
 * Q6_K: 256 elements in 210 bytes, 16 sub-blocks of 16 with int8 scales.
 *
 * <pre>
 *   byte 0..127    ql[128]     low 4 bits of each quant
 *   byte 128..191  qh[64]      high 2 bits of each quant
 *   byte 192..207  scales[16]  int8 scale per 16 elements
 *   byte 208..209  d           float16 super-scale
 *
 *   For each half h (128 elements; ql += 64·h, qh += 32·h, scales += 8·h) and l in 0..31:
 *     q[l]      = (ql[l]    &amp; 15) | ((qh[l] &gt;&gt; 0) &amp; 3) &lt;&lt; 4
 *     q[l + 32] = (ql[l+32] &amp; 15) | ((qh[l] &gt;&gt; 2) &amp; 3) &lt;&lt; 4
 *     q[l + 64] = (ql[l]    &gt;&gt; 4) | ((qh[l] &gt;&gt; 4) &amp; 3) &lt;&lt; 4
 *     q[l + 96] = (ql[l+32] &gt;&gt; 4) | ((qh[l] &gt;&gt; 6) &amp; 3) &lt;&lt; 4
 *   element = d · scales[(index within half) / 16] · (q − 32)
 * </pre>
 *
 * Quantization is llama.cpp's reference quantizer ({@code quantize_row_q6_K_ref}, what
 * {@code llama-quantize} runs without an importance matrix), so a file we write has its bytes:
 * each 16-element group gets a symmetric fit ({@link KQuantFit#symmetricScale}); the scale of
 * largest magnitude maps to −128 (d = −max/128); the quants are then recomputed against the int8
 * scales actually stored. A group whose stored scale is 0 keeps the levels of its fit.
 */
public final class Q6_KCodec implements BlockCodec {
    public static final int BLOCK = 256;
    public static final int BYTES = 210;

    public DType dtype() {
        return DType.Q6_K;
    }

    public void dequantize(MemorySegment src, long off, float[] dst, int dstOff, int n) {
        byte[] q = new byte[BLOCK];
        for (int b = 0; b < n / BLOCK; b++) {
            long blk = off + (long) b * BYTES;
            float d = HalfFloats.f16ToFloat(src.get(LE.SHORT, blk + 208));
            values(src, blk, q);
            int o = dstOff + b * BLOCK;
            for (int e = 0; e < BLOCK; e++) {
                dst[o + e] = d * src.get(LE.BYTE, blk + 192 + e / 16) * q[e];
            }
        }
    }

    /**
     * The 256 values q − 32 (−32..31) of the block at {@code blk}, in element order, into
     * {@code q[0..256)}: what {@link #dequantize} multiplies by d · scale.
     */
    public static void values(MemorySegment src, long blk, byte[] q) {
        for (int h = 0; h < 2; h++) {
            long ql = blk + 64L * h;
            long qh = blk + 128 + 32L * h;
            int y = 128 * h;
            for (int l = 0; l < 32; l++) {
                int lowA = src.get(LE.BYTE, ql + l) & 0xFF;
                int lowB = src.get(LE.BYTE, ql + l + 32) & 0xFF;
                int high = src.get(LE.BYTE, qh + l) & 0xFF;
                q[y + l] = (byte) (((lowA & 15) | ((high & 3) << 4)) - 32);
                q[y + l + 32] = (byte) (((lowB & 15) | (((high >>> 2) & 3) << 4)) - 32);
                q[y + l + 64] = (byte) (((lowA >>> 4) | (((high >>> 4) & 3) << 4)) - 32);
                q[y + l + 96] = (byte) (((lowB >>> 4) | (((high >>> 6) & 3) << 4)) - 32);
            }
        }
    }

    public void quantize(float[] src, int srcOff, MemorySegment dst, long off, int n) {
        int[] levels = new int[BLOCK];
        float[] scales = new float[16];
        for (int b = 0; b < n / BLOCK; b++) {
            int x = srcOff + b * BLOCK;
            long blk = off + (long) b * BYTES;
            float maxScale = 0;
            float maxAbsScale = 0;
            for (int g = 0; g < 16; g++) {
                scales[g] = KQuantFit.symmetricScale(src, x + 16 * g, 16, 32, levels, 16 * g);
                if (Math.abs(scales[g]) > maxAbsScale) {
                    maxAbsScale = Math.abs(scales[g]);
                    maxScale = scales[g];
                }
            }
            if (maxAbsScale < KQuantFit.GROUP_MAX_EPS) {
                dst.asSlice(blk, BYTES).fill((byte) 0);
                continue;
            }
            float iscale = -128f / maxScale;
            short d = HalfFloats.floatToF16(1 / iscale);
            dst.set(LE.SHORT, blk + 208, d);
            for (int g = 0; g < 16; g++) {
                int sc = Math.min(127, KQuantFit.nearestInt(iscale * scales[g]));
                dst.set(LE.BYTE, blk + 192 + g, (byte) sc);
                float dg = HalfFloats.f16ToFloat(d) * (byte) sc;
                if (dg == 0) {
                    continue;
                }
                for (int i = 0; i < 16; i++) {
                    int q = KQuantFit.nearestInt(src[x + 16 * g + i] / dg);
                    levels[16 * g + i] = Math.max(-32, Math.min(31, q)) + 32;
                }
            }
            for (int h = 0; h < 2; h++) {
                int y = 128 * h;
                long ql = blk + 64L * h;
                long qh = blk + 128 + 32L * h;
                for (int l = 0; l < 32; l++) {
                    int q1 = levels[y + l];
                    int q2 = levels[y + l + 32];
                    int q3 = levels[y + l + 64];
                    int q4 = levels[y + l + 96];
                    dst.set(LE.BYTE, ql + l, (byte) ((q1 & 0xF) | ((q3 & 0xF) << 4)));
                    dst.set(LE.BYTE, ql + l + 32, (byte) ((q2 & 0xF) | ((q4 & 0xF) << 4)));
                    dst.set(LE.BYTE, qh + l, (byte) ((q1 >> 4) | ((q2 >> 4) << 2) | ((q3 >> 4) << 4) | ((q4 >> 4) << 6)));
                }
            }
        }
    }
}
