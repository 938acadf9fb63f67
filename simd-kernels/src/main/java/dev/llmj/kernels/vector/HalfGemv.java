package dev.llmj.kernels.vector;

import static dev.llmj.kernels.VectorWidths.F;
import static dev.llmj.kernels.VectorWidths.F_LANES;
import static dev.llmj.kernels.VectorWidths.I;
import static dev.llmj.kernels.VectorWidths.S_PER_F;

import dev.llmj.kernels.KernelExecutor;
import dev.llmj.kernels.Scratch;
import dev.llmj.kernels.WeightMatrix;
import dev.llmj.tensor.HalfFloats;
import dev.llmj.tensor.LE;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * Batched GEMV for F16 weights (what decoding several sequences of an F16 model runs). Each pair of
 * rows is widened to floats once into a per-thread float[] ({@link #widen}) and then dotted with
 * every vector of the batch ({@link #pairDot}), each result bit for bit {@link VectorDot#dotF16} of
 * its row and vector: the same floats in the same order (two accumulators over 2L-wide steps, one
 * L step, the fixed lane fold, a scalar fma tail). Rows are paired as {@link RowPairs} says (two
 * long streams per thread); the later vectors find the widened pair in
 * L1, so the sequences share one pass over the weights and one widening.
 *
 * Four vectors at a time go through {@link #pairDot4}, whose sixteen accumulators let each loaded
 * weight serve four vectors and each loaded activation both rows (the activations of a batch
 * outgrow L1; {@link #pairDot} alone ran 4× above the fma count).
 *
 * <p>Measured on an 8192 × 4096 F16 matrix, one thread, ms per vector: dot per row per vector 3.8
 * (b = 1), 5.8 (b = 2, 4, 8: each vector streams the weights again); here 6.3 (b = 2), 3.0 (b = 4),
 * 2.0–2.2 (b = 8). Hence {@link #MIN_BATCH}. BF16 stays with the dot per row: its widening is one
 * shift, so the copy costs more than it saves (b = 2: 5.3 against 3.3; b = 8: 2.8 against 3.2,
 * measured before {@link #pairDot4}).
 */
final class HalfGemv {
    private HalfGemv() {}

    private static final int L = F_LANES;
    /** Fewest vectors for which the shared widening pays (see the class comment). */
    static final int MIN_BATCH = 4;

    /** Per-thread: the two rows of a pair widened to floats. */
    private static final ThreadLocal<float[]> ROWS = ThreadLocal.withInitial(() -> new float[0]);

    /** ys[v] = w·xs[v] (the {@code gemvBatch} layout) for F16 rows. */
    static void gemvBatch(KernelExecutor executor, WeightMatrix wm, MemorySegment xs, long xOff, int b,
            MemorySegment ys, long yOff) {
        int cols = wm.cols();
        int rows = wm.rows();
        float[] xa = VectorGemvBatch.activations(xs, xOff, b * cols);
        MemorySegment base = wm.base();
        executor.reaching(base, xs, ys).parallelRanges(rows, 16, (from, to) -> {
            float[] buf = new float[2 * L];
            float[] pair = Scratch.floats(ROWS, 2 * cols);
            float[] sums = new float[8 * L];
            for (int i = 0; i < RowPairs.count(from, to); i++) {
                int r0 = from + i;
                int r1 = RowPairs.partner(from, to, i);
                widen(base, wm.row(r0), cols, pair, 0);
                widen(base, wm.row(r1), cols, pair, cols);
                int v = 0;
                for (; v + 4 <= b; v += 4) {
                    pairDot4(pair, cols, xa, v * cols, cols, sums);
                    finish4(sums, pair, cols, xa, v * cols, cols, ys, yOff + 4L * v * rows, 4L * rows, r0, r1);
                }
                for (; v < b; v++) {
                    pairDot(pair, cols, xa, v * cols, buf);
                    long yv = yOff + 4L * v * rows;
                    ys.set(LE.FLOAT, yv + 4L * r0, buf[0]);
                    ys.set(LE.FLOAT, yv + 4L * r1, buf[1]);
                }
            }
        });
    }

    private static final float REBIAS = 0x1p112f;

    /**
     * n binary16 values at byte offset p of w into out[o .. o + n), each the float the dot uses: L at
     * a time by {@link HalfVectors#f16}'s arithmetic (e and m moved 13 bits up, times 2^112; e = 31
     * to the float's all-ones exponent) below F.loopBound(n), the scalar conversion above, exactly
     * where {@link VectorDot#dotF16} switches. Written out here, not called, because a vector
     * returned from a call C2 does not inline is boxed (measured: 49 KB per 64 × 512 GEMV through
     * {@link HalfVectors#f16}).
     */
    private static void widen(MemorySegment w, long p, int n, float[] out, int o) {
        int upper = F.loopBound(n);
        int i = 0;
        for (; i < upper; i += L) {
            IntVector h = (IntVector) ShortVector.fromMemorySegment(S_PER_F, w, p + 2L * i, ByteOrder.LITTLE_ENDIAN).castShape(I, 0);
            IntVector bits = h.and(0x7FFF).lanewise(VectorOperators.LSHL, 13).or(h.and(0x8000).lanewise(VectorOperators.LSHL, 16));
            FloatVector finite = bits.reinterpretAsFloats().mul(REBIAS);
            VectorMask<Integer> special = h.and(0x7C00).compare(VectorOperators.EQ, 0x7C00);
            if (special.anyTrue()) {
                finite.reinterpretAsInts().blend(bits.or(0x7F800000), special).reinterpretAsFloats().intoArray(out, o + i);
            } else {
                finite.intoArray(out, o + i);
            }
        }
        for (; i < n; i++) {
            out[o + i] = HalfFloats.f16ToFloat(w.get(LE.SHORT, p + 2L * i));
        }
    }

    /**
     * The widened rows pair[0 .. n) and pair[n .. 2n) × xa[x0 .. x0 + n); results to buf[0] and
     * buf[1], in {@link VectorDot#dotF16}'s order: two accumulators over 2L-wide steps, one L step
     * into the first, their sum folded by {@link Lanes#sum}, then a scalar fma tail.
     */
    private static void pairDot(float[] pair, int n, float[] xa, int x0, float[] buf) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, c0 = a0, c1 = a0;
        int i = 0;
        int upper2 = n - n % (2 * L);
        for (; i < upper2; i += 2 * L) {
            FloatVector x = FloatVector.fromArray(F, xa, x0 + i);
            FloatVector xn = FloatVector.fromArray(F, xa, x0 + i + L);
            a0 = FloatVector.fromArray(F, pair, i).fma(x, a0);
            c0 = FloatVector.fromArray(F, pair, n + i).fma(x, c0);
            a1 = FloatVector.fromArray(F, pair, i + L).fma(xn, a1);
            c1 = FloatVector.fromArray(F, pair, n + i + L).fma(xn, c1);
        }
        int upper = F.loopBound(n);
        for (; i < upper; i += L) {
            FloatVector x = FloatVector.fromArray(F, xa, x0 + i);
            a0 = FloatVector.fromArray(F, pair, i).fma(x, a0);
            c0 = FloatVector.fromArray(F, pair, n + i).fma(x, c0);
        }
        a0.add(a1).intoArray(buf, 0);
        c0.add(c1).intoArray(buf, L);
        Lanes.sumPair(buf);
        for (int k = i; k < n; k++) {
            float x = xa[x0 + k];
            buf[0] = Math.fma(pair[k], x, buf[0]);
            buf[1] = Math.fma(pair[n + k], x, buf[1]);
        }
    }

    /**
     * The widened pair × the four vectors at xa[x0 + k·xs ..] (k &lt; 4): {@link #pairDot}'s
     * accumulators for all eight (row, vector) pairs at once (16 registers), so each loaded weight
     * serves four vectors and each loaded activation two rows. Spills acc0 + acc1 of pair
     * (row r, vector k) to sums[(2k + r)·L ..] for {@link #finish4}.
     */
    private static void pairDot4(float[] pair, int n, float[] xa, int x0, int xs, float[] sums) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        FloatVector c0 = a0, c1 = a0, c2 = a0, c3 = a0, c4 = a0, c5 = a0, c6 = a0, c7 = a0;
        int i = 0;
        int upper2 = n - n % (2 * L);
        for (; i < upper2; i += 2 * L) {
            FloatVector u = FloatVector.fromArray(F, pair, i), un = FloatVector.fromArray(F, pair, i + L);
            FloatVector w = FloatVector.fromArray(F, pair, n + i), wn = FloatVector.fromArray(F, pair, n + i + L);
            FloatVector x, xn;
            x = FloatVector.fromArray(F, xa, x0 + i);
            xn = FloatVector.fromArray(F, xa, x0 + i + L);
            a0 = u.fma(x, a0);
            c0 = w.fma(x, c0);
            a1 = un.fma(xn, a1);
            c1 = wn.fma(xn, c1);
            x = FloatVector.fromArray(F, xa, x0 + xs + i);
            xn = FloatVector.fromArray(F, xa, x0 + xs + i + L);
            a2 = u.fma(x, a2);
            c2 = w.fma(x, c2);
            a3 = un.fma(xn, a3);
            c3 = wn.fma(xn, c3);
            x = FloatVector.fromArray(F, xa, x0 + 2 * xs + i);
            xn = FloatVector.fromArray(F, xa, x0 + 2 * xs + i + L);
            a4 = u.fma(x, a4);
            c4 = w.fma(x, c4);
            a5 = un.fma(xn, a5);
            c5 = wn.fma(xn, c5);
            x = FloatVector.fromArray(F, xa, x0 + 3 * xs + i);
            xn = FloatVector.fromArray(F, xa, x0 + 3 * xs + i + L);
            a6 = u.fma(x, a6);
            c6 = w.fma(x, c6);
            a7 = un.fma(xn, a7);
            c7 = wn.fma(xn, c7);
        }
        if (i < F.loopBound(n)) {
            FloatVector u = FloatVector.fromArray(F, pair, i);
            FloatVector w = FloatVector.fromArray(F, pair, n + i);
            FloatVector x;
            x = FloatVector.fromArray(F, xa, x0 + i);
            a0 = u.fma(x, a0);
            c0 = w.fma(x, c0);
            x = FloatVector.fromArray(F, xa, x0 + xs + i);
            a2 = u.fma(x, a2);
            c2 = w.fma(x, c2);
            x = FloatVector.fromArray(F, xa, x0 + 2 * xs + i);
            a4 = u.fma(x, a4);
            c4 = w.fma(x, c4);
            x = FloatVector.fromArray(F, xa, x0 + 3 * xs + i);
            a6 = u.fma(x, a6);
            c6 = w.fma(x, c6);
        }
        a0.add(a1).intoArray(sums, 0 * L);
        c0.add(c1).intoArray(sums, 1 * L);
        a2.add(a3).intoArray(sums, 2 * L);
        c2.add(c3).intoArray(sums, 3 * L);
        a4.add(a5).intoArray(sums, 4 * L);
        c4.add(c5).intoArray(sums, 5 * L);
        a6.add(a7).intoArray(sums, 6 * L);
        c6.add(c7).intoArray(sums, 7 * L);
    }

    /** Completes {@link #pairDot4}: per (row, vector) the lane sum and the scalar tail, stored to ys. */
    private static void finish4(float[] sums, float[] pair, int n, float[] xa, int x0, int xs, MemorySegment ys,
            long y0, long yStride, int r0, int r1) {
        int tail = F.loopBound(n);
        for (int k = 0; k < 4; k++) {
            float s0 = Lanes.sum(sums, 2 * k * L);
            float s1 = Lanes.sum(sums, (2 * k + 1) * L);
            int xk = x0 + k * xs;
            for (int j = tail; j < n; j++) {
                s0 = Math.fma(pair[j], xa[xk + j], s0);
                s1 = Math.fma(pair[n + j], xa[xk + j], s1);
            }
            long yk = y0 + k * yStride;
            ys.set(LE.FLOAT, yk + 4L * r0, s0);
            ys.set(LE.FLOAT, yk + 4L * r1, s1);
        }
    }
}
