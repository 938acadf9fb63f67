package dev.llmj.kernels.scalar;

import dev.llmj.kernels.DotKernels;
import dev.llmj.kernels.GemvBatchKernels;
import dev.llmj.kernels.KernelExecutor;
import dev.llmj.kernels.Scratch;
import dev.llmj.kernels.WeightMatrix;
import dev.llmj.tensor.DType;
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
