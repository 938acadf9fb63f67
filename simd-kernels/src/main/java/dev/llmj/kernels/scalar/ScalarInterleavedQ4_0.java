package dev.llmj.kernels.scalar;

import dev.llmj.kernels.DotKernels;
import dev.llmj.kernels.InterleavedQ4_0;
import dev.llmj.kernels.KernelExecutor;
import dev.llmj.kernels.Scratch;
import dev.llmj.tensor.DType;
import dev.llmj.tensor.HalfFloats;
import dev.llmj.tensor.LE;
import java.lang.foreign.MemorySegment;

/**
 * Scalar twin of the interleaved Q4_0 GEMV, and its specification. Each vector is quantized to
 * Q8_0 ({@link DotKernels#quantizeQ8_0}); each row's result is then {@link ScalarDot#dotQ4_0} of
 * the source row and that vector, computed here from the tiles instead of the source:
 *
 * <pre>
 *   per block: Σ = Σ_e (q_e − 8)·x_e  (exact integer)
 *              acc = fma(f16(d_w)·f16(d_x), (float) Σ, acc)   in block order, from acc = 0
 * </pre>
 */
public final class ScalarInterleavedQ4_0 {
    private ScalarInterleavedQ4_0() {}

    public static void gemvBatch(DotKernels dot, KernelExecutor executor, InterleavedQ4_0 w, MemorySegment xs, long xOff,
            int b, MemorySegment ys, long yOff) {
        eachRow(dot, executor, w.tiles(), w.rows(), w.cols(), xs, xOff, b, ys, yOff, (r, xq, x0) -> row(w, r, xq, x0));
    }

    /** One row's result against the Q8_0 vector at {@code x0} of {@code xq}. */
    @FunctionalInterface
    interface RowDot {
        float row(int r, MemorySegment xq, long x0);
    }

    /**
     * The driver both interleaved twins share: each of the b vectors quantized to Q8_0, then
     * {@code rowDot} for every (row, vector), rows split across the executor.
     */
    static void eachRow(DotKernels dot, KernelExecutor executor, MemorySegment tiles, int rows, int cols,
            MemorySegment xs, long xOff, int b, MemorySegment ys, long yOff, RowDot rowDot) {
        long stride = DType.Q8_0.byteSize(cols);
        MemorySegment xq = Scratch.get(Scratch.Slot.BATCH_ACTIVATIONS, stride * b);
        for (int v = 0; v < b; v++) {
            dot.quantizeQ8_0(xs, xOff + 4L * v * cols, xq, v * stride, cols);
        }
        executor.reaching(tiles, xq, ys).parallelRanges(rows, 16, (from, to) -> {
            for (int r = from; r < to; r++) {
                for (int v = 0; v < b; v++) {
                    ys.set(LE.FLOAT, yOff + 4L * ((long) v * rows + r), rowDot.row(r, xq, v * stride));
                }
            }
        });
    }

    /** Row r of w times the Q8_0 vector at {@code x0}. */
    static float row(InterleavedQ4_0 w, int r, MemorySegment xq, long x0) {
        MemorySegment t = w.tiles();
        int g = r / InterleavedQ4_0.TILE_ROWS;
        int lane = r % InterleavedQ4_0.TILE_ROWS;
        float acc = 0f;
        for (int blk = 0; blk < w.blocks(); blk++) {
            long tile = w.tile(g, blk);
            long px = x0 + 34L * blk;
            int sum = 0;
            for (int e = 0; e < 32; e++) {
                int packed = t.get(LE.SHORT, tile + 64L * (e / 4) + 2L * lane);
                int q = (packed << (28 - 4 * (e % 4))) >> 28;   // the nibble, sign-extended: q − 8
                sum += q * xq.get(LE.BYTE, px + 2 + e);
            }
            float d = HalfFloats.f16ToFloat(t.get(LE.SHORT, tile + InterleavedQ4_0.SCALES + 2L * lane))
                    * HalfFloats.f16ToFloat(xq.get(LE.SHORT, px));
            acc = Math.fma(d, (float) sum, acc);
        }
        return acc;
    }
}
