package dev.llmj.kernels;

import java.lang.foreign.MemorySegment;

/**
 * Dot products and the similarity trio over off-heap vectors.
 *
 * <p>Offsets are in bytes and may be unaligned; lengths are in elements. Quantized operands are
 * whole GGML blocks ({@code n} a multiple of the block size: 32 for Q8_0/Q4_0, 256 for
 * Q4_K/Q6_K). Implementations trust their caller: {@link Kernels} validates, kernels only assert.
 */
public interface DotKernels {
    /** Σ a[i]·b[i], both F32. */
    float dot(MemorySegment a, long aOff, MemorySegment b, long bOff, int n);

    /** Σ a[i]·b[i] with {@code a} in IEEE binary16, {@code b} F32. */
    float dotF16(MemorySegment a, long aOff, MemorySegment b, long bOff, int n);

    /** Σ a[i]·b[i] with {@code a} in bfloat16, {@code b} F32. */
    float dotBf16(MemorySegment a, long aOff, MemorySegment b, long bOff, int n);

    /** Σ over blocks of d_a·d_b·Σ qa·qb, both operands Q8_0. */
    float dotQ8_0(MemorySegment a, long aOff, MemorySegment b, long bOff, int n);

    /** Q4_0 weights · Q8_0 activations. */
    float dotQ4_0(MemorySegment w, long wOff, MemorySegment x, long xOff, int n);

    /** Q4_K weights · F32 activations (the K-quants keep activations in F32). */
    float dotQ4_K(MemorySegment w, long wOff, MemorySegment x, long xOff, int n);

    /** Q6_K weights · F32 activations. */
    float dotQ6_K(MemorySegment w, long wOff, MemorySegment x, long xOff, int n);

    /** a·b / (|a|·|b|), F32; 0 when either vector has norm 0. */
    float cosine(MemorySegment a, long aOff, MemorySegment b, long bOff, int n);

    /** sqrt(Σ (a[i] − b[i])²), F32. */
    float euclidean(MemorySegment a, long aOff, MemorySegment b, long bOff, int n);

    /**
     * Quantizes {@code n} F32 values to Q8_0 blocks with exactly the rounding of
     * {@link dev.llmj.tensor.quant.Q8_0Codec#quantize}: d = max|x|/127, q = roundf(x·(1/d)).
     */
    void quantizeQ8_0(MemorySegment src, long srcOff, MemorySegment dst, long dstOff, int n);
}
