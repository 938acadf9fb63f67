package dev.llmj.kernels.scalar;

import dev.llmj.kernels.DotKernels;
import dev.llmj.kernels.GemvBatchKernels;
import dev.llmj.kernels.KernelExecutor;
import dev.llmj.kernels.Scratch;
import dev.llmj.kernels.WeightMatrix;
import dev.llmj.tensor.DType;
import dev.llmj.tensor.HalfFloats;
import dev.llmj.tensor.LE;
import dev.llmj.tensor.Tensor;
import java.lang.foreign.MemorySegment;

/**
 * Scalar twin of the vector batched GEMV, and its specification: every vector is quantized as
 * {@link ScalarMatrix#gemvRows} quantizes it, then for each weight row (rows split across the
 * executor) the same {@link DotKernels} call as single-vector GEMV runs once per vector while the
 * row is still in cache. Identical calls on identical operands: bit-identical to b GEMVs.
 */
public final class ScalarGemvBatch implements GemvBatchKernels {
    private final DotKernels dot;
    private final KernelExecutor executor;

    public ScalarGemvBatch(DotKernels dot, KernelExecutor executor) {
        this.dot = dot;
        this.executor = executor;
    }

    /**
     * Q8_0/Q4_0 with F32 activations: per block s = Σ q_w·x (one fma chain), acc = fma(s, d_w, acc).
     * <pre>
     *   Q8_0 block: [d: f16][q0 .. q31: int8]                       w_j = d·q_j
     *   Q4_0 block: [d: f16][16 bytes: low nibble = j, high = j+16]  w_j = d·(nibble − 8)
     * </pre>
     */
    @Override
    public void gemvBatchF32(Tensor w, MemorySegment xs, long xOff, int b, MemorySegment ys, long yOff) {
        WeightMatrix wm = WeightMatrix.of(w);
        DType t = wm.dtype();
        if (t != DType.Q8_0 && t != DType.Q4_0) {
            gemvBatch(w, xs, xOff, b, ys, yOff);
            return;
        }
        int cols = wm.cols();
        int rows = wm.rows();
        boolean q4 = t == DType.Q4_0;
        MemorySegment base = wm.base();
        executor.reaching(base, xs, ys).parallelRanges(rows, 16, (from, to) -> {
            for (int r = from; r < to; r++) {
                long row = wm.row(r);
                for (int v = 0; v < b; v++) {
                    long xv = xOff + 4L * v * cols;
                    float y = q4 ? rowQ4_0(base, row, xs, xv, cols) : rowQ8_0(base, row, xs, xv, cols);
                    ys.set(LE.FLOAT, yOff + 4L * ((long) v * rows + r), y);
                }
            }
        });
    }

    private static float rowQ8_0(MemorySegment w, long row, MemorySegment x, long xOff, int cols) {
        float acc = 0f;
        for (int blk = 0; blk < cols / 32; blk++) {
            long p = row + 34L * blk;
            float s = 0f;
            for (int j = 0; j < 32; j++) {
                s = Math.fma(w.get(LE.BYTE, p + 2 + j), x.get(LE.FLOAT, xOff + 4L * (32 * blk + j)), s);
            }
            acc = Math.fma(s, HalfFloats.f16ToFloat(w.get(LE.SHORT, p)), acc);
        }
        return acc;
    }

    private static float rowQ4_0(MemorySegment w, long row, MemorySegment x, long xOff, int cols) {
        float acc = 0f;
        for (int blk = 0; blk < cols / 32; blk++) {
            long p = row + 18L * blk;
            float s = 0f;
            for (int j = 0; j < 16; j++) {
                int packed = w.get(LE.BYTE, p + 2 + j) & 0xFF;
                s = Math.fma((packed & 15) - 8, x.get(LE.FLOAT, xOff + 4L * (32 * blk + j)), s);
                s = Math.fma((packed >>> 4) - 8, x.get(LE.FLOAT, xOff + 4L * (32 * blk + 16 + j)), s);
            }
            acc = Math.fma(s, HalfFloats.f16ToFloat(w.get(LE.SHORT, p)), acc);
        }
        return acc;
    }

    @Override
    public void gemvBatch(Tensor w, MemorySegment xs, long xOff, int b, MemorySegment ys, long yOff) {
        WeightMatrix wm = WeightMatrix.of(w);
        int cols = wm.cols();
        int rows = wm.rows();
        DType t = wm.dtype();
        MemorySegment x = xs;
        long x0 = xOff;
        long xStride = 4L * cols;
        if (t == DType.Q8_0 || t == DType.Q4_0) {
            xStride = DType.Q8_0.byteSize(cols);
            x = Scratch.get(Scratch.Slot.BATCH_ACTIVATIONS, xStride * b);
            x0 = 0;
            for (int v = 0; v < b; v++) {
                dot.quantizeQ8_0(xs, xOff + 4L * v * cols, x, v * xStride, cols);
            }
        }
        MemorySegment xq = x;
        long xq0 = x0;
        long xqStride = xStride;
        MemorySegment base = wm.base();
        executor.reaching(base, xq, ys).parallelRanges(rows, 16, (from, to) -> {
            for (int r = from; r < to; r++) {
                long row = wm.row(r);
                for (int v = 0; v < b; v++) {
                    long xv = xq0 + v * xqStride;
                    float y = switch (t) {
                        case F32 -> dot.dot(base, row, xq, xv, cols);
                        case F16 -> dot.dotF16(base, row, xq, xv, cols);
                        case BF16 -> dot.dotBf16(base, row, xq, xv, cols);
                        case Q8_0 -> dot.dotQ8_0(base, row, xq, xv, cols);
                        case Q4_0 -> dot.dotQ4_0(base, row, xq, xv, cols);
                        case Q4_K -> dot.dotQ4_K(base, row, xq, xv, cols);
                        case Q6_K -> dot.dotQ6_K(base, row, xq, xv, cols);
                        default -> throw new UnsupportedOperationException("gemvBatch on " + t);
                    };
                    ys.set(LE.FLOAT, yOff + 4L * ((long) v * rows + r), y);
                }
            }
        });
    }
}
