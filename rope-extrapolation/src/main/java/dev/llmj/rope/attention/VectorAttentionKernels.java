package dev.llmj.rope.attention;

import dev.llmj.kernels.VectorWidths;
import dev.llmj.kernels.vector.Lanes;
import dev.llmj.rope.PairLayout;
import dev.llmj.rope.Rotary;
import dev.llmj.tensor.LE;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector kernels of attention (lanes of {@link VectorWidths#F}, fma accumulation, scalar tails).
 *
 * <p>{@link #scores} computes L keys' dot products (L = lanes) and reduces them together: a dot
 * ends in {@link Lanes#sum}, a tree that adds lanes i and i+L/2, then i and i+L/4, …, then 0 and 1.
 * Doing that tree for one key at a time costs log₂L shuffles, adds and a lane extract per key.
 * Instead L keys' partial vectors are folded into one vector whose lanes are the L sums: each
 * fold step merges two vectors, adding exactly the same pair of partials per key as
 * {@link Lanes#sum} does (only the lane they sit in differs), so every score is bit-identical to
 * {@link #dot}. For L = 4 (keys a..d, lane i of key a written a_i):
 * <pre>
 * step 1 (shift 2):  [a0 a1 a2 a3] [b0 b1 b2 b3] → [a0+a2  a1+a3  b2+b0  b3+b1]   (key a | key b)
 *                    [c0 c1 c2 c3] [d0 d1 d2 d3] → [c0+c2  c1+c3  d2+d0  d3+d1]   (key c | key d)
 * step 2 (shift 1):  → [a(0+2)+a(1+3)  c(1+3)+c(0+2)  b(..)+b(..)  d(..)+d(..)]  = keys a c b d
 * </pre>
 * A step of shift s takes lanes with bit s clear from the first vector and set from the second,
 * and adds the partner lane (lane index xor s); the keys end in bit-reversed lane order, undone by
 * one final shuffle.
 */
final class VectorAttentionKernels implements AttentionKernels {
    static final VectorAttentionKernels INSTANCE = new VectorAttentionKernels();

    private static final VectorSpecies<Float> F = VectorWidths.F;
    private static final int LANES = F.length();
    private static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;

    // Fold step k (k = 1..log₂L) has shift L >> k; null when the species has fewer levels.
    static final VectorMask<Float> MASK1 = upper(LANES / 2), MASK2 = upper(LANES / 4),
            MASK3 = upper(LANES / 8), MASK4 = upper(LANES / 16);
    static final VectorShuffle<Float> SWAP1 = partner(LANES / 2), SWAP2 = partner(LANES / 4),
            SWAP3 = partner(LANES / 8), SWAP4 = partner(LANES / 16);
    static final VectorShuffle<Float> BIT_REVERSE = VectorShuffle.fromOp(F, VectorAttentionKernels::bitReverse);
    /** Queries per register tile of {@link #weightedSum}. */
    private static final int QUERY_TILE = 4;

    private static VectorMask<Float> upper(int shift) {
        return shift < 1 ? null : VectorMask.fromLong(F, maskBits(shift));
    }

    private static long maskBits(int shift) {
        long bits = 0;
        for (int lane = 0; lane < LANES; lane++) {
            if ((lane & shift) != 0) bits |= 1L << lane;
        }
        return bits;
    }

    private static VectorShuffle<Float> partner(int shift) {
        return shift < 1 ? null : VectorShuffle.fromOp(F, lane -> lane ^ shift);
    }

    private static int bitReverse(int lane) {
        int r = 0;
        for (int bit = 1; bit < LANES; bit <<= 1) {
            r <<= 1;
            if ((lane & bit) != 0) r |= 1;
        }
        return r;
    }

    @Override
    public void rotate(MemorySegment x, long off, float[] cos, float[] sin, int tableOffset, int d, PairLayout layout) {
        Rotary.rotate(x, off, cos, sin, tableOffset, d, layout);
    }

    @Override
    public float dot(MemorySegment a, long aOff, MemorySegment b, long bOff, int n) {
        // two accumulators hide the fma latency (head dims are 2–8 vectors long)
        FloatVector acc0 = FloatVector.zero(F), acc1 = FloatVector.zero(F);
        int i = 0;
        for (; i + 2 * LANES <= n; i += 2 * LANES) {
            acc0 = FloatVector.fromMemorySegment(F, a, aOff + 4L * i, ORDER)
                    .fma(FloatVector.fromMemorySegment(F, b, bOff + 4L * i, ORDER), acc0);
            acc1 = FloatVector.fromMemorySegment(F, a, aOff + 4L * (i + LANES), ORDER)
                    .fma(FloatVector.fromMemorySegment(F, b, bOff + 4L * (i + LANES), ORDER), acc1);
        }
        if (i + LANES <= n) {
            acc0 = FloatVector.fromMemorySegment(F, a, aOff + 4L * i, ORDER)
                    .fma(FloatVector.fromMemorySegment(F, b, bOff + 4L * i, ORDER), acc0);
            i += LANES;
        }
        // spilled to an array: a vector passed to a call C2 does not inline is boxed
        float[] buf = new float[LANES];
        acc0.add(acc1).intoArray(buf, 0);
        float sum = Lanes.sum(buf, 0);
        for (; i < n; i++) {
            sum = Math.fma(a.get(LE.FLOAT, aOff + 4L * i), b.get(LE.FLOAT, bOff + 4L * i), sum);
        }
        return sum;
    }

    @Override
    public void axpy(float alpha, MemorySegment x, long xOff, MemorySegment y, long yOff, int n) {
        FloatVector a = FloatVector.broadcast(F, alpha);
        int i = 0;
        for (; i + LANES <= n; i += LANES) {
            FloatVector vx = FloatVector.fromMemorySegment(F, x, xOff + 4L * i, ORDER);
            FloatVector vy = FloatVector.fromMemorySegment(F, y, yOff + 4L * i, ORDER);
            vx.fma(a, vy).intoMemorySegment(y, yOff + 4L * i, ORDER);
        }
        for (; i < n; i++) {
            long o = yOff + 4L * i;
            y.set(LE.FLOAT, o, Math.fma(alpha, x.get(LE.FLOAT, xOff + 4L * i), y.get(LE.FLOAT, o)));
        }
    }

    /**
     * Folds L keys at a time when dot's loop has no single-vector step and no scalar tail (n a
     * multiple of 2L, e.g. head dim 64 at any width); otherwise key by key with {@link #dot}.
     */
    @Override
    public void scores(MemorySegment q, long qOff, MemorySegment keys, long kOff, long kStride, int count, int n,
                       float scale, float[] out, int outOff) {
        if (n % (2 * LANES) == 0 && LANES >= 4 && LANES <= 16) {
            foldedScores(q, qOff, keys, kOff, kStride, count, n, scale, out, outOff);
        } else {
            for (int j = 0; j < count; j++) {
                out[outOff + j] = dot(q, qOff, keys, kOff + j * kStride, n) * scale;
            }
        }
    }

    /**
     * {@link #scores} by folding, L keys per block; a last partial block is folded too, its missing
     * keys replaced by copies of the last one (each lane is its own key: the copies change nothing
     * else, and are not stored). The vector work of a block sits in this one method, too large for
     * C2 to inline anywhere, and its one call ({@link #storeFolded}) takes arrays: it compiles on
     * its own within C2's inlining budget, and no vector crosses a call (a vector passed to or
     * returned from a method C2 did not inline gets boxed).
     */
    private static void foldedScores(MemorySegment q, long qOff, MemorySegment keys, long kOff, long kStride,
                                     int count, int n, float scale, float[] out, int outOff) {
        FloatVector zero = FloatVector.zero(F);
        float[] quads = QUADS.get();
        long lastKey = kOff + (count - 1) * kStride;
        for (int j = 0; j < count; j += LANES) {
            // Four keys at a time run dot's loop (8 independent fma chains) and fold through
            // steps 1–2; steps 3–4 merge those quads as they complete.
            long k = kOff + j * kStride;
            for (int r = 0; r < LANES / 4; r++, k += 4 * kStride) {
                long k0 = Math.min(k, lastKey), k1 = Math.min(k + kStride, lastKey);
                long k2 = Math.min(k + 2 * kStride, lastKey), k3 = Math.min(k + 3 * kStride, lastKey);
                FloatVector a0 = zero, a1 = zero, b0 = zero, b1 = zero, c0 = zero, c1 = zero, d0 = zero, d1 = zero;
                int i = 0;
                for (; i + 2 * LANES <= n; i += 2 * LANES) {
                    long o0 = 4L * i, o1 = 4L * (i + LANES);
                    FloatVector q0 = FloatVector.fromMemorySegment(F, q, qOff + o0, ORDER);
                    FloatVector q1 = FloatVector.fromMemorySegment(F, q, qOff + o1, ORDER);
                    a0 = q0.fma(FloatVector.fromMemorySegment(F, keys, k0 + o0, ORDER), a0);
                    a1 = q1.fma(FloatVector.fromMemorySegment(F, keys, k0 + o1, ORDER), a1);
                    b0 = q0.fma(FloatVector.fromMemorySegment(F, keys, k1 + o0, ORDER), b0);
                    b1 = q1.fma(FloatVector.fromMemorySegment(F, keys, k1 + o1, ORDER), b1);
                    c0 = q0.fma(FloatVector.fromMemorySegment(F, keys, k2 + o0, ORDER), c0);
                    c1 = q1.fma(FloatVector.fromMemorySegment(F, keys, k2 + o1, ORDER), c1);
                    d0 = q0.fma(FloatVector.fromMemorySegment(F, keys, k3 + o0, ORDER), d0);
                    d1 = q1.fma(FloatVector.fromMemorySegment(F, keys, k3 + o1, ORDER), d1);
                }
                // fold step: x.blend(y, upper) + y.blend(x, upper).rearrange(partner)
                FloatVector a = a0.add(a1), b = b0.add(b1), c = c0.add(c1), d = d0.add(d1);
                FloatVector ab = a.blend(b, MASK1).add(b.blend(a, MASK1).rearrange(SWAP1));
                FloatVector cd = c.blend(d, MASK1).add(d.blend(c, MASK1).rearrange(SWAP1));
                ab.blend(cd, MASK2).add(cd.blend(ab, MASK2).rearrange(SWAP2)).intoArray(quads, r * LANES);
            }
            storeFolded(quads, scale, out, outOff, j, count);
        }
    }

    /**
     * Steps 3–4 of the fold: merges the quads of one block of L keys (left in {@code quads} by
     * steps 1–2) into one vector of L scores in key order, times {@code scale}, into
     * out[outOff + j ..] (only keys below {@code count}). Only arrays cross this call, so nothing
     * is boxed whether C2 inlines it or not; the F16 and Q8_0 folds end with it too.
     */
    static void storeFolded(float[] quads, float scale, float[] out, int outOff, int j, int count) {
        FloatVector sums = FloatVector.fromArray(F, quads, 0);
        if (LANES >= 8) {
            FloatVector v1 = FloatVector.fromArray(F, quads, LANES);
            sums = sums.blend(v1, MASK3).add(v1.blend(sums, MASK3).rearrange(SWAP3));
        }
        if (LANES == 16) {
            FloatVector v2 = FloatVector.fromArray(F, quads, 2 * LANES);
            FloatVector v3 = FloatVector.fromArray(F, quads, 3 * LANES);
            FloatVector v23 = v2.blend(v3, MASK3).add(v3.blend(v2, MASK3).rearrange(SWAP3));
            sums = sums.blend(v23, MASK4).add(v23.blend(sums, MASK4).rearrange(SWAP4));
        }
        sums = sums.rearrange(BIT_REVERSE).mul(scale);
        if (j + LANES <= count) {
            sums.intoArray(out, outOff + j);
        } else {
            // (fromLong: indexInRange was not intrinsified and cost more than the fold)
            sums.intoArray(out, outOff + j, VectorMask.fromLong(F, (1L << (count - j)) - 1));
        }
    }

    /** Per-thread room for the (at most four) folded quads of one block of keys. */
    static final ThreadLocal<float[]> QUADS = ThreadLocal.withInitial(() -> new float[4 * LANES]);

    /**
     * Four queries at a time with accumulators in registers: each value row is loaded once for the
     * four, and 8 independent fma chains (4 queries × 2 vectors) hide the fma latency. Per (query,
     * lane) the operations are axpy's: acc = fma(v_j, w_j, acc) for j ascending. Left-over queries
     * go through {@link #axpy}. One large method, for the same reason as {@link #scores}.
     */
    @Override
    public void weightedSum(float[] w, int wOff, int ws, int queries, MemorySegment values, long vOff,
                            long vStride, int count, MemorySegment acc, long accOff, long as, int n) {
        int t = 0;
        for (; t + QUERY_TILE <= queries; t += QUERY_TILE) {
            int w0 = wOff + t * ws;
            long at = accOff + t * as;
            int c = 0;
            for (; c + 2 * LANES <= n; c += 2 * LANES) {
                long a0 = at + 4L * c, a1 = a0 + 4L * LANES;
                FloatVector x00 = FloatVector.fromMemorySegment(F, acc, a0, ORDER);
                FloatVector x01 = FloatVector.fromMemorySegment(F, acc, a1, ORDER);
                FloatVector x10 = FloatVector.fromMemorySegment(F, acc, a0 + as, ORDER);
                FloatVector x11 = FloatVector.fromMemorySegment(F, acc, a1 + as, ORDER);
                FloatVector x20 = FloatVector.fromMemorySegment(F, acc, a0 + 2 * as, ORDER);
                FloatVector x21 = FloatVector.fromMemorySegment(F, acc, a1 + 2 * as, ORDER);
                FloatVector x30 = FloatVector.fromMemorySegment(F, acc, a0 + 3 * as, ORDER);
                FloatVector x31 = FloatVector.fromMemorySegment(F, acc, a1 + 3 * as, ORDER);
                long v = vOff + 4L * c;
                for (int j = 0; j < count; j++, v += vStride) {
                    FloatVector v0 = FloatVector.fromMemorySegment(F, values, v, ORDER);
                    FloatVector v1 = FloatVector.fromMemorySegment(F, values, v + 4L * LANES, ORDER);
                    FloatVector p0 = FloatVector.broadcast(F, w[w0 + j]);
                    FloatVector p1 = FloatVector.broadcast(F, w[w0 + ws + j]);
                    FloatVector p2 = FloatVector.broadcast(F, w[w0 + 2 * ws + j]);
                    FloatVector p3 = FloatVector.broadcast(F, w[w0 + 3 * ws + j]);
                    x00 = v0.fma(p0, x00);
                    x01 = v1.fma(p0, x01);
                    x10 = v0.fma(p1, x10);
                    x11 = v1.fma(p1, x11);
                    x20 = v0.fma(p2, x20);
                    x21 = v1.fma(p2, x21);
                    x30 = v0.fma(p3, x30);
                    x31 = v1.fma(p3, x31);
                }
                x00.intoMemorySegment(acc, a0, ORDER);
                x01.intoMemorySegment(acc, a1, ORDER);
                x10.intoMemorySegment(acc, a0 + as, ORDER);
                x11.intoMemorySegment(acc, a1 + as, ORDER);
                x20.intoMemorySegment(acc, a0 + 2 * as, ORDER);
                x21.intoMemorySegment(acc, a1 + 2 * as, ORDER);
                x30.intoMemorySegment(acc, a0 + 3 * as, ORDER);
                x31.intoMemorySegment(acc, a1 + 3 * as, ORDER);
            }
            for (; c + LANES <= n; c += LANES) {
                long a0 = at + 4L * c;
                FloatVector x0 = FloatVector.fromMemorySegment(F, acc, a0, ORDER);
                FloatVector x1 = FloatVector.fromMemorySegment(F, acc, a0 + as, ORDER);
                FloatVector x2 = FloatVector.fromMemorySegment(F, acc, a0 + 2 * as, ORDER);
                FloatVector x3 = FloatVector.fromMemorySegment(F, acc, a0 + 3 * as, ORDER);
                long v = vOff + 4L * c;
                for (int j = 0; j < count; j++, v += vStride) {
                    FloatVector v0 = FloatVector.fromMemorySegment(F, values, v, ORDER);
                    x0 = v0.fma(FloatVector.broadcast(F, w[w0 + j]), x0);
                    x1 = v0.fma(FloatVector.broadcast(F, w[w0 + ws + j]), x1);
                    x2 = v0.fma(FloatVector.broadcast(F, w[w0 + 2 * ws + j]), x2);
                    x3 = v0.fma(FloatVector.broadcast(F, w[w0 + 3 * ws + j]), x3);
                }
                x0.intoMemorySegment(acc, a0, ORDER);
                x1.intoMemorySegment(acc, a0 + as, ORDER);
                x2.intoMemorySegment(acc, a0 + 2 * as, ORDER);
                x3.intoMemorySegment(acc, a0 + 3 * as, ORDER);
            }
            for (; c < n; c++) {      // scalar tail lanes: axpy's Math.fma(alpha, x, y)
                for (int u = 0; u < QUERY_TILE; u++) {
                    long o = at + u * as + 4L * c;
                    float y = acc.get(LE.FLOAT, o);
                    for (int j = 0; j < count; j++) {
                        y = Math.fma(w[w0 + u * ws + j], values.get(LE.FLOAT, vOff + j * vStride + 4L * c), y);
                    }
                    acc.set(LE.FLOAT, o, y);
                }
            }
        }
        for (; t < queries; t++) {
            oneQuery(w, wOff + t * ws, values, vOff, vStride, count, acc, accOff + t * as, n);
        }
    }

    /**
     * One query (decode): four vectors of the accumulator stay in registers while every value row
     * streams past once, instead of {@link #axpy}'s load and store of the accumulator per row.
     * Per lane the same fma chain in the same order as {@link #axpy}, so the same bits.
     */
    private void oneQuery(float[] w, int wOff, MemorySegment values, long vOff, long vStride, int count,
                          MemorySegment acc, long accOff, int n) {
        int c = 0;
        for (; c + 4 * LANES <= n; c += 4 * LANES) {
            long a = accOff + 4L * c;
            FloatVector x0 = FloatVector.fromMemorySegment(F, acc, a, ORDER);
            FloatVector x1 = FloatVector.fromMemorySegment(F, acc, a + 4L * LANES, ORDER);
            FloatVector x2 = FloatVector.fromMemorySegment(F, acc, a + 8L * LANES, ORDER);
            FloatVector x3 = FloatVector.fromMemorySegment(F, acc, a + 12L * LANES, ORDER);
            long v = vOff + 4L * c;
            for (int j = 0; j < count; j++, v += vStride) {
                FloatVector p = FloatVector.broadcast(F, w[wOff + j]);
                x0 = FloatVector.fromMemorySegment(F, values, v, ORDER).fma(p, x0);
                x1 = FloatVector.fromMemorySegment(F, values, v + 4L * LANES, ORDER).fma(p, x1);
                x2 = FloatVector.fromMemorySegment(F, values, v + 8L * LANES, ORDER).fma(p, x2);
                x3 = FloatVector.fromMemorySegment(F, values, v + 12L * LANES, ORDER).fma(p, x3);
            }
            x0.intoMemorySegment(acc, a, ORDER);
            x1.intoMemorySegment(acc, a + 4L * LANES, ORDER);
            x2.intoMemorySegment(acc, a + 8L * LANES, ORDER);
            x3.intoMemorySegment(acc, a + 12L * LANES, ORDER);
        }
        if (c < n) {    // the last < 4 vectors and the scalar lanes, row by row
            for (int j = 0; j < count; j++) {
                axpy(w[wOff + j], values, vOff + j * vStride + 4L * c, acc, accOff + 4L * c, n - c);
            }
        }
    }

    @Override
    public void scoresHalf(MemorySegment q, long qOff, MemorySegment keys, long kOff, long kStride, int count, int n,
                           float scale, float[] out, int outOff) {
        VectorHalfAttention.scores(q, qOff, keys, kOff, kStride, count, n, scale, out, outOff);
    }

    @Override
    public void weightedSumHalf(float[] w, int wOff, int ws, int queries, MemorySegment values, long vOff,
                                long vStride, int count, MemorySegment acc, long accOff, long as, int n) {
        VectorHalfAttention.weightedSum(w, wOff, ws, queries, values, vOff, vStride, count, acc, accOff, as, n);
    }

    @Override
    public void scoresQ8(MemorySegment q, long qOff, MemorySegment keys, long kOff, long kStride, MemorySegment scales,
                         int count, int n, float scale, float[] out, int outOff) {
        VectorQ8Attention.scores(q, qOff, keys, kOff, kStride, scales, count, n, scale, out, outOff);
    }

    @Override
    public void weightedSumQ8(float[] w, int wOff, int ws, int queries, MemorySegment values, long vOff, long vStride,
                              MemorySegment scales, int count, MemorySegment acc, long accOff, long as, int n) {
        VectorQ8Attention.weightedSum(w, wOff, ws, queries, values, vOff, vStride, scales, count, acc, accOff, as, n);
    }

    @Override
    public double softmaxNumerators(float[] s, int from, int to) {
        return VectorSoftmaxWeights.expAndSum(s, from, to);
    }

    @Override
    public void scaleTo(float alpha, MemorySegment x, long xOff, MemorySegment y, long yOff, int n) {
        int i = 0;
        for (; i + LANES <= n; i += LANES) {
            FloatVector.fromMemorySegment(F, x, xOff + 4L * i, ORDER).mul(alpha).intoMemorySegment(y, yOff + 4L * i, ORDER);
        }
        for (; i < n; i++) {
            y.set(LE.FLOAT, yOff + 4L * i, x.get(LE.FLOAT, xOff + 4L * i) * alpha);
        }
    }
}
