package dev.llmj.kernels;

import dev.llmj.tensor.Tensor;
import java.lang.foreign.MemorySegment;

/**
 * Several matrix × vector products with one weight matrix in one pass over the weights: batched
 * decoding, where b sequences each need {@code w · x} for their next token.
 *
 * <p>Unlike GEMM (which dequantizes weights and keeps activations in F32), every output vector is
 * computed with exactly the arithmetic of {@link MatrixKernels#gemv} of the same implementation:
 * the same activation quantization (Q8_0 for Q8_0/Q4_0 weights), the same per-row accumulation
 * order and lane reduction. So {@code ys[v]} equals {@code gemv(w, xs[v])} bit for bit, and a
 * sequence decoded in a batch produces the very tokens it produces alone.
 */
public interface GemvBatchKernels {
    /**
     * ys[v] = w · xs[v] for v in [0, b): {@code xs} holds b F32 vectors of {@code cols} values,
     * row-major from byte {@code xOff}; {@code ys} receives b F32 vectors of {@code rows} values from
     * byte {@code yOff}. Each weight row is streamed from memory once for all b vectors.
     */
    void gemvBatch(Tensor w, MemorySegment xs, long xOff, int b, MemorySegment ys, long yOff);
}
