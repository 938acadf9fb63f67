package dev.llmj.rope.attention;

import dev.llmj.rope.PairLayout;
import java.lang.foreign.MemorySegment;

/** The three inner kernels of attention; {@link VectorAttentionKernels} and its scalar twin {@link ScalarAttentionKernels}. */
interface AttentionKernels {

    /** Rotates {@code d} rotary dims of the head at {@code off} in place (see {@code dev.llmj.rope.Rotary}). */
    void rotate(MemorySegment x, long off, float[] cos, float[] sin, int tableOffset, int d, PairLayout layout);

    /** Σ a[i]·b[i] over n F32 elements. */
    float dot(MemorySegment a, long aOff, MemorySegment b, long bOff, int n);

    /** y[i] += alpha·x[i] over n F32 elements. */
    void axpy(float alpha, MemorySegment x, long xOff, MemorySegment y, long yOff, int n);
}
