package dev.llmj.kernels.vector;

import static dev.llmj.kernels.VectorWidths.B_PER_F;
import static dev.llmj.kernels.VectorWidths.F;
import static dev.llmj.kernels.VectorWidths.F_LANES;
import static dev.llmj.kernels.VectorWidths.I;

import dev.llmj.tensor.LE;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Batched decoding of Q4_0/Q8_0 rows at 512 bits: two rows × eight activation vectors, each
 * block of both rows decoded in registers once (as {@link DecodeRows} decodes it) and used for
 * all eight vectors. Each (row, vector) accumulator has the order of {@link BatchTiles} and
 * {@link DecodeRows} (elements 32·blk..+15, then +16..+31, block by block; then
 * {@link Lanes#sum}), so results are bit-identical to theirs and to the scalar twin.
 *
 * <p>Why: the 4 × 4 tile over a dequantized float[] panel paid for each weight a decode, a store
 * and a reload per four vectors, about 15 cycles per 16 weights at b = 8 against the 8 fma
 * cycles the products need. Here the decoded block stays in registers: per block and row 4 to 6
 * decode operations serve 16 fmas; 16 accumulators, two decoded weight vectors and the
 * activation vector being used fit in the 32 vector registers.
 *
 * <p>The accumulators spill to {@code acc} (row-major: row 0's eight vectors, then row 1's) and
 * {@link #finish} sums them in a separate call: summing inside made the tile too large for C2's
 * inlining budget, whose vector intrinsics then failed (see {@link BatchTiles#r4v4}). For the
 * same reason the two kernels repeat their 32 fma lines rather than share them: a helper taking
 * the decoded vectors and sixteen accumulators would box them wherever C2 did not inline it.
 */
final class DecodeTiles {
    private DecodeTiles() {}

    private static final int L = F_LANES;
    private static final ByteOrder LITTLE = ByteOrder.LITTLE_ENDIAN;
    /** Vectors per tile. */
    static final int V = 8;
    /** Floats of accumulator scratch per tile: 2 rows × 8 vectors × L lanes. */
    static final int ACC_FLOATS = 2 * V * L;

    /**
     * Q4_0 rows at byte offsets {@code p}, {@code p1} of {@code w} × the vectors at
     * {@code xv[x0 + i·xs ..]} (i &lt; 8), accumulators to {@code acc}. Per block and row: the table
     * t = d·(−8..7) and the nibbles as int lanes, w = t[q &amp; 15] then t[q &gt;&gt;&gt; 4].
     */
    static void q4r2v8(MemorySegment w, long p, long p1, float[] xv, int x0, int xs, int blocks, float[] acc) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        FloatVector b0 = a0, b1 = a0, b2 = a0, b3 = a0, b4 = a0, b5 = a0, b6 = a0, b7 = a0;
        for (int blk = 0; blk < blocks; blk++) {
            long o = 18L * blk;
            int xo = x0 + 32 * blk;
            IntVector t0 = DecodeRows.M8.mul(Float.float16ToFloat(w.get(LE.SHORT, p + o))).reinterpretAsInts();
            IntVector t1 = DecodeRows.M8.mul(Float.float16ToFloat(w.get(LE.SHORT, p1 + o))).reinterpretAsInts();
            IntVector q0 = (IntVector) ByteVector.fromMemorySegment(B_PER_F, w, p + o + 2, LITTLE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
            IntVector q1 = (IntVector) ByteVector.fromMemorySegment(B_PER_F, w, p1 + o + 2, LITTLE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
            FloatVector u = q0.and(0x0F).selectFrom(t0).reinterpretAsFloats();
            FloatVector v = q1.and(0x0F).selectFrom(t1).reinterpretAsFloats();
            FloatVector x;
            x = FloatVector.fromArray(F, xv, xo);
            a0 = u.fma(x, a0);
            b0 = v.fma(x, b0);
            x = FloatVector.fromArray(F, xv, xo + xs);
            a1 = u.fma(x, a1);
            b1 = v.fma(x, b1);
            x = FloatVector.fromArray(F, xv, xo + 2 * xs);
            a2 = u.fma(x, a2);
            b2 = v.fma(x, b2);
            x = FloatVector.fromArray(F, xv, xo + 3 * xs);
            a3 = u.fma(x, a3);
            b3 = v.fma(x, b3);
            x = FloatVector.fromArray(F, xv, xo + 4 * xs);
            a4 = u.fma(x, a4);
            b4 = v.fma(x, b4);
            x = FloatVector.fromArray(F, xv, xo + 5 * xs);
            a5 = u.fma(x, a5);
            b5 = v.fma(x, b5);
            x = FloatVector.fromArray(F, xv, xo + 6 * xs);
            a6 = u.fma(x, a6);
            b6 = v.fma(x, b6);
            x = FloatVector.fromArray(F, xv, xo + 7 * xs);
            a7 = u.fma(x, a7);
            b7 = v.fma(x, b7);
            u = q0.lanewise(VectorOperators.LSHR, 4).selectFrom(t0).reinterpretAsFloats();
            v = q1.lanewise(VectorOperators.LSHR, 4).selectFrom(t1).reinterpretAsFloats();
            x = FloatVector.fromArray(F, xv, xo + 16);
            a0 = u.fma(x, a0);
            b0 = v.fma(x, b0);
            x = FloatVector.fromArray(F, xv, xo + xs + 16);
            a1 = u.fma(x, a1);
            b1 = v.fma(x, b1);
            x = FloatVector.fromArray(F, xv, xo + 2 * xs + 16);
            a2 = u.fma(x, a2);
            b2 = v.fma(x, b2);
            x = FloatVector.fromArray(F, xv, xo + 3 * xs + 16);
            a3 = u.fma(x, a3);
            b3 = v.fma(x, b3);
            x = FloatVector.fromArray(F, xv, xo + 4 * xs + 16);
            a4 = u.fma(x, a4);
            b4 = v.fma(x, b4);
            x = FloatVector.fromArray(F, xv, xo + 5 * xs + 16);
            a5 = u.fma(x, a5);
            b5 = v.fma(x, b5);
            x = FloatVector.fromArray(F, xv, xo + 6 * xs + 16);
            a6 = u.fma(x, a6);
            b6 = v.fma(x, b6);
            x = FloatVector.fromArray(F, xv, xo + 7 * xs + 16);
            a7 = u.fma(x, a7);
            b7 = v.fma(x, b7);
        }
        a0.intoArray(acc, 0 * L);
        a1.intoArray(acc, 1 * L);
        a2.intoArray(acc, 2 * L);
        a3.intoArray(acc, 3 * L);
        a4.intoArray(acc, 4 * L);
        a5.intoArray(acc, 5 * L);
        a6.intoArray(acc, 6 * L);
        a7.intoArray(acc, 7 * L);
        b0.intoArray(acc, 8 * L);
        b1.intoArray(acc, 9 * L);
        b2.intoArray(acc, 10 * L);
        b3.intoArray(acc, 11 * L);
        b4.intoArray(acc, 12 * L);
        b5.intoArray(acc, 13 * L);
        b6.intoArray(acc, 14 * L);
        b7.intoArray(acc, 15 * L);
    }

    /** As {@link #q4r2v8} for Q8_0 rows: w = q·d (one float product), elements 0..15 then 16..31. */
    static void q8r2v8(MemorySegment w, long p, long p1, float[] xv, int x0, int xs, int blocks, float[] acc) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        FloatVector b0 = a0, b1 = a0, b2 = a0, b3 = a0, b4 = a0, b5 = a0, b6 = a0, b7 = a0;
        for (int blk = 0; blk < blocks; blk++) {
            long o = 34L * blk;
            int xo = x0 + 32 * blk;
            FloatVector d0 = FloatVector.broadcast(F, Float.float16ToFloat(w.get(LE.SHORT, p + o)));
            FloatVector d1 = FloatVector.broadcast(F, Float.float16ToFloat(w.get(LE.SHORT, p1 + o)));
            FloatVector u = ((FloatVector) ByteVector.fromMemorySegment(B_PER_F, w, p + o + 2, LITTLE).castShape(F, 0)).mul(d0);
            FloatVector v = ((FloatVector) ByteVector.fromMemorySegment(B_PER_F, w, p1 + o + 2, LITTLE).castShape(F, 0)).mul(d1);
            FloatVector x;
            x = FloatVector.fromArray(F, xv, xo);
            a0 = u.fma(x, a0);
            b0 = v.fma(x, b0);
            x = FloatVector.fromArray(F, xv, xo + xs);
            a1 = u.fma(x, a1);
            b1 = v.fma(x, b1);
            x = FloatVector.fromArray(F, xv, xo + 2 * xs);
            a2 = u.fma(x, a2);
            b2 = v.fma(x, b2);
            x = FloatVector.fromArray(F, xv, xo + 3 * xs);
            a3 = u.fma(x, a3);
            b3 = v.fma(x, b3);
            x = FloatVector.fromArray(F, xv, xo + 4 * xs);
            a4 = u.fma(x, a4);
            b4 = v.fma(x, b4);
            x = FloatVector.fromArray(F, xv, xo + 5 * xs);
            a5 = u.fma(x, a5);
            b5 = v.fma(x, b5);
            x = FloatVector.fromArray(F, xv, xo + 6 * xs);
            a6 = u.fma(x, a6);
            b6 = v.fma(x, b6);
            x = FloatVector.fromArray(F, xv, xo + 7 * xs);
            a7 = u.fma(x, a7);
            b7 = v.fma(x, b7);
            u = ((FloatVector) ByteVector.fromMemorySegment(B_PER_F, w, p + o + 18, LITTLE).castShape(F, 0)).mul(d0);
            v = ((FloatVector) ByteVector.fromMemorySegment(B_PER_F, w, p1 + o + 18, LITTLE).castShape(F, 0)).mul(d1);
            x = FloatVector.fromArray(F, xv, xo + 16);
            a0 = u.fma(x, a0);
            b0 = v.fma(x, b0);
            x = FloatVector.fromArray(F, xv, xo + xs + 16);
            a1 = u.fma(x, a1);
            b1 = v.fma(x, b1);
            x = FloatVector.fromArray(F, xv, xo + 2 * xs + 16);
            a2 = u.fma(x, a2);
            b2 = v.fma(x, b2);
            x = FloatVector.fromArray(F, xv, xo + 3 * xs + 16);
            a3 = u.fma(x, a3);
            b3 = v.fma(x, b3);
            x = FloatVector.fromArray(F, xv, xo + 4 * xs + 16);
            a4 = u.fma(x, a4);
            b4 = v.fma(x, b4);
            x = FloatVector.fromArray(F, xv, xo + 5 * xs + 16);
            a5 = u.fma(x, a5);
            b5 = v.fma(x, b5);
            x = FloatVector.fromArray(F, xv, xo + 6 * xs + 16);
            a6 = u.fma(x, a6);
            b6 = v.fma(x, b6);
            x = FloatVector.fromArray(F, xv, xo + 7 * xs + 16);
            a7 = u.fma(x, a7);
            b7 = v.fma(x, b7);
        }
        a0.intoArray(acc, 0 * L);
        a1.intoArray(acc, 1 * L);
        a2.intoArray(acc, 2 * L);
        a3.intoArray(acc, 3 * L);
        a4.intoArray(acc, 4 * L);
        a5.intoArray(acc, 5 * L);
        a6.intoArray(acc, 6 * L);
        a7.intoArray(acc, 7 * L);
        b0.intoArray(acc, 8 * L);
        b1.intoArray(acc, 9 * L);
        b2.intoArray(acc, 10 * L);
        b3.intoArray(acc, 11 * L);
        b4.intoArray(acc, 12 * L);
        b5.intoArray(acc, 13 * L);
        b6.intoArray(acc, 14 * L);
        b7.intoArray(acc, 15 * L);
    }

    /**
     * Sums a tile's sixteen accumulators together ({@link Lanes#sum16}: each the bits of
     * {@link Lanes#sum}; one by one they cost 8 % of a batched step) and stores y[i][row] at
     * {@code y0 + i·ys} (row p) and {@code y1 + i·ys} (row p1) for i &lt; 8.
     */
    static void finish(float[] acc, MemorySegment y, long y0, long y1, long ys) {
        Lanes.sum16(acc, acc);
        for (int i = 0; i < V; i++) {
            y.set(LE.FLOAT, y0 + i * ys, acc[i]);
            y.set(LE.FLOAT, y1 + i * ys, acc[V + i]);
        }
    }
}
