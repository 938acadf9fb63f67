package dev.llmj.kernels.scalar;

import dev.llmj.kernels.DotKernels;
import dev.llmj.kernels.KernelExecutor;
import dev.llmj.kernels.MatrixKernels;
import dev.llmj.kernels.Scratch;
import dev.llmj.kernels.WeightMatrix;
import dev.llmj.tensor.DType;
import dev.llmj.tensor.LE;
import dev.llmj.tensor.Tensor;
import dev.llmj.tensor.quant.BlockCodec;
import dev.llmj.tensor.quant.Codecs;
import java.lang.foreign.MemorySegment;

/**
 * Reference GEMV/GEMM: every output is one sequential fused-multiply-add chain over k, rows split
 * across the executor. The vector GEMM accumulates each output in one lane in the same order, so
 * for F32 weights the two agree bit for bit.
 */
public final class ScalarMatrix implements MatrixKernels {
    private final DotKernels dot;
    private final KernelExecutor executor;

    public ScalarMatrix(DotKernels dot, KernelExecutor executor) {
        this.dot = dot;
        this.executor = executor;
    }

    public void gemv(Tensor w, MemorySegment x, long xOff, MemorySegment y, long yOff) {
        WeightMatrix wm = WeightMatrix.of(w);
        gemvRows(dot, executor, wm, x, xOff, y, yOff);
    }

    /**
     * The row loop shared with the vector twin: quantizes x to Q8_0 when the dtype wants it, then
     * one dot per row from {@code dot}.
     */
    public static void gemvRows(DotKernels dot, KernelExecutor executor, WeightMatrix wm, MemorySegment x, long xOff,
            MemorySegment y, long yOff) {
        int cols = wm.cols();
        MemorySegment xs = x;
        long xsOff = xOff;
        if (wm.dtype() == DType.Q8_0 || wm.dtype() == DType.Q4_0) {
            xs = Scratch.get(Scratch.Slot.ACTIVATIONS_Q8, DType.Q8_0.byteSize(cols));
            xsOff = 0;
            dot.quantizeQ8_0(x, xOff, xs, 0, cols);
        }
        MemorySegment xq = xs;
        long xqOff = xsOff;
        MemorySegment base = wm.base();
        executor.reaching(base, xq, y).parallelRanges(wm.rows(), 16, (from, to) -> {
            for (int r = from; r < to; r++) {
                long row = wm.row(r);
                float v = switch (wm.dtype()) {
                    case F32 -> dot.dot(base, row, xq, xqOff, cols);
                    case F16 -> dot.dotF16(base, row, xq, xqOff, cols);
                    case BF16 -> dot.dotBf16(base, row, xq, xqOff, cols);
                    case Q8_0 -> dot.dotQ8_0(base, row, xq, xqOff, cols);
                    case Q4_0 -> dot.dotQ4_0(base, row, xq, xqOff, cols);
                    case Q4_K -> dot.dotQ4_K(base, row, xq, xqOff, cols);
                    case Q6_K -> dot.dotQ6_K(base, row, xq, xqOff, cols);
                    default -> throw new UnsupportedOperationException("gemv on " + wm.dtype());
                };
                y.set(LE.FLOAT, yOff + 4L * r, v);
            }
        });
    }

    public void gemm(Tensor w, MemorySegment a, long aOff, int m, MemorySegment c, long cOff) {
        WeightMatrix wm = WeightMatrix.of(w);
        int n = wm.rows();
        int k = wm.cols();
        BlockCodec codec = Codecs.forType(wm.dtype());
        executor.reaching(wm.base(), a, c).parallelRanges(n, 4, (from, to) -> {
            float[] row = new float[k];
            for (int j = from; j < to; j++) {
                codec.dequantize(wm.base(), wm.row(j), row, 0, k);
                for (int i = 0; i < m; i++) {
                    float acc = 0f;
                    long ai = aOff + 4L * i * k;
                    for (int p = 0; p < k; p++) {
                        acc = Math.fma(a.get(LE.FLOAT, ai + 4L * p), row[p], acc);
                    }
                    c.set(LE.FLOAT, cOff + 4L * ((long) i * n + j), acc);
                }
            }
        });
    }

    public void sgemm(int m, int n, int k, MemorySegment a, long aOff, int lda, MemorySegment b, long bOff, int ldb,
            MemorySegment c, long cOff, int ldc) {
        executor.reaching(a, b, c).parallelRanges(n, 4, (from, to) -> {
            for (int j = from; j < to; j++) {
                for (int i = 0; i < m; i++) {
                    float v = dot.dot(a, aOff + 4L * i * lda, b, bOff + 4L * j * ldb, k);
                    c.set(LE.FLOAT, cOff + 4L * ((long) i * ldc + j), v);
                }
            }
        });
    }
}
