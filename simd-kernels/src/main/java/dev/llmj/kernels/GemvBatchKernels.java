package dev.llmj.kernels;

import dev.llmj.tensor.Tensor;
import java.lang.foreign.MemorySegment;

/**
 * Several matrix × vector products with one weight matrix in one pass over the weights: batched
 * decoding, where b sequences each need {@code w · x} for their next token.
 *
 * <p>Unlike GEMM (which dequantizes weights and keeps activations in F32), {@link #gemvBatch}
 * computes every output vector with the arithmetic of {@link MatrixKernels#gemv}: the same
 * activation quantization (Q8_0 for Q8_0/Q4_0 weights) and per-row accumulation order, except that
 * the vector implementation sums its lanes in one fixed order (gemv's {@code reduceLanes} order is
 * left to the JIT and differs between tiers). The contract that matters for batched decoding:
 * {@code ys[v]} is bit-identical to the same call with {@code xs[v]} alone (b = 1), whatever b is,
 * so a sequence decoded in a batch produces the very tokens it produces alone. (Vector kernels:
 * F32, Q8_0 and Q4_0; other dtypes run gemv per vector, equal up to the JIT's lane-sum order.)
 */
public interface GemvBatchKernels {
    /**
     * ys[v] = w · xs[v] for v in [0, b): {@code xs} holds b F32 vectors of {@code cols} values,
     * row-major from byte {@code xOff}; {@code ys} receives b F32 vectors of {@code rows} values from
     * byte {@code yOff}. Each weight row is streamed from memory once for all b vectors.
     */
    void gemvBatch(Tensor w, MemorySegment xs, long xOff, int b, MemorySegment ys, long yOff);

    /**
     * {@link #gemvBatch} with the activations kept in F32 for Q8_0/Q4_0 weights too: each weight
     * block's integer values are multiplied with x as floats and the block sum scaled by the
     * block's d, so the result is the dequantized weights times x up to float rounding, as GEMM
     * (prefill) computes it; no Q8_0 rounding of x. Other dtypes: exactly {@link #gemvBatch}. Each
     * vector's result is bit-identical to this call with that vector alone (b = 1).
     */
    void gemvBatchF32(Tensor w, MemorySegment xs, long xOff, int b, MemorySegment ys, long yOff);

    /**
     * {@link #gemvBatchF32} of the same b vectors against several weights of the same width, into
     * {@code ys[i]} from byte 0, each result exactly as {@code gemvBatchF32(ws[i], xs, xOff, b,
     * ys[i], 0)} computes it. Implementations may run all the weights' rows as one parallel job
     * (e.g. a layer's q, k and v projections); this default runs them one by one.
     */
    default void gemvBatchF32Group(Tensor[] ws, MemorySegment xs, long xOff, int b, MemorySegment[] ys) {
        for (int i = 0; i < ws.length; i++) {
            gemvBatchF32(ws[i], xs, xOff, b, ys[i], 0);
        }
    }

    /**
     * ys[v] = w · xs[v] for Q4_0 weights re-laid as {@link InterleavedQ4_0}, each vector quantized
     * to Q8_0 as {@link #gemvBatch} quantizes it: every result is {@link DotKernels#dotQ4_0} of the
     * source row and the quantized vector as the scalar kernels compute it (an exact integer sum per
     * block, blocks combined by one fma chain), bit for bit, so a vector's result is the same
     * whatever b. {@code dev.llmj.kernels.scalar.ScalarInterleavedQ4_0} is the specification.
     * Prefill runs its projections on Q4_0 copies through this too (b = the prompt's rows), so a
     * large b is a GEMM: implementations may tile it so, with the same bits.
     */
    void gemvBatch(InterleavedQ4_0 w, MemorySegment xs, long xOff, int b, MemorySegment ys, long yOff);

