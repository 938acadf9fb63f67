package dev.llmj.rope.attention;

import static dev.llmj.rope.attention.VectorAttentionKernels.MASK1;
import static dev.llmj.rope.attention.VectorAttentionKernels.MASK2;
import static dev.llmj.rope.attention.VectorAttentionKernels.QUADS;
import static dev.llmj.rope.attention.VectorAttentionKernels.SWAP1;
import static dev.llmj.rope.attention.VectorAttentionKernels.SWAP2;

import dev.llmj.kernels.VectorWidths;
import dev.llmj.tensor.LE;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link VectorAttentionKernels}' scores and weightedSum over a Q8_0 cache's keys or values: the
 * same loops and fma order, each cached vector widened where it is loaded (bytes sign-extended and
 * converted, times the block's scale), so every result is bit for bit the F32 kernel's on the
 * widened numbers, as {@link VectorHalfAttention} does for F16. The widening is written out at
 * every load for the reason given there (a helper returning a vector, left as a call, boxes it).
 *
 * <p>Rows, offsets and n are multiples of 32 (the cache checks the head dim), and the lane count
 * divides 32, so every vector lies in one block and no scalar tail is needed. At 128 bits a load
 * reads 8 bytes for 4 lanes; the cache leaves 8 bytes of room after its last row.
 */
final class VectorQ8Attention {
    private VectorQ8Attention() {}

    private static final VectorSpecies<Float> F = VectorWidths.F;
    private static final VectorSpecies<Byte> B = VectorWidths.B_PER_F;
    private static final int LANES = F.length();
    private static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;
    private static final int QUERY_TILE = 4;

    private static void check(int n) {
        if (n % KvType.Q8_0_BLOCK != 0 || LANES < 4 || LANES > 16) {
            throw new IllegalArgumentException("Q8_0 rows need a length that is a multiple of 32 and 4..16 float lanes, got "
                    + n + " and " + LANES);
        }
    }

    private static float scale(MemorySegment scales, long e) {
        return scales.get(LE.FLOAT, Q8Rows.scaleOffset(e));
    }

    /** {@link VectorAttentionKernels#scores} with Q8_0 keys, by folding as its foldedScores does. */
    static void scores(MemorySegment q, long qOff, MemorySegment keys, long kOff, long kStride, MemorySegment scales,
                       int count, int n, float scale, float[] out, int outOff) {
        check(n);
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
                    FloatVector q0 = FloatVector.fromMemorySegment(F, q, qOff + 4L * i, ORDER);
                    FloatVector q1 = FloatVector.fromMemorySegment(F, q, qOff + 4L * (i + LANES), ORDER);
                    // both vectors of a step lie in one block (2·LANES divides 32)
                    float da = scale(scales, k0 + i), db = scale(scales, k1 + i);
                    float dc = scale(scales, k2 + i), dd = scale(scales, k3 + i);
                    a0 = q0.fma(((FloatVector) ByteVector.fromMemorySegment(B, keys, k0 + i, ORDER).castShape(F, 0)).mul(da), a0);
                    a1 = q1.fma(((FloatVector) ByteVector.fromMemorySegment(B, keys, k0 + i + LANES, ORDER).castShape(F, 0)).mul(da), a1);
                    b0 = q0.fma(((FloatVector) ByteVector.fromMemorySegment(B, keys, k1 + i, ORDER).castShape(F, 0)).mul(db), b0);
                    b1 = q1.fma(((FloatVector) ByteVector.fromMemorySegment(B, keys, k1 + i + LANES, ORDER).castShape(F, 0)).mul(db), b1);
                    c0 = q0.fma(((FloatVector) ByteVector.fromMemorySegment(B, keys, k2 + i, ORDER).castShape(F, 0)).mul(dc), c0);
                    c1 = q1.fma(((FloatVector) ByteVector.fromMemorySegment(B, keys, k2 + i + LANES, ORDER).castShape(F, 0)).mul(dc), c1);
                    d0 = q0.fma(((FloatVector) ByteVector.fromMemorySegment(B, keys, k3 + i, ORDER).castShape(F, 0)).mul(dd), d0);
                    d1 = q1.fma(((FloatVector) ByteVector.fromMemorySegment(B, keys, k3 + i + LANES, ORDER).castShape(F, 0)).mul(dd), d1);
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
     * {@link VectorAttentionKernels#weightedSum} with Q8_0 values: four queries share each widened
     * value vector, two vectors wide and then one; left-over queries (decode's one) go through
     * {@link #oneQuery}.
     */
    static void weightedSum(float[] w, int wOff, int ws, int queries, MemorySegment values, long vOff, long vStride,
                            MemorySegment scales, int count, MemorySegment acc, long accOff, long as, int n) {
        check(n);
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
                long v = vOff + c;
                for (int j = 0; j < count; j++, v += vStride) {
                    float d = scale(scales, v);
                    FloatVector v0 = ((FloatVector) ByteVector.fromMemorySegment(B, values, v, ORDER).castShape(F, 0)).mul(d);
                    FloatVector v1 = ((FloatVector) ByteVector.fromMemorySegment(B, values, v + LANES, ORDER).castShape(F, 0)).mul(d);
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
            for (; c < n; c += LANES) {
                long a0 = at + 4L * c;
                FloatVector x0 = FloatVector.fromMemorySegment(F, acc, a0, ORDER);
                FloatVector x1 = FloatVector.fromMemorySegment(F, acc, a0 + as, ORDER);
                FloatVector x2 = FloatVector.fromMemorySegment(F, acc, a0 + 2 * as, ORDER);
                FloatVector x3 = FloatVector.fromMemorySegment(F, acc, a0 + 3 * as, ORDER);
                long v = vOff + c;
                for (int j = 0; j < count; j++, v += vStride) {
                    FloatVector v0 = ((FloatVector) ByteVector.fromMemorySegment(B, values, v, ORDER).castShape(F, 0))
                            .mul(scale(scales, v));
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
        }
        for (; t < queries; t++) {
            oneQuery(w, wOff + t * ws, values, vOff, vStride, scales, count, acc, accOff + t * as, n);
        }
    }

    /**
     * One query (decode): four vectors of the accumulator stay in registers while every value row
     * streams past once; per lane {@code axpy}'s fma chain in the same order, so the same bits.
     */
    private static void oneQuery(float[] w, int wOff, MemorySegment values, long vOff, long vStride,
                                 MemorySegment scales, int count, MemorySegment acc, long accOff, int n) {
        int c = 0;
        for (; c + 4 * LANES <= n; c += 4 * LANES) {
            long a = accOff + 4L * c;
            FloatVector x0 = FloatVector.fromMemorySegment(F, acc, a, ORDER);
            FloatVector x1 = FloatVector.fromMemorySegment(F, acc, a + 4L * LANES, ORDER);
            FloatVector x2 = FloatVector.fromMemorySegment(F, acc, a + 8L * LANES, ORDER);
            FloatVector x3 = FloatVector.fromMemorySegment(F, acc, a + 12L * LANES, ORDER);
            long v = vOff + c;
            for (int j = 0; j < count; j++, v += vStride) {
                // vectors 0–1 lie in one block and 2–3 in one block (the same one below 512 bits)
                float lo = scale(scales, v), hi = scale(scales, v + 2 * LANES);
                FloatVector p = FloatVector.broadcast(F, w[wOff + j]);
                x0 = ((FloatVector) ByteVector.fromMemorySegment(B, values, v, ORDER).castShape(F, 0)).mul(lo).fma(p, x0);
                x1 = ((FloatVector) ByteVector.fromMemorySegment(B, values, v + LANES, ORDER).castShape(F, 0)).mul(lo).fma(p, x1);
                x2 = ((FloatVector) ByteVector.fromMemorySegment(B, values, v + 2 * LANES, ORDER).castShape(F, 0)).mul(hi).fma(p, x2);
                x3 = ((FloatVector) ByteVector.fromMemorySegment(B, values, v + 3 * LANES, ORDER).castShape(F, 0)).mul(hi).fma(p, x3);
            }
            x0.intoMemorySegment(acc, a, ORDER);
            x1.intoMemorySegment(acc, a + 4L * LANES, ORDER);
            x2.intoMemorySegment(acc, a + 8L * LANES, ORDER);
            x3.intoMemorySegment(acc, a + 12L * LANES, ORDER);
        }
        for (; c < n; c += LANES) {     // the last < 4 vectors, row by row as axpy
            long a = accOff + 4L * c;
            FloatVector x = FloatVector.fromMemorySegment(F, acc, a, ORDER);
            long v = vOff + c;
            for (int j = 0; j < count; j++, v += vStride) {
                x = ((FloatVector) ByteVector.fromMemorySegment(B, values, v, ORDER).castShape(F, 0)).mul(scale(scales, v))
                        .fma(FloatVector.broadcast(F, w[wOff + j]), x);
            }
            x.intoMemorySegment(acc, a, ORDER);
        }
    }
}
