package dev.llmj.kernels;

import java.lang.foreign.MemorySegment;

/**
 * Normalisation, softmax and element-wise kernels on F32 vectors.
 *
 * <p>In-place use ({@code out} the same memory as an input) is allowed wherever the output and the
 * input start at the same offset.
 */
public interface ActivationKernels {
    /** out[i] = x[i] · w[i] / sqrt(mean(x²) + eps). */
    void rmsnorm(MemorySegment out, long outOff, MemorySegment x, long xOff, MemorySegment w, long wOff, int n, float eps);

    /**
     * Numerically stable softmax in place: x[i] ← exp(x[i]/T + mask[i] − max) / Σ.
     *
     * <p>{@code mask} may be null (no mask); its entries are 0 or −∞. An entry of −∞ (in x or
     * the mask) gives exactly 0. Any NaN in the input makes every output NaN, and so does a row
     * where every entry is −∞ (no distribution exists). {@code temperature} must be positive.
     */
    void softmax(MemorySegment x, long off, int n, float temperature, MemorySegment mask, long maskOff);

    /** x[i] ← x[i] − max − log Σ exp(x[j] − max), in place; same NaN and −∞ rules as softmax. */
    void logSoftmax(MemorySegment x, long off, int n);

    /** out[i] = x[i] / (1 + exp(−x[i])). */
    void silu(MemorySegment out, long outOff, MemorySegment x, long xOff, int n);

    /** out[i] = silu(gate[i]) · up[i]. */
    void swiglu(MemorySegment out, long outOff, MemorySegment gate, long gateOff, MemorySegment up, long upOff, int n);

    /** out[i] = a[i] + b[i]. */
    void add(MemorySegment out, long outOff, MemorySegment a, long aOff, MemorySegment b, long bOff, int n);

    /** out[i] = a[i] · b[i]. */
    void mul(MemorySegment out, long outOff, MemorySegment a, long aOff, MemorySegment b, long bOff, int n);

    /** out[i] = s · x[i]. */
    void scale(MemorySegment out, long outOff, MemorySegment x, long xOff, float s, int n);

    /**
     * Index of the largest value, the first one on ties; NaNs are skipped. −1 when n = 0 or every
     * value is NaN.
     */
    int argmax(MemorySegment x, long off, int n);

    /**
     * Indices of the {@code k} largest values (k ≤ n), largest first, lower index first on ties;
     * NaNs are never selected (fewer than k results when fewer than k values are not NaN).
     * Returns how many indices were written to {@code out}.
     */
    int topK(MemorySegment x, long off, int n, int k, int[] out);
}
