package dev.llmj.kernels;

import dev.llmj.tensor.Tensor;
import java.lang.foreign.MemorySegment;

/**
 * Matrix × vector and matrix × matrix products with weights in any decodable dtype.
 *
 * <p>Weights are a {@link Tensor} viewed as a matrix {@code [rows, cols]} (rows over all leading
 * dimensions); activations and outputs are F32, row-major, at byte offsets in plain segments.
 * Work is split across the {@link KernelExecutor} the implementation was built with, when every
 * segment is accessible from its threads: segments of a confined arena keep the work on the caller
 * (use shared, global or automatic arenas, or mapped files, to run in parallel).
 */
public interface MatrixKernels {
    /**
     * y[r] = w[r, :] · x for every row r. For Q8_0 and Q4_0 weights x is first quantized to Q8_0
     * (once per call, into per-thread scratch), as GGUF runtimes do; the K-quants, F16, BF16 and F32
     * use x as F32.
     */
    void gemv(Tensor w, MemorySegment x, long xOff, MemorySegment y, long yOff);

    /**
     * C = A · Wᵀ: A is {@code [m, K]} F32 row-major, W is {@code [N, K]}, C is {@code [m, N]} F32
     * row-major. Quantized weights are dequantized to F32 (activations stay F32).
     */
    void gemm(Tensor w, MemorySegment a, long aOff, int m, MemorySegment c, long cOff);

    /**
     * {@link #gemm} of one A against several weights of the same width: C_i = A · W_iᵀ into
     * {@code cs[i]} from byte 0, each element exactly as {@code gemm(ws[i], a, aOff, m, cs[i], 0)}
     * computes it. Implementations may share work between the weights (pack A once, one parallel
     * job); this default runs them one by one.
     */
    default void gemmGroup(Tensor[] ws, MemorySegment a, long aOff, int m, MemorySegment[] cs) {
        for (int i = 0; i < ws.length; i++) {
            gemm(ws[i], a, aOff, m, cs[i], 0);
        }
    }

    /**
     * {@link #gemmGroup} against interleaved copies (the copies decoding runs on): each element
     * exactly as {@code gemm(ws[i].source(), a, aOff, m, cs[i], 0)} computes it, whether the
     * implementation reads the copies or the sources. This default reads the sources; reading the
     * copies instead lets the sources' pages go once the copies are made.
     */
    default void gemmGroup(InterleavedWeights[] ws, MemorySegment a, long aOff, int m, MemorySegment[] cs) {
        Tensor[] sources = new Tensor[ws.length];
        for (int i = 0; i < ws.length; i++) {
            sources[i] = ws[i].source();
        }
        gemmGroup(sources, a, aOff, m, cs);
    }

    /**
     * Whether {@link #gemmGroup(InterleavedWeights[], MemorySegment, long, int, MemorySegment[])}
     * reads w's copy rather than its source: when it does, nothing this implementation runs needs
     * the source's bytes once the copy is made. This default reads the sources.
     */
    default boolean gemmReadsCopy(InterleavedWeights w) {
        return false;
    }

    /**
     * C = A · Bᵀ in F32: A {@code [m, k]} with row stride {@code lda}, B {@code [n, k]} with row
     * stride {@code ldb}, C {@code [m, n]} with row stride {@code ldc}; strides in elements.
     */
    void sgemm(int m, int n, int k, MemorySegment a, long aOff, int lda, MemorySegment b, long bOff, int ldb,
            MemorySegment c, long cOff, int ldc);
}
