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
 * The row kernels of {@link VectorGemvBatch}: one weight row against four vectors (x1: one),
 * each weight vector loaded and decoded once and used four times. Every vector's operations are
 * those of the single-vector kernel in the same order (see the twin named on each method), only
 * interleaved with the other vectors', so each result is bit-identical. Accumulators are plain
 * locals (no arrays of vectors, which would box), and loads call the Vector API directly: every
 * extra helper level deepens the inlining chain down to the load intrinsic, and a load that C2
 * does not inline returns a boxed vector (observed: f32x4 8× slower through a one-line wrapper).
 */
final class BatchDots {
    private BatchDots() {}

    private static final int L = F_LANES;
    private static final ByteOrder LITTLE = ByteOrder.LITTLE_ENDIAN;
    /** At 128 bits the byte species has more lanes than floats: loads are masked to the used ones. */
    private static final boolean PADDED = VectorWidths.B_PER_F_PADDED;
    private static final VectorMask<Byte> USED = VectorWidths.B_PER_F_USED;


    /** Four {@link #f32x1}(w row, x_v) results; x_v at {@code x0 + v·xs}, y_v at {@code y0 + v·ys}. */
    static void f32x4(MemorySegment w, long row, MemorySegment x, long x0, long xs, int n,
            MemorySegment y, long y0, long ys) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        FloatVector b0 = a0, b1 = a0, b2 = a0, b3 = a0;
        FloatVector c0 = a0, c1 = a0, c2 = a0, c3 = a0;
        FloatVector d0 = a0, d1 = a0, d2 = a0, d3 = a0;
        long xa = x0, xb = x0 + xs, xc = x0 + 2 * xs, xd = x0 + 3 * xs;
        int i = 0;
        int upper4 = n - n % (4 * L);
        for (; i < upper4; i += 4 * L) {
            long pw = row + 4L * i;
            long px = 4L * i;
            FloatVector w0 = FloatVector.fromMemorySegment(F, w, pw, LITTLE);
            FloatVector w1 = FloatVector.fromMemorySegment(F, w, pw + 4L * L, LITTLE);
            FloatVector w2 = FloatVector.fromMemorySegment(F, w, pw + 8L * L, LITTLE);
            FloatVector w3 = FloatVector.fromMemorySegment(F, w, pw + 12L * L, LITTLE);
            a0 = w0.fma(FloatVector.fromMemorySegment(F, x, xa + px, LITTLE), a0);
            a1 = w1.fma(FloatVector.fromMemorySegment(F, x, xa + px + 4L * L, LITTLE), a1);
            a2 = w2.fma(FloatVector.fromMemorySegment(F, x, xa + px + 8L * L, LITTLE), a2);
            a3 = w3.fma(FloatVector.fromMemorySegment(F, x, xa + px + 12L * L, LITTLE), a3);
            b0 = w0.fma(FloatVector.fromMemorySegment(F, x, xb + px, LITTLE), b0);
            b1 = w1.fma(FloatVector.fromMemorySegment(F, x, xb + px + 4L * L, LITTLE), b1);
            b2 = w2.fma(FloatVector.fromMemorySegment(F, x, xb + px + 8L * L, LITTLE), b2);
            b3 = w3.fma(FloatVector.fromMemorySegment(F, x, xb + px + 12L * L, LITTLE), b3);
            c0 = w0.fma(FloatVector.fromMemorySegment(F, x, xc + px, LITTLE), c0);
            c1 = w1.fma(FloatVector.fromMemorySegment(F, x, xc + px + 4L * L, LITTLE), c1);
            c2 = w2.fma(FloatVector.fromMemorySegment(F, x, xc + px + 8L * L, LITTLE), c2);
            c3 = w3.fma(FloatVector.fromMemorySegment(F, x, xc + px + 12L * L, LITTLE), c3);
            d0 = w0.fma(FloatVector.fromMemorySegment(F, x, xd + px, LITTLE), d0);
            d1 = w1.fma(FloatVector.fromMemorySegment(F, x, xd + px + 4L * L, LITTLE), d1);
            d2 = w2.fma(FloatVector.fromMemorySegment(F, x, xd + px + 8L * L, LITTLE), d2);
            d3 = w3.fma(FloatVector.fromMemorySegment(F, x, xd + px + 12L * L, LITTLE), d3);
        }
        int upper = F.loopBound(n);
        for (; i < upper; i += L) {
            FloatVector w0 = FloatVector.fromMemorySegment(F, w, row + 4L * i, LITTLE);
            long px = 4L * i;
            a0 = w0.fma(FloatVector.fromMemorySegment(F, x, xa + px, LITTLE), a0);
            b0 = w0.fma(FloatVector.fromMemorySegment(F, x, xb + px, LITTLE), b0);
            c0 = w0.fma(FloatVector.fromMemorySegment(F, x, xc + px, LITTLE), c0);
            d0 = w0.fma(FloatVector.fromMemorySegment(F, x, xd + px, LITTLE), d0);
        }
        float[] buf = new float[4 * L];
        a0.add(a1).add(a2.add(a3)).intoArray(buf, 0);
        b0.add(b1).add(b2.add(b3)).intoArray(buf, L);
        c0.add(c1).add(c2.add(c3)).intoArray(buf, 2 * L);
        d0.add(d1).add(d2.add(d3)).intoArray(buf, 3 * L);
        float sa = Lanes.sum(buf, 0);
        float sb = Lanes.sum(buf, L);
        float sc = Lanes.sum(buf, 2 * L);
        float sd = Lanes.sum(buf, 3 * L);
        for (; i < n; i++) {
            float wi = w.get(LE.FLOAT, row + 4L * i);
            long px = 4L * i;
            sa = Math.fma(wi, x.get(LE.FLOAT, xa + px), sa);
            sb = Math.fma(wi, x.get(LE.FLOAT, xb + px), sb);
            sc = Math.fma(wi, x.get(LE.FLOAT, xc + px), sc);
            sd = Math.fma(wi, x.get(LE.FLOAT, xd + px), sd);
        }
        y.set(LE.FLOAT, y0, sa);
        y.set(LE.FLOAT, y0 + ys, sb);
        y.set(LE.FLOAT, y0 + 2 * ys, sc);
        y.set(LE.FLOAT, y0 + 3 * ys, sd);
    }

    /** {@link VectorDot#dotBody}'s loop structure for one vector, with the fixed-order lane sum. */
    static float f32x1(MemorySegment w, long row, MemorySegment x, long x0, int n) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        int i = 0;
        int upper4 = n - n % (4 * L);
        for (; i < upper4; i += 4 * L) {
            long pw = row + 4L * i;
            long px = x0 + 4L * i;
            a0 = FloatVector.fromMemorySegment(F, w, pw, LITTLE).fma(FloatVector.fromMemorySegment(F, x, px, LITTLE), a0);
            a1 = FloatVector.fromMemorySegment(F, w, pw + 4L * L, LITTLE).fma(FloatVector.fromMemorySegment(F, x, px + 4L * L, LITTLE), a1);
            a2 = FloatVector.fromMemorySegment(F, w, pw + 8L * L, LITTLE).fma(FloatVector.fromMemorySegment(F, x, px + 8L * L, LITTLE), a2);
            a3 = FloatVector.fromMemorySegment(F, w, pw + 12L * L, LITTLE).fma(FloatVector.fromMemorySegment(F, x, px + 12L * L, LITTLE), a3);
        }
        int upper = F.loopBound(n);
        for (; i < upper; i += L) {
            a0 = FloatVector.fromMemorySegment(F, w, row + 4L * i, LITTLE).fma(FloatVector.fromMemorySegment(F, x, x0 + 4L * i, LITTLE), a0);
        }
        float[] buf = new float[L];
        a0.add(a1).add(a2.add(a3)).intoArray(buf, 0);
        float sum = Lanes.sum(buf, 0);
        for (; i < n; i++) {
            sum = Math.fma(w.get(LE.FLOAT, row + 4L * i), x.get(LE.FLOAT, x0 + 4L * i), sum);
        }
        return sum;
    }

    /** Twin of {@code VectorGemv.rowQ8_0} (bytes widened as {@code VectorDot.bytesToFloats}) for one vector whose prepared activations start at {@code x0}. */
    static float q8x1(MemorySegment w, long row, MemorySegment xf, long x0, long scales, int blocks) {
        FloatVector acc = FloatVector.zero(F);
        for (int blk = 0; blk < blocks; blk++) {
            long p = row + 34L * blk;
            long px = x0 + 128L * blk;
            FloatVector s = ((FloatVector) (PADDED ? ByteVector.fromMemorySegment(B_PER_F, w, p + 2, LITTLE, USED) : ByteVector.fromMemorySegment(B_PER_F, w, p + 2, LITTLE)).castShape(F, 0)).mul(FloatVector.fromMemorySegment(F, xf, px, LITTLE));
            for (int c = L; c < 32; c += L) {
                s = ((FloatVector) (PADDED ? ByteVector.fromMemorySegment(B_PER_F, w, p + 2 + c, LITTLE, USED) : ByteVector.fromMemorySegment(B_PER_F, w, p + 2 + c, LITTLE)).castShape(F, 0)).fma(FloatVector.fromMemorySegment(F, xf, px + 4L * c, LITTLE), s);
            }
            float d = HalfFloats.f16ToFloat(w.get(LE.SHORT, p)) * xf.get(LE.FLOAT, x0 + scales + 4L * blk);
            acc = s.fma(FloatVector.broadcast(F, d), acc);
        }
        float[] buf = new float[L];
        acc.intoArray(buf, 0);
        return Lanes.sum(buf, 0);
    }

    /** Four {@link #q8x1} results, each weight block widened once; vector v's activations at {@code x0 + v·xs}. */
    static void q8x4(MemorySegment w, long row, MemorySegment xf, long x0, long xs, long scales, int blocks,
            MemorySegment y, long y0, long ys) {
        FloatVector accA = FloatVector.zero(F), accB = accA, accC = accA, accD = accA;
        long xa = x0, xb = x0 + xs, xc = x0 + 2 * xs, xd = x0 + 3 * xs;
        for (int blk = 0; blk < blocks; blk++) {
            long p = row + 34L * blk;
            long px = 128L * blk;
            FloatVector wv = ((FloatVector) (PADDED ? ByteVector.fromMemorySegment(B_PER_F, w, p + 2, LITTLE, USED) : ByteVector.fromMemorySegment(B_PER_F, w, p + 2, LITTLE)).castShape(F, 0));
            FloatVector sA = wv.mul(FloatVector.fromMemorySegment(F, xf, xa + px, LITTLE));
            FloatVector sB = wv.mul(FloatVector.fromMemorySegment(F, xf, xb + px, LITTLE));
            FloatVector sC = wv.mul(FloatVector.fromMemorySegment(F, xf, xc + px, LITTLE));
            FloatVector sD = wv.mul(FloatVector.fromMemorySegment(F, xf, xd + px, LITTLE));
            for (int c = L; c < 32; c += L) {
                FloatVector wc = ((FloatVector) (PADDED ? ByteVector.fromMemorySegment(B_PER_F, w, p + 2 + c, LITTLE, USED) : ByteVector.fromMemorySegment(B_PER_F, w, p + 2 + c, LITTLE)).castShape(F, 0));
                long pc = px + 4L * c;
                sA = wc.fma(FloatVector.fromMemorySegment(F, xf, xa + pc, LITTLE), sA);
                sB = wc.fma(FloatVector.fromMemorySegment(F, xf, xb + pc, LITTLE), sB);
                sC = wc.fma(FloatVector.fromMemorySegment(F, xf, xc + pc, LITTLE), sC);
                sD = wc.fma(FloatVector.fromMemorySegment(F, xf, xd + pc, LITTLE), sD);
            }
            float dw = HalfFloats.f16ToFloat(w.get(LE.SHORT, p));
            long ps = scales + 4L * blk;
            accA = sA.fma(FloatVector.broadcast(F, dw * xf.get(LE.FLOAT, xa + ps)), accA);
            accB = sB.fma(FloatVector.broadcast(F, dw * xf.get(LE.FLOAT, xb + ps)), accB);
            accC = sC.fma(FloatVector.broadcast(F, dw * xf.get(LE.FLOAT, xc + ps)), accC);
            accD = sD.fma(FloatVector.broadcast(F, dw * xf.get(LE.FLOAT, xd + ps)), accD);
        }
        float[] buf = new float[4 * L];
        accA.intoArray(buf, 0);
        accB.intoArray(buf, L);
        accC.intoArray(buf, 2 * L);
        accD.intoArray(buf, 3 * L);
        storeSums4(buf, y, y0, ys);
    }

    /** Twin of {@code VectorGemv.rowQ4_0} (nibbles as {@code VectorDot.lowNibbles}, high ones via b ^ 0x80) for one vector whose prepared activations start at {@code x0}. */
    static float q4x1(MemorySegment w, long row, MemorySegment xf, long x0, long scales, long abc, int blocks) {
        FloatVector acc = FloatVector.zero(F);
        for (int blk = 0; blk < blocks; blk++) {
            long p = row + 18L * blk;
            long pc = x0 + abc + 3L * 64 * blk;
            FloatVector s = FloatVector.zero(F);
            for (int c = 0; c < 16; c += L) {
                ByteVector packed = PADDED ? ByteVector.fromMemorySegment(B_PER_F, w, p + 2 + c, LITTLE, USED) : ByteVector.fromMemorySegment(B_PER_F, w, p + 2 + c, LITTLE);
                FloatVector lo = (FloatVector) packed.and((byte) 0x0F).castShape(F, 0);
                FloatVector flipped = (FloatVector) packed.lanewise(VectorOperators.XOR, (byte) 0x80).castShape(F, 0);
                FloatVector t = flipped.fma(FloatVector.fromMemorySegment(F, xf, pc + 64 + 4L * c, LITTLE), FloatVector.fromMemorySegment(F, xf, pc + 128 + 4L * c, LITTLE));
                s = s.add(lo.fma(FloatVector.fromMemorySegment(F, xf, pc + 4L * c, LITTLE), t));
            }
            float d = HalfFloats.f16ToFloat(w.get(LE.SHORT, p)) * xf.get(LE.FLOAT, x0 + scales + 4L * blk);
            acc = s.fma(FloatVector.broadcast(F, d), acc);
        }
        float[] buf = new float[L];
        acc.intoArray(buf, 0);
        return Lanes.sum(buf, 0);
    }

    /** Four {@link #q4x1} results, each weight block's nibbles decoded once. */
    static void q4x4(MemorySegment w, long row, MemorySegment xf, long x0, long xs, long scales, long abc, int blocks,
            MemorySegment y, long y0, long ys) {
        FloatVector accA = FloatVector.zero(F), accB = accA, accC = accA, accD = accA;
        long xa = x0, xb = x0 + xs, xc = x0 + 2 * xs, xd = x0 + 3 * xs;
        for (int blk = 0; blk < blocks; blk++) {
            long p = row + 18L * blk;
            long pb = abc + 3L * 64 * blk;
            FloatVector sA = FloatVector.zero(F), sB = sA, sC = sA, sD = sA;
            for (int c = 0; c < 16; c += L) {
                ByteVector packed = PADDED ? ByteVector.fromMemorySegment(B_PER_F, w, p + 2 + c, LITTLE, USED) : ByteVector.fromMemorySegment(B_PER_F, w, p + 2 + c, LITTLE);
                FloatVector lo = (FloatVector) packed.and((byte) 0x0F).castShape(F, 0);
                FloatVector fl = (FloatVector) packed.lanewise(VectorOperators.XOR, (byte) 0x80).castShape(F, 0);
                long pc = pb + 4L * c;
                sA = sA.add(lo.fma(FloatVector.fromMemorySegment(F, xf, xa + pc, LITTLE), fl.fma(FloatVector.fromMemorySegment(F, xf, xa + pc + 64, LITTLE), FloatVector.fromMemorySegment(F, xf, xa + pc + 128, LITTLE))));
                sB = sB.add(lo.fma(FloatVector.fromMemorySegment(F, xf, xb + pc, LITTLE), fl.fma(FloatVector.fromMemorySegment(F, xf, xb + pc + 64, LITTLE), FloatVector.fromMemorySegment(F, xf, xb + pc + 128, LITTLE))));
                sC = sC.add(lo.fma(FloatVector.fromMemorySegment(F, xf, xc + pc, LITTLE), fl.fma(FloatVector.fromMemorySegment(F, xf, xc + pc + 64, LITTLE), FloatVector.fromMemorySegment(F, xf, xc + pc + 128, LITTLE))));
                sD = sD.add(lo.fma(FloatVector.fromMemorySegment(F, xf, xd + pc, LITTLE), fl.fma(FloatVector.fromMemorySegment(F, xf, xd + pc + 64, LITTLE), FloatVector.fromMemorySegment(F, xf, xd + pc + 128, LITTLE))));
            }
            float dw = HalfFloats.f16ToFloat(w.get(LE.SHORT, p));
            long ps = scales + 4L * blk;
            accA = sA.fma(FloatVector.broadcast(F, dw * xf.get(LE.FLOAT, xa + ps)), accA);
            accB = sB.fma(FloatVector.broadcast(F, dw * xf.get(LE.FLOAT, xb + ps)), accB);
            accC = sC.fma(FloatVector.broadcast(F, dw * xf.get(LE.FLOAT, xc + ps)), accC);
            accD = sD.fma(FloatVector.broadcast(F, dw * xf.get(LE.FLOAT, xd + ps)), accD);
        }
        float[] buf = new float[4 * L];
        accA.intoArray(buf, 0);
        accB.intoArray(buf, L);
        accC.intoArray(buf, 2 * L);
        accD.intoArray(buf, 3 * L);
        storeSums4(buf, y, y0, ys);
    }

    /** y[v] at {@code y0 + v·ys} = the fixed-order sum of the v-th L floats of {@code buf}, v &lt; 4. */
    private static void storeSums4(float[] buf, MemorySegment y, long y0, long ys) {
        for (int v = 0; v < 4; v++) {
            y.set(LE.FLOAT, y0 + v * ys, Lanes.sum(buf, v * L));
        }
    }
}
