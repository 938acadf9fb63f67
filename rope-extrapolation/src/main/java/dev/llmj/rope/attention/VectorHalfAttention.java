package dev.llmj.rope.attention;

import static dev.llmj.rope.attention.VectorAttentionKernels.MASK1;
import static dev.llmj.rope.attention.VectorAttentionKernels.MASK2;
import static dev.llmj.rope.attention.VectorAttentionKernels.QUADS;
import static dev.llmj.rope.attention.VectorAttentionKernels.SWAP1;
import static dev.llmj.rope.attention.VectorAttentionKernels.SWAP2;
import static jdk.incubator.vector.VectorOperators.LSHL;

import dev.llmj.kernels.VectorWidths;
import dev.llmj.kernels.vector.Lanes;
import dev.llmj.tensor.LE;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link VectorAttentionKernels}' dot, axpy, scores and weightedSum over an F16 cache's keys or
 * values: the same loops and fma order, each cached vector widened where it is loaded, so every
 * result is bit for bit the F32 kernel's on the widened numbers. Converting in the loop keeps the
 * cache's reads one sequential stream, as in the F32 kernels (widening blocks into a scratch first,
 * {@link HalfRows}, stalled on each block's reads and was slower than the F32 cache).
 *
 * <p>The widening assumes finite binary16 values (the engine sends a cache holding an infinity or
 * NaN through {@link HalfRows}): the sign-extended short shifted left by 13 holds the sign in bits
 * 31..28, the exponent in 27..23 and the mantissa in 22..13; clearing bits 30..28 gives a float of
 * 2^(e−127)·1.m (or a float subnormal when e = 0), and 2^112 rebiases it exactly to 2^(e−15)·1.m.
 * Three integer operations and a multiply per vector, written out at every load: a helper
 * returning the vector was not always inlined in these large loops, and C2 then boxes each vector
 * it returns (the first version did, and ran at half the F32 cache's speed).
 */
final class VectorHalfAttention {
    private VectorHalfAttention() {}

    private static final VectorSpecies<Float> F = VectorWidths.F;
    private static final VectorSpecies<Short> S = VectorWidths.S_PER_F;
    private static final VectorSpecies<Integer> I = VectorWidths.I;
    private static final int LANES = F.length();
    private static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;
    private static final float REBIAS = 0x1p112f;
    private static final int QUERY_TILE = 4;
    /** Keeps the sign bit and bits 27..0 of the shifted short (clears the sign's copies in 30..28). */
    private static final int SIGN_EXPONENT_MANTISSA = 0x8FFFFFFF;

    private static float scalar(MemorySegment s, long off) {
        return Float.float16ToFloat(s.get(LE.SHORT, off));
    }

    /** Σ a[i]·b[i], a F32 and b binary16: {@link VectorAttentionKernels#dot}'s loop. */
    static float dot(MemorySegment a, long aOff, MemorySegment b, long bOff, int n) {
        FloatVector acc0 = FloatVector.zero(F), acc1 = FloatVector.zero(F);
        int i = 0;
        for (; i + 2 * LANES <= n; i += 2 * LANES) {
            IntVector h0 = (IntVector) ShortVector.fromMemorySegment(S, b, bOff + 2L * i, ORDER).castShape(I, 0);
            IntVector h1 = (IntVector) ShortVector.fromMemorySegment(S, b, bOff + 2L * (i + LANES), ORDER).castShape(I, 0);
            FloatVector b0 = ((FloatVector) h0.lanewise(LSHL, 13).and(SIGN_EXPONENT_MANTISSA).reinterpretAsFloats()).mul(REBIAS);
            FloatVector b1 = ((FloatVector) h1.lanewise(LSHL, 13).and(SIGN_EXPONENT_MANTISSA).reinterpretAsFloats()).mul(REBIAS);
            acc0 = FloatVector.fromMemorySegment(F, a, aOff + 4L * i, ORDER).fma(b0, acc0);
            acc1 = FloatVector.fromMemorySegment(F, a, aOff + 4L * (i + LANES), ORDER).fma(b1, acc1);
        }
        if (i + LANES <= n) {
            IntVector h0 = (IntVector) ShortVector.fromMemorySegment(S, b, bOff + 2L * i, ORDER).castShape(I, 0);
            FloatVector b0 = ((FloatVector) h0.lanewise(LSHL, 13).and(SIGN_EXPONENT_MANTISSA).reinterpretAsFloats()).mul(REBIAS);
            acc0 = FloatVector.fromMemorySegment(F, a, aOff + 4L * i, ORDER).fma(b0, acc0);
            i += LANES;
        }
        float[] buf = new float[LANES];
        acc0.add(acc1).intoArray(buf, 0);
        float sum = Lanes.sum(buf, 0);
        for (; i < n; i++) {
            sum = Math.fma(a.get(LE.FLOAT, aOff + 4L * i), scalar(b, bOff + 2L * i), sum);
        }
        return sum;
    }

    /** y[i] += alpha·x[i], x binary16: {@link VectorAttentionKernels#axpy}'s loop. */
    static void axpy(float alpha, MemorySegment x, long xOff, MemorySegment y, long yOff, int n) {
        FloatVector a = FloatVector.broadcast(F, alpha);
        int i = 0;
        for (; i + LANES <= n; i += LANES) {
            IntVector h = (IntVector) ShortVector.fromMemorySegment(S, x, xOff + 2L * i, ORDER).castShape(I, 0);
            FloatVector vx = ((FloatVector) h.lanewise(LSHL, 13).and(SIGN_EXPONENT_MANTISSA).reinterpretAsFloats()).mul(REBIAS);
            FloatVector vy = FloatVector.fromMemorySegment(F, y, yOff + 4L * i, ORDER);
            vx.fma(a, vy).intoMemorySegment(y, yOff + 4L * i, ORDER);
        }
        for (; i < n; i++) {
            long o = yOff + 4L * i;
            y.set(LE.FLOAT, o, Math.fma(alpha, scalar(x, xOff + 2L * i), y.get(LE.FLOAT, o)));
        }
    }

    /** {@link VectorAttentionKernels#scores} with binary16 keys. */
    static void scores(MemorySegment q, long qOff, MemorySegment keys, long kOff, long kStride, int count, int n,
                       float scale, float[] out, int outOff) {
        if (n % (2 * LANES) == 0 && LANES >= 4 && LANES <= 16) {
            foldedScores(q, qOff, keys, kOff, kStride, count, n, scale, out, outOff);
        } else {
            for (int j = 0; j < count; j++) {
                out[outOff + j] = dot(q, qOff, keys, kOff + j * kStride, n) * scale;
            }
        }
    }

    /** {@link VectorAttentionKernels}' folded scores, keys widened as loaded. */
    private static void foldedScores(MemorySegment q, long qOff, MemorySegment keys, long kOff, long kStride,
                                     int count, int n, float scale, float[] out, int outOff) {
        FloatVector zero = FloatVector.zero(F);
        float[] quads = QUADS.get();
        long lastKey = kOff + (count - 1) * kStride;
        for (int j = 0; j < count; j += LANES) {
            long k = kOff + j * kStride;
            for (int r = 0; r < LANES / 4; r++, k += 4 * kStride) {
                long k0 = Math.min(k, lastKey), k1 = Math.min(k + kStride, lastKey);
                long k2 = Math.min(k + 2 * kStride, lastKey), k3 = Math.min(k + 3 * kStride, lastKey);
                FloatVector a0 = zero, a1 = zero, b0 = zero, b1 = zero, c0 = zero, c1 = zero, d0 = zero, d1 = zero;
                for (int i = 0; i + 2 * LANES <= n; i += 2 * LANES) {
                    long o0 = 2L * i, o1 = 2L * (i + LANES);
                    FloatVector q0 = FloatVector.fromMemorySegment(F, q, qOff + 4L * i, ORDER);
                    FloatVector q1 = FloatVector.fromMemorySegment(F, q, qOff + 4L * (i + LANES), ORDER);
                    IntVector ha0 = (IntVector) ShortVector.fromMemorySegment(S, keys, k0 + o0, ORDER).castShape(I, 0);
                    IntVector ha1 = (IntVector) ShortVector.fromMemorySegment(S, keys, k0 + o1, ORDER).castShape(I, 0);
                    IntVector hb0 = (IntVector) ShortVector.fromMemorySegment(S, keys, k1 + o0, ORDER).castShape(I, 0);
                    IntVector hb1 = (IntVector) ShortVector.fromMemorySegment(S, keys, k1 + o1, ORDER).castShape(I, 0);
                    IntVector hc0 = (IntVector) ShortVector.fromMemorySegment(S, keys, k2 + o0, ORDER).castShape(I, 0);
                    IntVector hc1 = (IntVector) ShortVector.fromMemorySegment(S, keys, k2 + o1, ORDER).castShape(I, 0);
                    IntVector hd0 = (IntVector) ShortVector.fromMemorySegment(S, keys, k3 + o0, ORDER).castShape(I, 0);
                    IntVector hd1 = (IntVector) ShortVector.fromMemorySegment(S, keys, k3 + o1, ORDER).castShape(I, 0);
                    a0 = q0.fma(((FloatVector) ha0.lanewise(LSHL, 13).and(SIGN_EXPONENT_MANTISSA).reinterpretAsFloats()).mul(REBIAS), a0);
                    a1 = q1.fma(((FloatVector) ha1.lanewise(LSHL, 13).and(SIGN_EXPONENT_MANTISSA).reinterpretAsFloats()).mul(REBIAS), a1);
                    b0 = q0.fma(((FloatVector) hb0.lanewise(LSHL, 13).and(SIGN_EXPONENT_MANTISSA).reinterpretAsFloats()).mul(REBIAS), b0);
                    b1 = q1.fma(((FloatVector) hb1.lanewise(LSHL, 13).and(SIGN_EXPONENT_MANTISSA).reinterpretAsFloats()).mul(REBIAS), b1);
                    c0 = q0.fma(((FloatVector) hc0.lanewise(LSHL, 13).and(SIGN_EXPONENT_MANTISSA).reinterpretAsFloats()).mul(REBIAS), c0);
                    c1 = q1.fma(((FloatVector) hc1.lanewise(LSHL, 13).and(SIGN_EXPONENT_MANTISSA).reinterpretAsFloats()).mul(REBIAS), c1);
                    d0 = q0.fma(((FloatVector) hd0.lanewise(LSHL, 13).and(SIGN_EXPONENT_MANTISSA).reinterpretAsFloats()).mul(REBIAS), d0);
                    d1 = q1.fma(((FloatVector) hd1.lanewise(LSHL, 13).and(SIGN_EXPONENT_MANTISSA).reinterpretAsFloats()).mul(REBIAS), d1);
                }
                FloatVector a = a0.add(a1), b = b0.add(b1), c = c0.add(c1), d = d0.add(d1);
                FloatVector ab = a.blend(b, MASK1).add(b.blend(a, MASK1).rearrange(SWAP1));
                FloatVector cd = c.blend(d, MASK1).add(d.blend(c, MASK1).rearrange(SWAP1));
                ab.blend(cd, MASK2).add(cd.blend(ab, MASK2).rearrange(SWAP2)).intoArray(quads, r * LANES);
            }
            VectorAttentionKernels.storeFolded(quads, scale, out, outOff, j, count);
        }
    }

    /**
     * {@link VectorAttentionKernels#weightedSum} with binary16 values: four queries share each
     * widened value vector, two vectors wide (8 fma chains) and then one; left-over queries
     * (decode's one) go through {@link #axpy}.
     */
    static void weightedSum(float[] w, int wOff, int ws, int queries, MemorySegment values, long vOff, long vStride,
                            int count, MemorySegment acc, long accOff, long as, int n) {
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
                long v = vOff + 2L * c;
                for (int j = 0; j < count; j++, v += vStride) {
                    IntVector h0 = (IntVector) ShortVector.fromMemorySegment(S, values, v, ORDER).castShape(I, 0);
                    IntVector h1 = (IntVector) ShortVector.fromMemorySegment(S, values, v + 2L * LANES, ORDER).castShape(I, 0);
                    FloatVector v0 = ((FloatVector) h0.lanewise(LSHL, 13).and(SIGN_EXPONENT_MANTISSA).reinterpretAsFloats()).mul(REBIAS);
                    FloatVector v1 = ((FloatVector) h1.lanewise(LSHL, 13).and(SIGN_EXPONENT_MANTISSA).reinterpretAsFloats()).mul(REBIAS);
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
                long v = vOff + 2L * c;
                for (int j = 0; j < count; j++, v += vStride) {
                    IntVector h = (IntVector) ShortVector.fromMemorySegment(S, values, v, ORDER).castShape(I, 0);
                    FloatVector v0 = ((FloatVector) h.lanewise(LSHL, 13).and(SIGN_EXPONENT_MANTISSA).reinterpretAsFloats()).mul(REBIAS);
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
                        y = Math.fma(w[w0 + u * ws + j], scalar(values, vOff + j * vStride + 2L * c), y);
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
    private static void oneQuery(float[] w, int wOff, MemorySegment values, long vOff, long vStride, int count,
                                 MemorySegment acc, long accOff, int n) {
        int c = 0;
        for (; c + 4 * LANES <= n; c += 4 * LANES) {
            long a = accOff + 4L * c;
            FloatVector x0 = FloatVector.fromMemorySegment(F, acc, a, ORDER);
            FloatVector x1 = FloatVector.fromMemorySegment(F, acc, a + 4L * LANES, ORDER);
            FloatVector x2 = FloatVector.fromMemorySegment(F, acc, a + 8L * LANES, ORDER);
            FloatVector x3 = FloatVector.fromMemorySegment(F, acc, a + 12L * LANES, ORDER);
            long v = vOff + 2L * c;
            for (int j = 0; j < count; j++, v += vStride) {
                IntVector h0 = (IntVector) ShortVector.fromMemorySegment(S, values, v, ORDER).castShape(I, 0);
                IntVector h1 = (IntVector) ShortVector.fromMemorySegment(S, values, v + 2L * LANES, ORDER).castShape(I, 0);
                IntVector h2 = (IntVector) ShortVector.fromMemorySegment(S, values, v + 4L * LANES, ORDER).castShape(I, 0);
                IntVector h3 = (IntVector) ShortVector.fromMemorySegment(S, values, v + 6L * LANES, ORDER).castShape(I, 0);
                FloatVector p = FloatVector.broadcast(F, w[wOff + j]);
                x0 = ((FloatVector) h0.lanewise(LSHL, 13).and(SIGN_EXPONENT_MANTISSA).reinterpretAsFloats()).mul(REBIAS).fma(p, x0);
                x1 = ((FloatVector) h1.lanewise(LSHL, 13).and(SIGN_EXPONENT_MANTISSA).reinterpretAsFloats()).mul(REBIAS).fma(p, x1);
                x2 = ((FloatVector) h2.lanewise(LSHL, 13).and(SIGN_EXPONENT_MANTISSA).reinterpretAsFloats()).mul(REBIAS).fma(p, x2);
                x3 = ((FloatVector) h3.lanewise(LSHL, 13).and(SIGN_EXPONENT_MANTISSA).reinterpretAsFloats()).mul(REBIAS).fma(p, x3);
            }
            x0.intoMemorySegment(acc, a, ORDER);
            x1.intoMemorySegment(acc, a + 4L * LANES, ORDER);
            x2.intoMemorySegment(acc, a + 8L * LANES, ORDER);
            x3.intoMemorySegment(acc, a + 12L * LANES, ORDER);
        }
        if (c < n) {    // the last < 4 vectors and the scalar lanes, row by row
            for (int j = 0; j < count; j++) {
                axpy(w[wOff + j], values, vOff + j * vStride + 2L * c, acc, accOff + 4L * c, n - c);
            }
        }
    }
}
