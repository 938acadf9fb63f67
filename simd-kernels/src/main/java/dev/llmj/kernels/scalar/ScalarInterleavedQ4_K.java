package dev.llmj.kernels.scalar;

import dev.llmj.kernels.DotKernels;
import dev.llmj.kernels.InterleavedQ4_K;
import dev.llmj.kernels.KernelExecutor;
import dev.llmj.tensor.HalfFloats;
import dev.llmj.tensor.LE;
import java.lang.foreign.MemorySegment;

/**
 * Scalar twin of the interleaved Q4_K GEMV, and its specification. Each vector is quantized to
 * Q8_0 ({@link DotKernels#quantizeQ8_0}); each row's result, over its 32-column sub-blocks in
 * order, with q the 4-bit values (0..15), sc and m the sub-block's 6-bit scale and min, d and
 * dmin the super-block's scales:
 *
 * <pre>
 *   S = Σ q_e·x_e,  X = Σ x_e                                  (exact integers)
 *   acc = fma(f16(d)·f16(d_x), (float) (sc·S), acc)             (sc·S ≤ 63·32·15·127 &lt; 2^24: exact)
 *   acc = fma(−(f16(dmin)·f16(d_x)), (float) (m·X), acc)        from acc = 0
 * </pre>
 *
 * the Q4_K element d·sc·q − dmin·m times Q8_0 activations, as llama.cpp's Q4_K × Q8_K but with an
 * activation scale per 32 columns instead of per 256.
 */
public final class ScalarInterleavedQ4_K {
    private ScalarInterleavedQ4_K() {}

    public static void gemvBatch(DotKernels dot, KernelExecutor executor, InterleavedQ4_K w, MemorySegment xs, long xOff,
            int b, MemorySegment ys, long yOff) {
        ScalarInterleavedQ4_0.eachRow(dot, executor, w.tiles(), w.rows(), w.cols(), xs, xOff, b, ys, yOff,
                (r, xq, x0) -> row(w, r, xq, x0));
    }

    /** Row r of w times the Q8_0 vector at {@code x0}. */
    static float row(InterleavedQ4_K w, int r, MemorySegment xq, long x0) {
        MemorySegment t = w.tiles();
        int g = r / InterleavedQ4_K.TILE_ROWS;
        int lane = r % InterleavedQ4_K.TILE_ROWS;
        float acc = 0f;
        float unscale = Math.scalb(1f, -w.scaleExponent());
        for (int sb = 0; sb < w.superBlocks(); sb++) {
            long st = w.superTile(g, sb);
            // the file's d and dmin, exactly: the copy holds them times 2^k, binary16 values whatever k
            float d = HalfFloats.f16ToFloat(t.get(LE.SHORT, st + InterleavedQ4_K.SUPER_SCALES + 2L * lane)) * unscale;
            float dmin = HalfFloats.f16ToFloat(t.get(LE.SHORT, st + InterleavedQ4_K.SUPER_MINS + 2L * lane)) * unscale;
            for (int j = 0; j < 8; j++) {
                long blk = InterleavedQ4_K.block(st, j);
                long px = x0 + 34L * (8 * sb + j);
                int s = 0;
                int x = 0;
                for (int e = 0; e < 32; e++) {
                    int packed = t.get(LE.SHORT, blk + 64L * (e / 4) + 2L * lane);
                    int q = ((packed << (28 - 4 * (e % 4))) >> 28) + 8;
                    int xe = xq.get(LE.BYTE, px + 2 + e);
                    s += q * xe;
                    x += xe;
                }
                int scaleAndMin = t.get(LE.SHORT, blk + InterleavedQ4_K.SCALES + 2L * lane);
                int sc = scaleAndMin & 0xFF;
                int m = (scaleAndMin >> 8) & 0xFF;
                float dx = HalfFloats.f16ToFloat(xq.get(LE.SHORT, px));
                acc = Math.fma(d * dx, (float) (sc * s), acc);
                acc = Math.fma(-(dmin * dx), (float) (m * x), acc);
            }
        }
        return acc;
    }
}
