package dev.llmj.rope.attention;

import dev.llmj.rope.PairLayout;
import java.lang.foreign.MemorySegment;

/**
 * The inner kernels of attention; {@link VectorAttentionKernels} and its scalar twin
 * {@link ScalarAttentionKernels}. The batched kernels ({@link #scores}, {@link #weightedSum}) must
 * give, for each (query, key) and (query, output lane), exactly the bits of their one-at-a-time
 * forms ({@link #dot}, {@link #axpy}): that is what keeps prefill and decode bit-identical.
 */
interface AttentionKernels {

    /** Rotates {@code d} rotary dims of the head at {@code off} in place (see {@code dev.llmj.rope.Rotary}). */
    void rotate(MemorySegment x, long off, float[] cos, float[] sin, int tableOffset, int d, PairLayout layout);

    /** Σ a[i]·b[i] over n F32 elements. */
    float dot(MemorySegment a, long aOff, MemorySegment b, long bOff, int n);

    /** y[i] += alpha·x[i] over n F32 elements. */
    void axpy(float alpha, MemorySegment x, long xOff, MemorySegment y, long yOff, int n);

    /** y[i] = alpha·x[i] over n F32 elements (one float multiply each). */
    void scaleTo(float alpha, MemorySegment x, long xOff, MemorySegment y, long yOff, int n);

    /**
     * out[outOff + j] = dot(q at qOff, key row j) · scale for j in 0..count−1, key row j at
     * {@code kOff + j·kStride} bytes of {@code keys}; each value bit-identical to {@link #dot}
     * followed by the float multiply.
     */
    void scores(MemorySegment q, long qOff, MemorySegment keys, long kOff, long kStride, int count, int n,
                float scale, float[] out, int outOff);

    /**
     * Softmax numerators: s[i] = exp(s[i] − max) for i in from..to−1 (max the largest of them,
     * exponents ≤ 0), exp being {@code ExpF.exp} (within 2 ulp); returns their sum in double as
     * {@link SoftmaxSum#of} adds it (eight interleaved partials: the same bits at any vector width).
     * Double keeps the normaliser exact to ~1e-16 for any n. Bit-identical in both twins.
     */
    double softmaxNumerators(float[] s, int from, int to);

    /**
     * For each query t in 0..queries−1 and each j in 0..count−1 in ascending order:
     * acc_t += w[wOff + t·wStride + j] · value row j, where acc_t starts at {@code accOff + t·accStride}
     * bytes of {@code acc} and value row j at {@code vOff + j·vStride} bytes of {@code values}: per
     * query bit-identical to {@code count} calls of {@link #axpy} in that order.
     */
    void weightedSum(float[] w, int wOff, int wStride, int queries, MemorySegment values, long vOff, long vStride,
                     int count, MemorySegment acc, long accOff, long accStride, int n);

    /**
     * {@link #scores} with key rows of finite binary16 values (an F16 cache's): bit for bit
     * {@link #scores} on the rows widened to F32.
     */
    void scoresHalf(MemorySegment q, long qOff, MemorySegment keys, long kOff, long kStride, int count, int n,
                    float scale, float[] out, int outOff);

    /**
     * {@link #weightedSum} with value rows of finite binary16 values: bit for bit
     * {@link #weightedSum} on the rows widened to F32.
     */
    void weightedSumHalf(float[] w, int wOff, int wStride, int queries, MemorySegment values, long vOff, long vStride,
                         int count, MemorySegment acc, long accOff, long accStride, int n);

    /**
     * {@link #scores} with Q8_0 key rows (a Q8_0 cache's, see {@link KvCache#scales}): the int8
     * element at byte e of {@code keys} stands for {@code fl(d·q)}, d the float at byte 4·⌊e/32⌋ of
     * {@code scales}; bit for bit {@link #scores} on the rows so widened. kOff, kStride and n are
     * multiples of 32.
     */
    void scoresQ8(MemorySegment q, long qOff, MemorySegment keys, long kOff, long kStride, MemorySegment scales,
                  int count, int n, float scale, float[] out, int outOff);

    /**
     * {@link #weightedSum} with Q8_0 value rows, widened as in {@link #scoresQ8}: bit for bit
     * {@link #weightedSum} on the widened rows. vOff, vStride and n are multiples of 32.
     */
    void weightedSumQ8(float[] w, int wOff, int wStride, int queries, MemorySegment values, long vOff, long vStride,
                       MemorySegment scales, int count, MemorySegment acc, long accOff, long accStride, int n);
}