    /**
     * {@link #gemvBatch(InterleavedQ4_0, MemorySegment, long, int, MemorySegment, long)} of the same
     * vectors against several interleaved weights of one width, into {@code ys[i]} from byte 0, each
     * result exactly what the single call gives. Implementations may run all the weights' rows as
     * one parallel job; this default runs them one by one.
     */
    default void gemvBatchGroup(InterleavedQ4_0[] ws, MemorySegment xs, long xOff, int b, MemorySegment[] ys) {
        for (int i = 0; i < ws.length; i++) {
            gemvBatch(ws[i], xs, xOff, b, ys[i], 0);
        }
    }

    /**
     * ys[v] = w · xs[v] for Q8_0 weights re-laid as {@link InterleavedQ8_0}, each vector quantized
     * to Q8_0 as {@link #gemvBatch} quantizes it: every result is {@link DotKernels#dotQ8_0} of the
     * source row and the quantized vector as the scalar kernels compute it, bit for bit, whatever b.
     * {@code dev.llmj.kernels.scalar.ScalarInterleavedQ8_0} is the specification.
     */
    void gemvBatch(InterleavedQ8_0 w, MemorySegment xs, long xOff, int b, MemorySegment ys, long yOff);

    /**
     * {@link #gemvBatch(InterleavedQ8_0, MemorySegment, long, int, MemorySegment, long)} of the same
     * vectors against several interleaved weights of one width, into {@code ys[i]} from byte 0, each
     * result exactly what the single call gives. This default runs them one by one.
     */
    default void gemvBatchGroup(InterleavedQ8_0[] ws, MemorySegment xs, long xOff, int b, MemorySegment[] ys) {
        for (int i = 0; i < ws.length; i++) {
            gemvBatch(ws[i], xs, xOff, b, ys[i], 0);
        }
    }

    /**
     * The K-quant GEMVs ({@link #gemvBatch(InterleavedQ4_K, MemorySegment, long, int, MemorySegment,
     * long)}, {@link #gemvBatch(InterleavedQ6_K, MemorySegment, long, int, MemorySegment, long)}) of
     * the same vectors against several weights of one width, Q4_K and Q6_K in any mix, into
     * {@code ys[i]} from byte 0, each result exactly what the single call gives. Implementations
     * may run all the weights' rows as one parallel job; this default runs them one by one.
     *
     * @throws IllegalArgumentException when a weight is not a Q4_K or Q6_K copy
     */
    default void gemvBatchKQuantGroup(InterleavedWeights[] ws, MemorySegment xs, long xOff, int b, MemorySegment[] ys) {
        for (int i = 0; i < ws.length; i++) {
            switch (ws[i]) {
                case InterleavedQ4_K w -> gemvBatch(w, xs, xOff, b, ys[i], 0);
                case InterleavedQ6_K w -> gemvBatch(w, xs, xOff, b, ys[i], 0);
                default -> throw new IllegalArgumentException("ws[" + i + "] is not a K-quant copy: " + ws[i]);
            }
        }
    }

    /**
     * ys[v] = w · xs[v] for Q6_K weights re-laid as {@link InterleavedQ6_K}, each vector quantized
     * to Q8_0: Q6_K values times Q8_0 activations with exact integer sums per 32-column block
     * (each of its two sub-block sums times its scale), blocks combined by one fma chain with the
     * super-scale times the activation scale. Bit for bit what
     * {@code dev.llmj.kernels.scalar.ScalarInterleavedQ6_K} (the specification) computes, whatever b.
     */
    void gemvBatch(InterleavedQ6_K w, MemorySegment xs, long xOff, int b, MemorySegment ys, long yOff);

    /**
     * ys[v] = w · xs[v] for Q4_K weights re-laid as {@link InterleavedQ4_K}, each vector quantized
     * to Q8_0: per 32-column sub-block d·sc·Σq·x and dmin·m·Σx from exact integer sums, combined
     * by one fma chain. Bit for bit what {@code dev.llmj.kernels.scalar.ScalarInterleavedQ4_K}
     * (the specification) computes, whatever b.
     */
    void gemvBatch(InterleavedQ4_K w, MemorySegment xs, long xOff, int b, MemorySegment ys, long yOff);
}
