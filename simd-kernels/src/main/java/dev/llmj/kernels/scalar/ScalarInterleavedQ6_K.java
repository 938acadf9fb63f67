package dev.llmj.kernels.scalar;

import dev.llmj.kernels.DotKernels;
import dev.llmj.kernels.InterleavedQ6_K;
import dev.llmj.kernels.KernelExecutor;
import dev.llmj.tensor.HalfFloats;
import dev.llmj.tensor.LE;
import java.lang.foreign.MemorySegment;

/**
 * Scalar twin of the interleaved Q6_K GEMV, and its specification. Each vector is quantized to
 * Q8_0 ({@link DotKernels#quantizeQ8_0}); each row's result, over its 32-column blocks in order:
 *
 * <pre>
 *   S = sc_lo · Σ_{e &lt; 16} q_e·x_e + sc_hi · Σ_{16 ≤ e &lt; 32} q_e·x_e        (exact integer;
 *       |S| ≤ 2·128·16·32·127 &lt; 2^24, so (float) S is exact too)
 *   acc = fma(f16(d)·f16(d_x), (float) S, acc)                                from acc = 0
 * </pre>
 *
 * with q the Q6_K values (−32..31), sc_lo/sc_hi the scales of the block's two 16-column
 * sub-blocks and d the super-block's scale: Q6_K times Q8_0 activations, as llama.cpp's
 * Q6_K × Q8_K product but with an activation scale per 32 columns instead of per 256.
 */
public final class ScalarInterleavedQ6_K {
    private ScalarInterleavedQ6_K() {}

    public static void gemvBatch(DotKernels dot, KernelExecutor executor, InterleavedQ6_K w, MemorySegment xs, long xOff,
            int b, MemorySegment ys, long yOff) {
        ScalarInterleavedQ4_0.eachRow(dot, executor, w.tiles(), w.rows(), w.cols(), xs, xOff, b, ys, yOff,
                (r, xq, x0) -> row(w, r, xq, x0));
    }

    /** Row r of w times the Q8_0 vector at {@code x0}. */
    static float row(InterleavedQ6_K w, int r, MemorySegment xq, long x0) {
        MemorySegment t = w.tiles();
        int g = r / InterleavedQ6_K.TILE_ROWS;
        int lane = r % InterleavedQ6_K.TILE_ROWS;
        float acc = 0f;
        float unscale = Math.scalb(1f, -w.scaleExponent());
        for (int sb = 0; sb < w.superBlocks(); sb++) {
            long st = w.superTile(g, sb);
            // the file's d, exactly: the copy holds d·2^k, a binary16 value whatever k
            float d = HalfFloats.f16ToFloat(t.get(LE.SHORT, st + InterleavedQ6_K.SUPER_SCALES + 2L * lane)) * unscale;
            for (int k = 0; k < 8; k++) {
                long blk = InterleavedQ6_K.block(st, k);
                long px = x0 + 34L * (8 * sb + k);
                int s = 0;
                for (int half = 0; half < 2; half++) {
                    int sum = 0;
                    for (int e = 16 * half; e < 16 * half + 16; e++) {
                        int q = t.get(LE.BYTE, blk + InterleavedQ6_K.VALUES + 64L * (e / 2) + 2L * lane + (e % 2));
                        sum += q * xq.get(LE.BYTE, px + 2 + e);
                    }
                    int scales = t.get(LE.SHORT, blk + InterleavedQ6_K.SCALES + 2L * lane);
                    s += ((scales << (24 - 8 * half)) >> 24) * sum;
                }
                acc = Math.fma(d * HalfFloats.f16ToFloat(xq.get(LE.SHORT, px)), (float) s, acc);
            }
        }
        return acc;
    }
}
