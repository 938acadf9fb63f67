package dev.llmj.kernels.vector;

import static dev.llmj.kernels.VectorWidths.B_PER_F;
import static dev.llmj.kernels.VectorWidths.F;
import static dev.llmj.kernels.VectorWidths.F_LANES;

import dev.llmj.kernels.VectorWidths;
import dev.llmj.tensor.HalfFloats;
import dev.llmj.tensor.LE;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * Register tiles of {@link VectorGemvBatch#gemvBatchF32}: R weight rows × V activation vectors at
 * once (4×4, 4×1, 1×4, 2×1, 1×1), k in the lanes. Every (row, vector) pair has ONE accumulation order,
 * whatever the tile it lands in and whatever the batch size:
 * <pre>
 *   acc (L lanes) = 0;  for k = 0, L, 2L, … &lt; loopBound(n):  acc = fma(w[k..k+L), x[k..k+L), acc)
 *   s = Lanes.sum(acc);  for k in the tail, in order:  s = Math.fma(w[k], x[k], s)
 * </pre>
 * so a vector's result is bit-identical for every b and every position in the batch. The
 * instruction-level parallelism comes from the tile: in the 4×4 tile each weight chunk is loaded
 * once for 4 vectors and each activation chunk once for 4 rows (8 loads per 16 independent fmas).
 * Rows are given by their byte offsets in {@code w}, so the same kernels run on F32 weights in place
 * and on a panel of dequantized Q8_0/Q4_0 rows ({@link #dequantizeQ8_0}, {@link #dequantizeQ4_0}).
 * Accumulators are plain locals and loads call the Vector API directly (see {@link BatchDots}).
 */
final class BatchTiles {
    private BatchTiles() {}

    private static final int L = F_LANES;
    private static final ByteOrder LITTLE = ByteOrder.LITTLE_ENDIAN;
    private static final boolean PADDED = VectorWidths.B_PER_F_PADDED;
    private static final VectorMask<Byte> USED = VectorWidths.B_PER_F_USED;

    /** Rows at {@code p0..p3} × vectors at {@code x0 + v·xs} (v &lt; 4), accumulators to {@code acc} for {@link #finish}. */
    static void r4v4(MemorySegment w, long p0, long p1, long p2, long p3, MemorySegment x, long x0, long xs, int n,
            float[] acc) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        FloatVector b0 = a0, b1 = a0, b2 = a0, b3 = a0;
        FloatVector c0 = a0, c1 = a0, c2 = a0, c3 = a0;
        FloatVector d0 = a0, d1 = a0, d2 = a0, d3 = a0;
        long xa = x0, xb = x0 + xs, xc = x0 + 2 * xs, xd = x0 + 3 * xs;
        int upper = F.loopBound(n);
        int i = 0;
        for (; i < upper; i += L) {
            long k = 4L * i;
            FloatVector w0 = FloatVector.fromMemorySegment(F, w, p0 + k, LITTLE);
            FloatVector w1 = FloatVector.fromMemorySegment(F, w, p1 + k, LITTLE);
            FloatVector w2 = FloatVector.fromMemorySegment(F, w, p2 + k, LITTLE);
            FloatVector w3 = FloatVector.fromMemorySegment(F, w, p3 + k, LITTLE);
            FloatVector xv = FloatVector.fromMemorySegment(F, x, xa + k, LITTLE);
            a0 = w0.fma(xv, a0);
            a1 = w1.fma(xv, a1);
            a2 = w2.fma(xv, a2);
            a3 = w3.fma(xv, a3);
            xv = FloatVector.fromMemorySegment(F, x, xb + k, LITTLE);
            b0 = w0.fma(xv, b0);
            b1 = w1.fma(xv, b1);
            b2 = w2.fma(xv, b2);
            b3 = w3.fma(xv, b3);
            xv = FloatVector.fromMemorySegment(F, x, xc + k, LITTLE);
            c0 = w0.fma(xv, c0);
            c1 = w1.fma(xv, c1);
            c2 = w2.fma(xv, c2);
            c3 = w3.fma(xv, c3);
            xv = FloatVector.fromMemorySegment(F, x, xd + k, LITTLE);
            d0 = w0.fma(xv, d0);
            d1 = w1.fma(xv, d1);
            d2 = w2.fma(xv, d2);
            d3 = w3.fma(xv, d3);
        }
        // the accumulators spill to acc and the caller sums them with finish(): summing them here
        // made r4v4 exceed C2's node budget, whose late intrinsics then failed, boxing every vector
        // of the loop (11 MB of garbage per batched GEMV, 4× slower)
        a0.intoArray(acc, 0);
        a1.intoArray(acc, L);
        a2.intoArray(acc, 2 * L);
        a3.intoArray(acc, 3 * L);
        b0.intoArray(acc, 4 * L);
        b1.intoArray(acc, 5 * L);
        b2.intoArray(acc, 6 * L);
        b3.intoArray(acc, 7 * L);
        c0.intoArray(acc, 8 * L);
        c1.intoArray(acc, 9 * L);
        c2.intoArray(acc, 10 * L);
        c3.intoArray(acc, 11 * L);
        d0.intoArray(acc, 12 * L);
        d1.intoArray(acc, 13 * L);
        d2.intoArray(acc, 14 * L);
        d3.intoArray(acc, 15 * L);
    }

    /**
     * Rows at {@code p0, p1} × vectors at {@code x0 + v·xs} (v &lt; 8), accumulators to {@code acc}
     * for {@link #finish}: every weight chunk is loaded once for all eight vectors, where two 4 × 4
     * tiles load it twice (the second time from L1, but the first pass stalls on memory alone).
     */
    static void r2v8(MemorySegment w, long p0, long p1, MemorySegment x, long x0, long xs, int n, float[] acc) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, b0 = a0, b1 = a0, c0 = a0, c1 = a0, d0 = a0, d1 = a0;
        FloatVector e0 = a0, e1 = a0, f0 = a0, f1 = a0, g0 = a0, g1 = a0, h0 = a0, h1 = a0;
        int upper = F.loopBound(n);
        for (int i = 0; i < upper; i += L) {
            long k = 4L * i;
            long xk = x0 + k;
            FloatVector w0 = FloatVector.fromMemorySegment(F, w, p0 + k, LITTLE);
            FloatVector w1 = FloatVector.fromMemorySegment(F, w, p1 + k, LITTLE);
            FloatVector xa = FloatVector.fromMemorySegment(F, x, xk, LITTLE);
            a0 = w0.fma(xa, a0);
            a1 = w1.fma(xa, a1);
            FloatVector xb = FloatVector.fromMemorySegment(F, x, xk + xs, LITTLE);
            b0 = w0.fma(xb, b0);
            b1 = w1.fma(xb, b1);
            FloatVector xc = FloatVector.fromMemorySegment(F, x, xk + 2 * xs, LITTLE);
            c0 = w0.fma(xc, c0);
            c1 = w1.fma(xc, c1);
            FloatVector xd = FloatVector.fromMemorySegment(F, x, xk + 3 * xs, LITTLE);
            d0 = w0.fma(xd, d0);
            d1 = w1.fma(xd, d1);
            FloatVector xe = FloatVector.fromMemorySegment(F, x, xk + 4 * xs, LITTLE);
            e0 = w0.fma(xe, e0);
            e1 = w1.fma(xe, e1);
            FloatVector xf = FloatVector.fromMemorySegment(F, x, xk + 5 * xs, LITTLE);
            f0 = w0.fma(xf, f0);
            f1 = w1.fma(xf, f1);
            FloatVector xg = FloatVector.fromMemorySegment(F, x, xk + 6 * xs, LITTLE);
            g0 = w0.fma(xg, g0);
            g1 = w1.fma(xg, g1);
            FloatVector xh = FloatVector.fromMemorySegment(F, x, xk + 7 * xs, LITTLE);
            h0 = w0.fma(xh, h0);
            h1 = w1.fma(xh, h1);
        }
        a0.intoArray(acc, 0 * L);
        a1.intoArray(acc, 1 * L);
        b0.intoArray(acc, 2 * L);
        b1.intoArray(acc, 3 * L);
        c0.intoArray(acc, 4 * L);
        c1.intoArray(acc, 5 * L);
        d0.intoArray(acc, 6 * L);
        d1.intoArray(acc, 7 * L);
        e0.intoArray(acc, 8 * L);
        e1.intoArray(acc, 9 * L);
        f0.intoArray(acc, 10 * L);
        f1.intoArray(acc, 11 * L);
        g0.intoArray(acc, 12 * L);
        g1.intoArray(acc, 13 * L);
        h0.intoArray(acc, 14 * L);
        h1.intoArray(acc, 15 * L);
    }

    /** Rows at {@code p0..p3} × one vector at {@code x0}, accumulators to {@code acc} for {@link #finish}. */
    static void r4v1(MemorySegment w, long p0, long p1, long p2, long p3, MemorySegment x, long x0, int n,
            float[] acc) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        int upper = F.loopBound(n);
        int i = 0;
        for (; i < upper; i += L) {
            long k = 4L * i;
            FloatVector xv = FloatVector.fromMemorySegment(F, x, x0 + k, LITTLE);
            a0 = FloatVector.fromMemorySegment(F, w, p0 + k, LITTLE).fma(xv, a0);
            a1 = FloatVector.fromMemorySegment(F, w, p1 + k, LITTLE).fma(xv, a1);
            a2 = FloatVector.fromMemorySegment(F, w, p2 + k, LITTLE).fma(xv, a2);
            a3 = FloatVector.fromMemorySegment(F, w, p3 + k, LITTLE).fma(xv, a3);
        }
        a0.intoArray(acc, 0);
        a1.intoArray(acc, L);
        a2.intoArray(acc, 2 * L);
        a3.intoArray(acc, 3 * L);

    }

    /** One row at {@code p} × vectors at {@code x0 + v·xs} (v &lt; 4), accumulators to {@code acc} for {@link #finish}. */
    static void r1v4(MemorySegment w, long p, MemorySegment x, long x0, long xs, int n, float[] acc) {
        FloatVector a = FloatVector.zero(F), b = a, c = a, d = a;
        long xa = x0, xb = x0 + xs, xc = x0 + 2 * xs, xd = x0 + 3 * xs;
        int upper = F.loopBound(n);
        int i = 0;
        for (; i < upper; i += L) {
            long k = 4L * i;
            FloatVector wv = FloatVector.fromMemorySegment(F, w, p + k, LITTLE);
            a = wv.fma(FloatVector.fromMemorySegment(F, x, xa + k, LITTLE), a);
            b = wv.fma(FloatVector.fromMemorySegment(F, x, xb + k, LITTLE), b);
            c = wv.fma(FloatVector.fromMemorySegment(F, x, xc + k, LITTLE), c);
            d = wv.fma(FloatVector.fromMemorySegment(F, x, xd + k, LITTLE), d);
        }
        a.intoArray(acc, 0);
        b.intoArray(acc, L);
        c.intoArray(acc, 2 * L);
        d.intoArray(acc, 3 * L);

    }

    /** One row at {@code p} × one vector at {@code x0}. */
    static float r1v1(MemorySegment w, long p, MemorySegment x, long x0, int n, float[] buf) {
        FloatVector a = FloatVector.zero(F);
        int upper = F.loopBound(n);
        int i = 0;
        for (; i < upper; i += L) {
            long k = 4L * i;
            a = FloatVector.fromMemorySegment(F, w, p + k, LITTLE).fma(FloatVector.fromMemorySegment(F, x, x0 + k, LITTLE), a);
        }
        a.intoArray(buf, 0);
        return tail(w, p, x, x0, i, n, Lanes.sum(buf, 0));
    }

    /** Rows at {@code p0} and {@code p1} × one vector at {@code x0}: {@link #r1v1} twice, interleaved. */
    static void r2v1(MemorySegment w, long p0, long p1, MemorySegment x, long x0, int n, MemorySegment y, long y0, long y1,
            float[] buf) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0;
        int upper = F.loopBound(n);
        int i = 0;
        for (; i < upper; i += L) {
            long k = 4L * i;
            FloatVector xv = FloatVector.fromMemorySegment(F, x, x0 + k, LITTLE);
            a0 = FloatVector.fromMemorySegment(F, w, p0 + k, LITTLE).fma(xv, a0);
            a1 = FloatVector.fromMemorySegment(F, w, p1 + k, LITTLE).fma(xv, a1);
        }
        a0.intoArray(buf, 0);
        a1.intoArray(buf, L);
        y.set(LE.FLOAT, y0, tail(w, p0, x, x0, i, n, Lanes.sum(buf, 0)));
        y.set(LE.FLOAT, y1, tail(w, p1, x, x0, i, n, Lanes.sum(buf, L)));
    }

    /** One Q8_0 row at {@code p} × one vector, dequantized in registers exactly as {@link #dequantizeQ8_0} does (w = q·d, one float product). */
    static float q8r1v1(MemorySegment w, long p, MemorySegment x, long x0, int blocks, float[] buf) {
        FloatVector a = FloatVector.zero(F);
        for (int blk = 0; blk < blocks; blk++) {
            long o = p + 34L * blk;
            FloatVector d = FloatVector.broadcast(F, HalfFloats.f16ToFloat(w.get(LE.SHORT, o)));
            for (int c = 0; c < 32; c += L) {
                FloatVector xv = FloatVector.fromMemorySegment(F, x, x0 + 128L * blk + 4L * c, LITTLE);
                a = ((FloatVector) (PADDED ? ByteVector.fromMemorySegment(B_PER_F, w, o + 2 + c, LITTLE, USED) : ByteVector.fromMemorySegment(B_PER_F, w, o + 2 + c, LITTLE)).castShape(F, 0)).mul(d).fma(xv, a);
            }
        }
        a.intoArray(buf, 0);
        return Lanes.sum(buf, 0);
    }

    /** One Q4_0 row at {@code p} × one vector, dequantized in registers exactly as {@link #dequantizeQ4_0} does (k order). */
    static float q4r1v1(MemorySegment w, long p, MemorySegment x, long x0, int blocks, float[] buf) {
        FloatVector a = FloatVector.zero(F);
        for (int blk = 0; blk < blocks; blk++) {
            long o = p + 18L * blk;
            FloatVector d = FloatVector.broadcast(F, HalfFloats.f16ToFloat(w.get(LE.SHORT, o)));
            for (int half = 0; half < 2; half++) {
                int shift = 4 * half;
                for (int c = 0; c < 16; c += L) {
                    FloatVector xv = FloatVector.fromMemorySegment(F, x, x0 + 128L * blk + 64L * half + 4L * c, LITTLE);
                    a = ((FloatVector) (PADDED ? ByteVector.fromMemorySegment(B_PER_F, w, o + 2 + c, LITTLE, USED) : ByteVector.fromMemorySegment(B_PER_F, w, o + 2 + c, LITTLE)).lanewise(VectorOperators.LSHR, shift).and((byte) 0x0F).castShape(F, 0)).sub(8f).mul(d).fma(xv, a);
                }
            }
        }
        a.intoArray(buf, 0);
        return Lanes.sum(buf, 0);
    }

    /** Floats of accumulator scratch a tile needs: 4 × 4 accumulators of L lanes. */
    static final int ACC_FLOATS = 16 * L;

    /**
     * Completes a tile after it ran: its accumulators, spilled to {@code acc} as [vector v][row r]
     * (L floats each), are summed in the fixed order ({@link Lanes#sum16} for a full 4 × 4 tile)
     * and y[v][r] = tail(sum) is stored at {@code y0 + v·ys + 4r}. A separate call from the tile
     * on purpose (see r4v4); it takes only arrays, so nothing is boxed whether or not C2 inlines it.
     */
    static void finish(float[] acc, int rows, int vectors, MemorySegment w, long p0, long p1, long p2, long p3,
            MemorySegment x, long x0, long xs, int n, MemorySegment y, long y0, long ys) {
        int i = F.loopBound(n);
        boolean full = rows * vectors == 16;
        if (full) {
            Lanes.sum16(acc, acc); // the sixteen sums land in acc[0..16)
        }
        for (int v = 0; v < vectors; v++) {
            for (int r = 0; r < rows; r++) {
                long p = r == 0 ? p0 : r == 1 ? p1 : r == 2 ? p2 : p3;
                int pair = v * rows + r;
                float s = full ? acc[pair] : Lanes.sum(acc, pair * L);
                y.set(LE.FLOAT, y0 + v * ys + 4L * r, i < n ? tail(w, p, x, x0 + v * xs, i, n, s) : s);
            }
        }
    }

    /** The scalar tail of one pair: s = fma(w[k], x[k], s) for k in [from, n), in order. */
    private static float tail(MemorySegment w, long p, MemorySegment x, long x0, int from, int n, float s) {
        for (int k = from; k < n; k++) {
            s = Math.fma(w.get(LE.FLOAT, p + 4L * k), x.get(LE.FLOAT, x0 + 4L * k), s);
        }
        return s;
    }

    /**
     * One Q8_0 row of {@code blocks} blocks as floats w_j = d · q_j (one float product, as the
     * codec dequantizes) into {@code out} from byte {@code o}.
     * <pre>  block: [d: f16][q0 .. q31: int8]  </pre>
     */
    static void dequantizeQ8_0(MemorySegment w, long row, int blocks, MemorySegment out, long o) {
        for (int blk = 0; blk < blocks; blk++) {
            long p = row + 34L * blk;
            FloatVector d = FloatVector.broadcast(F, HalfFloats.f16ToFloat(w.get(LE.SHORT, p)));
            long ob = o + 128L * blk;
            for (int c = 0; c < 32; c += L) {
                ByteVector q = PADDED ? ByteVector.fromMemorySegment(B_PER_F, w, p + 2 + c, LITTLE, USED)
                        : ByteVector.fromMemorySegment(B_PER_F, w, p + 2 + c, LITTLE);
                ((FloatVector) q.castShape(F, 0)).mul(d).intoMemorySegment(out, ob + 4L * c, LITTLE);
            }
        }
    }

    /**
     * One Q4_0 row as floats w_j = (nibble_j − 8) · d (exact nibble − 8, then one float product,
     * as the codec dequantizes) into {@code out} from byte {@code o}.
     * <pre>  block: [d: f16][16 bytes: low nibble = element j, high nibble = element j+16]  </pre>
     */
    static void dequantizeQ4_0(MemorySegment w, long row, int blocks, MemorySegment out, long o) {
        if (DecodeRows.PAIRED) {
            DecodeRows.dequantizeQ4_0(w, row, blocks, out, o);
            return;
        }
        for (int blk = 0; blk < blocks; blk++) {
            long p = row + 18L * blk;
            FloatVector d = FloatVector.broadcast(F, HalfFloats.f16ToFloat(w.get(LE.SHORT, p)));
            long ob = o + 128L * blk;
            for (int c = 0; c < 16; c += L) {
                ByteVector packed = PADDED ? ByteVector.fromMemorySegment(B_PER_F, w, p + 2 + c, LITTLE, USED)
                        : ByteVector.fromMemorySegment(B_PER_F, w, p + 2 + c, LITTLE);
                FloatVector lo = (FloatVector) packed.and((byte) 0x0F).castShape(F, 0);
                FloatVector hi = (FloatVector) packed.lanewise(VectorOperators.LSHR, 4).and((byte) 0x0F).castShape(F, 0);
                lo.sub(8f).mul(d).intoMemorySegment(out, ob + 4L * c, LITTLE);
                hi.sub(8f).mul(d).intoMemorySegment(out, ob + 64 + 4L * c, LITTLE);
            }
        }
    }
}
