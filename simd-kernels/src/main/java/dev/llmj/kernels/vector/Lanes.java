package dev.llmj.kernels.vector;

import static dev.llmj.kernels.VectorWidths.F;
import static dev.llmj.kernels.VectorWidths.F_LANES;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;

/**
 * Horizontal sums in one fixed order. {@code reduceLanes(ADD)} leaves the order of the additions
 * to the implementation, and compiled and interpreted code do differ in the last bit, so a
 * kernel's result would depend on whether the JIT had compiled it yet (and a batched kernel would
 * disagree with its one-vector twin). Folding by rotations of L/2, L/4, …, 1 lanes fixes the
 * tree: the same input gives the same bits, always.
 */
public final class Lanes {
    private Lanes() {}

    /*
     * One constant shuffle per step (L ≤ 16 floats), so C2 sees each as a constant. Kernels of
     * this package may write the tree out inline, as plain Vector API calls, instead of spilling
     * to an array for sum(float[], int):
     *   if (L >= 16) acc = acc.add(acc.rearrange(FOLD8));   if (L >= 8) acc = acc.add(acc.rearrange(FOLD4));
     *   acc = acc.add(acc.rearrange(FOLD2));   acc = acc.add(acc.rearrange(FOLD1));   sum = acc.lane(0);
     * Same shuffles, same additions, so the same bits.
     */
    static final VectorShuffle<Float> FOLD8 = fold(8);
    static final VectorShuffle<Float> FOLD4 = fold(4);
    static final VectorShuffle<Float> FOLD2 = fold(2);
    static final VectorShuffle<Float> FOLD1 = fold(1);

    /** Lane i takes lane (i + shift) mod L; null when the species has no more than shift lanes. */
    private static VectorShuffle<Float> fold(int shift) {
        return F_LANES > shift ? VectorShuffle.fromOp(F, lane -> (lane + shift) % F_LANES) : null;
    }

    /**
     * Σ of the L floats at {@code a[off..off+L)} in the fixed tree order (lane i plus lane i + L/2,
     * then i + L/4, …, then lanes 0 and 1), in one method with no call of ours inside: a kernel
     * spills its accumulator with {@code intoArray} (force-inlined) and calls this, so no vector
     * crosses a call whether or not C2 inlines it. A vector argument is boxed wherever C2 does not
     * inline the call (measured at 11 MB per batched GEMV and 12 MB per Q4_0 decode step), which
     * is why there is no {@code sum(FloatVector)}.
     */
    public static float sum(float[] a, int off) {
        FloatVector v = FloatVector.fromArray(F, a, off);
        if (F_LANES >= 16) {
            v = v.add(v.rearrange(FOLD8));
        }
        if (F_LANES >= 8) {
            v = v.add(v.rearrange(FOLD4));
        }
        v = v.add(v.rearrange(FOLD2));
        v = v.add(v.rearrange(FOLD1));
        return v.lane(0);
    }

    /**
     * {@code sum(buf, 0)} into buf[0] and {@code sum(buf, L)} into buf[1]: the two accumulators a
     * two-row kernel spilled to buf[0 .. 2L).
     */
    public static void sumPair(float[] buf) {
        float first = sum(buf, 0);
        buf[1] = sum(buf, F_LANES);
        buf[0] = first;
    }

    // ---- sixteen sums at once, same tree -------------------------------------------------------

    /*
     * Sixteen vectors are summed together by merging pairs of vectors level by level: at level s a
     * vector holds 2^s partial sums in groups of g = L >> s lanes, and merging X with Y gives
     *   out[o] = S[j·g + t] + S[j·g + t + g/2]     S = X for o < L/2, Y above; o' = o mod L/2,
     *                                             j = o' / (g/2), t = o' mod (g/2)
     * which is exactly the step "lane t plus lane t + g/2" that sum() performs with a rotation
     * (same operands, same order), so every one of the sixteen results has sum()'s bits; 15
     * merges of two permutes and an add replace 16 × log2(L) shuffles and adds.
     */
    private static final int LEVELS = Integer.numberOfTrailingZeros(F_LANES);
    // index vectors of the two permutes of a merge at level s (null where L has fewer levels);
    // static finals, not an array, so that C2 sees constants
    private static final FloatVector LOW0 = mergeIndex(0, false), HIGH0 = mergeIndex(0, true);
    private static final FloatVector LOW1 = mergeIndex(1, false), HIGH1 = mergeIndex(1, true);
    private static final FloatVector LOW2 = mergeIndex(2, false), HIGH2 = mergeIndex(2, true);
    private static final FloatVector LOW3 = mergeIndex(3, false), HIGH3 = mergeIndex(3, true);

