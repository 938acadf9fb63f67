package dev.llmj.kernels.scalar;

import dev.llmj.kernels.DotKernels;
import dev.llmj.kernels.InterleavedQ8_0;
import dev.llmj.kernels.KernelExecutor;
import dev.llmj.tensor.HalfFloats;
import dev.llmj.tensor.LE;
import java.lang.foreign.MemorySegment;

/**
 * Scalar twin of the interleaved Q8_0 GEMV, and its specification. Each vector is quantized to
 * Q8_0 ({@link DotKernels#quantizeQ8_0}); each row's result is then {@link ScalarDot#dotQ8_0} of
 * the source row and that vector, computed here from the tiles instead of the source:
 *
 * <pre>
 *   per block: Σ = Σ_e q_e·x_e  (exact integer)
 *              acc = fma(f16(d_w)·f16(d_x), (float) Σ, acc)   in block order, from acc = 0
 * </pre>
 */
public final class ScalarInterleavedQ8_0 {
    private ScalarInterleavedQ8_0() {}

    public static void gemvBatch(DotKernels dot, KernelExecutor executor, InterleavedQ8_0 w, MemorySegment xs, long xOff,
            int b, MemorySegment ys, long yOff) {
        ScalarInterleavedQ4_0.eachRow(dot, executor, w.tiles(), w.rows(), w.cols(), xs, xOff, b, ys, yOff,
                (r, xq, x0) -> row(w, r, xq, x0));
    }

    /** Row r of w times the Q8_0 vector at {@code x0}. */
    static float row(InterleavedQ8_0 w, int r, MemorySegment xq, long x0) {
        MemorySegment t = w.tiles();
        int g = r / InterleavedQ8_0.TILE_ROWS;
        int lane = r % InterleavedQ8_0.TILE_ROWS;
        float acc = 0f;
        for (int blk = 0; blk < w.blocks(); blk++) {
            long tile = w.tile(g, blk);
            long px = x0 + 34L * blk;
            int sum = 0;
            for (int e = 0; e < 32; e++) {
                int q = t.get(LE.BYTE, tile + 64L * (e / 2) + 2L * lane + e % 2);
                sum += q * xq.get(LE.BYTE, px + 2 + e);
            }
            float d = HalfFloats.f16ToFloat(t.get(LE.SHORT, tile + InterleavedQ8_0.SCALES + 2L * lane))
                    * HalfFloats.f16ToFloat(xq.get(LE.SHORT, px));
            acc = Math.fma(d, (float) sum, acc);
        }
        return acc;
    }
}
