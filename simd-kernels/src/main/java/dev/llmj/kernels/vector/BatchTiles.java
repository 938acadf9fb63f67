package dev.llmj.kernels.vector;

import static dev.llmj.kernels.VectorWidths.B_PER_F;
import static dev.llmj.kernels.VectorWidths.F;
import static dev.llmj.kernels.VectorWidths.F_LANES;

import dev.llmj.kernels.VectorWidths;
import dev.llmj.tensor.DType;
import dev.llmj.tensor.HalfFloats;
import dev.llmj.tensor.LE;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * Register tiles of {@link VectorGemvBatch#gemvBatchF32}: 4 weight rows × 4 activation vectors
 * ({@link #r4v4}), 2 rows × 1 vector ({@link #r2v1}) and the single-row quantized decoders, k in the
 * lanes. Every (row, vector) pair has ONE accumulation order, whatever the tile it lands in and
 * whatever the batch size:
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

    /**
     * Rows at {@code p0..p3} × the vectors at {@code x0 + v·xs} (v &lt; 4) of the float[] copy of the
     * activations, accumulators to {@code acc} for {@link #finish}. Reading the activations through
     * their segment compiled each load with its bounds and liveness checks: the tile then ran at
     * 60 % of its in-cache rate.
     */
    static void r4v4(MemorySegment w, long p0, long p1, long p2, long p3, float[] x, int x0, int xs, int n,
            float[] acc) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        FloatVector b0 = a0, b1 = a0, b2 = a0, b3 = a0;
        FloatVector c0 = a0, c1 = a0, c2 = a0, c3 = a0;
        FloatVector d0 = a0, d1 = a0, d2 = a0, d3 = a0;
        int xa = x0, xb = x0 + xs, xc = x0 + 2 * xs, xd = x0 + 3 * xs;
        int upper = F.loopBound(n);
        for (int i = 0; i < upper; i += L) {
            long k = 4L * i;
            FloatVector w0 = FloatVector.fromMemorySegment(F, w, p0 + k, LITTLE);
            FloatVector w1 = FloatVector.fromMemorySegment(F, w, p1 + k, LITTLE);
            FloatVector w2 = FloatVector.fromMemorySegment(F, w, p2 + k, LITTLE);
            FloatVector w3 = FloatVector.fromMemorySegment(F, w, p3 + k, LITTLE);
            FloatVector xv = FloatVector.fromArray(F, x, xa + i);
            a0 = w0.fma(xv, a0);
            a1 = w1.fma(xv, a1);
            a2 = w2.fma(xv, a2);
            a3 = w3.fma(xv, a3);
            xv = FloatVector.fromArray(F, x, xb + i);
            b0 = w0.fma(xv, b0);
            b1 = w1.fma(xv, b1);
            b2 = w2.fma(xv, b2);
            b3 = w3.fma(xv, b3);
            xv = FloatVector.fromArray(F, x, xc + i);
            c0 = w0.fma(xv, c0);
            c1 = w1.fma(xv, c1);
            c2 = w2.fma(xv, c2);
            c3 = w3.fma(xv, c3);
            xv = FloatVector.fromArray(F, x, xd + i);
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
     * {@link #r4v4} on dequantized rows in a float[] panel (at indices p0..p3). A second copy of
     * the tile rather than one kernel over a heap-segment view of the panel: heap segments in the
     * kernels shared JDK type profiles with the mapped weights and halved the decoders' speed
     * (see VectorGemm); F32 rows stay in place because the four streams read from DRAM overlap
     * the first pass's FMAs, where a copy first measured slower.
     */
    static void r4v4(float[] w, int p0, int p1, int p2, int p3, float[] x, int x0, int xs, int n,
            float[] acc) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        FloatVector b0 = a0, b1 = a0, b2 = a0, b3 = a0;
        FloatVector c0 = a0, c1 = a0, c2 = a0, c3 = a0;
        FloatVector d0 = a0, d1 = a0, d2 = a0, d3 = a0;
        int xa = x0, xb = x0 + xs, xc = x0 + 2 * xs, xd = x0 + 3 * xs;
        int upper = F.loopBound(n);
        for (int i = 0; i < upper; i += L) {
            FloatVector w0 = FloatVector.fromArray(F, w, p0 + i);
            FloatVector w1 = FloatVector.fromArray(F, w, p1 + i);
            FloatVector w2 = FloatVector.fromArray(F, w, p2 + i);
            FloatVector w3 = FloatVector.fromArray(F, w, p3 + i);
            FloatVector xv = FloatVector.fromArray(F, x, xa + i);
            a0 = w0.fma(xv, a0);
            a1 = w1.fma(xv, a1);
            a2 = w2.fma(xv, a2);
            a3 = w3.fma(xv, a3);
            xv = FloatVector.fromArray(F, x, xb + i);
            b0 = w0.fma(xv, b0);
            b1 = w1.fma(xv, b1);
            b2 = w2.fma(xv, b2);
            b3 = w3.fma(xv, b3);
            xv = FloatVector.fromArray(F, x, xc + i);
            c0 = w0.fma(xv, c0);
            c1 = w1.fma(xv, c1);
            c2 = w2.fma(xv, c2);
            c3 = w3.fma(xv, c3);
            xv = FloatVector.fromArray(F, x, xd + i);
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
     * Rows at {@code p0} and {@code p1} × one vector at {@code x0}, the per-pair order of the
     * class comment; results to {@code y0} and {@code y1}.
     */
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

    /** {@link #r2v1} on dequantized rows in a float[] panel (no tail: 32 | cols for quantized rows). */
    static void r2v1(float[] w, int p0, int p1, MemorySegment x, long x0, int n, MemorySegment y, long y0, long y1,
            float[] buf) {
        if (F.loopBound(n) != n) {
            throw new IllegalArgumentException("panel rows have no tail, got " + n + " columns");
        }
        FloatVector a0 = FloatVector.zero(F), a1 = a0;
        for (int i = 0; i < n; i += L) {
            FloatVector xv = FloatVector.fromMemorySegment(F, x, x0 + 4L * i, LITTLE);
            a0 = FloatVector.fromArray(F, w, p0 + i).fma(xv, a0);
            a1 = FloatVector.fromArray(F, w, p1 + i).fma(xv, a1);
        }
        a0.intoArray(buf, 0);
        a1.intoArray(buf, L);
        y.set(LE.FLOAT, y0, Lanes.sum(buf, 0));
        y.set(LE.FLOAT, y1, Lanes.sum(buf, L));
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
     * Completes an {@link #r4v4} tile: its accumulators, spilled to {@code acc} as [vector v][row r]
     * (L floats each), are summed in the fixed order ({@link Lanes#sum16}) and y[v][r] = tail(sum)
     * is stored at {@code y_r + v·ys} (the four rows come from four separate streams, so their
     * outputs are not adjacent). {@code w} is null for rows in a float[] panel, which have no tail
     * (32 | cols). A separate call from the tile on purpose (see r4v4); it takes only arrays, so
     * nothing is boxed whether or not C2 inlines it.
     */
    static void finish(float[] acc, MemorySegment w, long p0, long p1, long p2, long p3, MemorySegment x, long x0,
            long xs, int n, MemorySegment y, long y0, long y1, long y2, long y3, long ys) {
        int i = F.loopBound(n);
        if (w == null && i != n) {
            throw new IllegalArgumentException("panel rows have no tail, got " + n + " columns");
        }
        Lanes.sum16(acc, acc); // the sixteen sums land in acc[0..16)
        for (int v = 0; v < 4; v++) {
            long xv = x0 + v * xs;
            long yv = v * ys;
            float s0 = acc[4 * v];
            float s1 = acc[4 * v + 1];
            float s2 = acc[4 * v + 2];
            float s3 = acc[4 * v + 3];
            y.set(LE.FLOAT, y0 + yv, i < n ? tail(w, p0, x, xv, i, n, s0) : s0);
            y.set(LE.FLOAT, y1 + yv, i < n ? tail(w, p1, x, xv, i, n, s1) : s1);
            y.set(LE.FLOAT, y2 + yv, i < n ? tail(w, p2, x, xv, i, n, s2) : s2);
            y.set(LE.FLOAT, y3 + yv, i < n ? tail(w, p3, x, xv, i, n, s3) : s3);
        }
    }

    /** The scalar tail of one pair: s = fma(w[k], x[k], s) for k in [from, n), in order. */
    private static float tail(MemorySegment w, long p, MemorySegment x, long x0, int from, int n, float s) {
        for (int k = from; k < n; k++) {
            s = Math.fma(w.get(LE.FLOAT, p + 4L * k), x.get(LE.FLOAT, x0 + 4L * k), s);
        }
        return s;
    }

    /** One Q8_0 or Q4_0 row as floats into {@code out} from index {@code o} ({@link #dequantizeQ8_0}, {@link #dequantizeQ4_0}). */
    static void dequantize(DType t, MemorySegment w, long row, int blocks, float[] out, int o) {
        if (t == DType.Q8_0) {
            dequantizeQ8_0(w, row, blocks, out, o);
        } else if (t == DType.Q4_0) {
            dequantizeQ4_0(w, row, blocks, out, o);
        } else {
            throw new IllegalArgumentException("no float[] row decoder for " + t);
        }
    }

    /**
     * One Q8_0 row of {@code blocks} blocks as floats w_j = d · q_j (one float product, as the
     * codec dequantizes) into {@code out} from index {@code o}.
     * <pre>  block: [d: f16][q0 .. q31: int8]  </pre>
     */
    static void dequantizeQ8_0(MemorySegment w, long row, int blocks, float[] out, int o) {
        for (int blk = 0; blk < blocks; blk++) {
            long p = row + 34L * blk;
            FloatVector d = FloatVector.broadcast(F, HalfFloats.f16ToFloat(w.get(LE.SHORT, p)));
            int ob = o + 32 * blk;
            for (int c = 0; c < 32; c += L) {
                ByteVector q = PADDED ? ByteVector.fromMemorySegment(B_PER_F, w, p + 2 + c, LITTLE, USED)
                        : ByteVector.fromMemorySegment(B_PER_F, w, p + 2 + c, LITTLE);
                ((FloatVector) q.castShape(F, 0)).mul(d).intoArray(out, ob + c);
            }
        }
    }

    /**
     * One Q4_0 row as floats w_j = (nibble_j − 8) · d (exact nibble − 8, then one float product,
     * as the codec dequantizes) into {@code out} from index {@code o}.
     * <pre>  block: [d: f16][16 bytes: low nibble = element j, high nibble = element j+16]  </pre>
     */
    static void dequantizeQ4_0(MemorySegment w, long row, int blocks, float[] out, int o) {
        if (DecodeRows.PAIRED) {
            DecodeRows.dequantizeQ4_0(w, row, blocks, out, o);
            return;
        }
        for (int blk = 0; blk < blocks; blk++) {
            long p = row + 18L * blk;
            FloatVector d = FloatVector.broadcast(F, HalfFloats.f16ToFloat(w.get(LE.SHORT, p)));
            int ob = o + 32 * blk;
            for (int c = 0; c < 16; c += L) {
                ByteVector packed = PADDED ? ByteVector.fromMemorySegment(B_PER_F, w, p + 2 + c, LITTLE, USED)
                        : ByteVector.fromMemorySegment(B_PER_F, w, p + 2 + c, LITTLE);
                FloatVector lo = (FloatVector) packed.and((byte) 0x0F).castShape(F, 0);
                FloatVector hi = (FloatVector) packed.lanewise(VectorOperators.LSHR, 4).and((byte) 0x0F).castShape(F, 0);
                lo.sub(8f).mul(d).intoArray(out, ob + c);
                hi.sub(8f).mul(d).intoArray(out, ob + 16 + c);
            }
        }
    }
}