    private static FloatVector mergeIndex(int level, boolean high) {
        if (level >= LEVELS) {
            return null;
        }
        int half = (F_LANES >> level) / 2;
        float[] lanes = new float[F_LANES];
        for (int o = 0; o < F_LANES; o++) {
            int src = o < F_LANES / 2 ? 0 : F_LANES;
            int local = o % (F_LANES / 2);
            lanes[o] = src + (local / half) * 2 * half + local % half + (high ? half : 0);
        }
        return FloatVector.fromArray(F, lanes, 0);
    }

    /**
     * {@code out[p] = sum(acc[p·L .. p·L + L))} for p &lt; 16, bit for bit, for kernels that spill
     * sixteen accumulators (a 4 × 4 register tile) instead of reducing them one by one.
     * {@code out} may be {@code acc}: every load happens before the first store. Written without
     * helper methods: only the Vector API's own (force-inlined) calls, so no C2 inlining decision
     * can leave a vector boxed.
     */
    public static void sum16(float[] acc, float[] out) {
        FloatVector v0 = FloatVector.fromArray(F, acc, 0);
        FloatVector v1 = FloatVector.fromArray(F, acc, F_LANES);
        FloatVector s0 = LOW0.selectFrom(v0, v1).add(HIGH0.selectFrom(v0, v1));
        v0 = FloatVector.fromArray(F, acc, 2 * F_LANES);
        v1 = FloatVector.fromArray(F, acc, 3 * F_LANES);
        FloatVector s1 = LOW0.selectFrom(v0, v1).add(HIGH0.selectFrom(v0, v1));
        v0 = FloatVector.fromArray(F, acc, 4 * F_LANES);
        v1 = FloatVector.fromArray(F, acc, 5 * F_LANES);
        FloatVector s2 = LOW0.selectFrom(v0, v1).add(HIGH0.selectFrom(v0, v1));
        v0 = FloatVector.fromArray(F, acc, 6 * F_LANES);
        v1 = FloatVector.fromArray(F, acc, 7 * F_LANES);
        FloatVector s3 = LOW0.selectFrom(v0, v1).add(HIGH0.selectFrom(v0, v1));
        v0 = FloatVector.fromArray(F, acc, 8 * F_LANES);
        v1 = FloatVector.fromArray(F, acc, 9 * F_LANES);
        FloatVector s4 = LOW0.selectFrom(v0, v1).add(HIGH0.selectFrom(v0, v1));
        v0 = FloatVector.fromArray(F, acc, 10 * F_LANES);
        v1 = FloatVector.fromArray(F, acc, 11 * F_LANES);
        FloatVector s5 = LOW0.selectFrom(v0, v1).add(HIGH0.selectFrom(v0, v1));
        v0 = FloatVector.fromArray(F, acc, 12 * F_LANES);
        v1 = FloatVector.fromArray(F, acc, 13 * F_LANES);
        FloatVector s6 = LOW0.selectFrom(v0, v1).add(HIGH0.selectFrom(v0, v1));
        v0 = FloatVector.fromArray(F, acc, 14 * F_LANES);
        v1 = FloatVector.fromArray(F, acc, 15 * F_LANES);
        FloatVector s7 = LOW0.selectFrom(v0, v1).add(HIGH0.selectFrom(v0, v1));
        FloatVector t0 = LOW1.selectFrom(s0, s1).add(HIGH1.selectFrom(s0, s1));
        FloatVector t1 = LOW1.selectFrom(s2, s3).add(HIGH1.selectFrom(s2, s3));
        FloatVector t2 = LOW1.selectFrom(s4, s5).add(HIGH1.selectFrom(s4, s5));
        FloatVector t3 = LOW1.selectFrom(s6, s7).add(HIGH1.selectFrom(s6, s7));
        if (LEVELS == 2) {
            t0.intoArray(out, 0);
            t1.intoArray(out, 4);
            t2.intoArray(out, 8);
            t3.intoArray(out, 12);
            return;
        }
        FloatVector u0 = LOW2.selectFrom(t0, t1).add(HIGH2.selectFrom(t0, t1));
        FloatVector u1 = LOW2.selectFrom(t2, t3).add(HIGH2.selectFrom(t2, t3));
        if (LEVELS == 3) {
            u0.intoArray(out, 0);
            u1.intoArray(out, 8);
            return;
        }
        LOW3.selectFrom(u0, u1).add(HIGH3.selectFrom(u0, u1)).intoArray(out, 0);
    }
}
