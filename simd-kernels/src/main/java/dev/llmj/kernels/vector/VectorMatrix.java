package dev.llmj.kernels.vector;

import dev.llmj.kernels.DotKernels;
import dev.llmj.kernels.InterleavedWeights;
import dev.llmj.kernels.KernelExecutor;
import dev.llmj.kernels.MatrixKernels;
import dev.llmj.kernels.WeightMatrix;
import dev.llmj.kernels.scalar.ScalarMatrix;
import dev.llmj.tensor.DType;
import dev.llmj.tensor.Tensor;
import java.lang.foreign.MemorySegment;

/**
 * Vector GEMV and GEMM. GEMV gives each weight row its vector dot's result (rows split across
 * threads; the activations quantized to Q8_0 once per call for Q8_0/Q4_0 weights): Q8_0/Q4_0 rows
 * through {@link VectorGemv}, Q4_K/Q6_K rows at 512 bits two at a time through
 * {@link KQuantGemv}, other dtypes one dot per row. GEMM is {@link VectorGemm}.
 */
final class VectorMatrix implements MatrixKernels {
    private final DotKernels dot;
    private final KernelExecutor executor;

    VectorMatrix(DotKernels dot, KernelExecutor executor) {
        this.dot = dot;
        this.executor = executor;
    }

    public void gemv(Tensor w, MemorySegment x, long xOff, MemorySegment y, long yOff) {
        WeightMatrix wm = WeightMatrix.of(w);
        if (wm.dtype() == DType.Q8_0 || wm.dtype() == DType.Q4_0) {
            VectorGemv.quantized(executor, wm, x, xOff, y, yOff);
        } else if ((wm.dtype() == DType.Q4_K || wm.dtype() == DType.Q6_K) && KQuantGemv.PAIRED) {
            KQuantGemv.gemvBatch(executor, wm, x, xOff, 1, y, yOff);
        } else {
            ScalarMatrix.gemvRows(dot, executor, wm, x, xOff, y, yOff);
        }
    }

    public void gemm(Tensor w, MemorySegment a, long aOff, int m, MemorySegment c, long cOff) {
        WeightMatrix wm = WeightMatrix.of(w);
        if (m == 1 && !wm.dtype().isQuantized()) {
            ScalarMatrix.gemvRows(dot, executor, wm, a, aOff, c, cOff);
            return;
        }
        VectorGemm.gemm(executor, m, wm, a, aOff, wm.cols(), c, cOff, wm.rows());
    }

    @Override
    public void gemmGroup(Tensor[] ws, MemorySegment a, long aOff, int m, MemorySegment[] cs) {
        if (m == 1) {
            MatrixKernels.super.gemmGroup(ws, a, aOff, m, cs);
            return;
        }
        WeightMatrix[] wms = new WeightMatrix[ws.length];
        long[] cOffs = new long[ws.length];
        int[] ldcs = new int[ws.length];
        for (int i = 0; i < ws.length; i++) {
            wms[i] = WeightMatrix.of(ws[i]);
            ldcs[i] = wms[i].rows();
        }
        VectorGemm.gemmGroup(executor, m, wms, a, aOff, wms[0].cols(), cs, cOffs, ldcs);
    }

    /** Reads the copies ({@link InterleavedGemm}), with the sources' bits. */
    @Override
    public void gemmGroup(InterleavedWeights[] ws, MemorySegment a, long aOff, int m, MemorySegment[] cs) {
        InterleavedGemm.gemmGroup(executor, m, ws, (i, g, panel, off) -> InterleavedPanels.decode(ws[i], g, panel, off),
                a, aOff, cs, new long[ws.length]);
    }

    @Override
    public boolean gemmReadsCopy(InterleavedWeights w) {
        return true;
    }

    public void sgemm(int m, int n, int k, MemorySegment a, long aOff, int lda, MemorySegment b, long bOff, int ldb,
            MemorySegment c, long cOff, int ldc) {
        WeightMatrix wm = new WeightMatrix(b, bOff, 4L * ldb, n, k, DType.F32);
        if (m == 1) {
            ScalarMatrix.gemvRows(dot, executor, wm, a, aOff, c, cOff);
            return;
        }
        VectorGemm.gemm(executor, m, wm, a, aOff, lda, c, cOff, ldc);
    }
}
