package dev.llmj.kernels.vector;

import static dev.llmj.kernels.VectorWidths.F;
import static dev.llmj.kernels.VectorWidths.I;
import static dev.llmj.kernels.VectorWidths.S;

import dev.llmj.kernels.InterleavedQ8_0;
import dev.llmj.kernels.KernelExecutor;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

/**
 * GEMV on {@link InterleavedQ8_0} tiles with Q8_0 activations, in 16-bit integer lanes, one row
 * per lane as {@link InterleavedQ4_0Gemv} does. Each activation is split into base-16 digits
 * x = 16·h + l (h in −8..8, l in −8..7, prepared once per call), and per column the row values,
 * sign-extended by a shift pair, are multiplied with h and with l into two short sums: both stay
 * within ±32512 over a 32-column block (values are −127..127, see {@link InterleavedQ8_0}). Per
 * block 16·Σh + Σl is the exact integer sum, split into even and odd rows as int lanes and fma'd
 * with the rows' scales times the activation scale: {@code ScalarInterleavedQ8_0}'s result bit for
 * bit.
 *
 * <p>Per column that is two multiplies and two adds (plus 1.5 shifts) for 32 rows, against the
 * float kernel's widening, conversion, scale product and fma per 16 weights of one row. Same
 * JMH-free loop, one thread, 110m shapes: in cache 1.5× the float kernel; from DRAM, with row
 * groups read in pairs ({@link InterleavedQ4_0Gemv#eachRowGroup}), 1.3–1.5×.
 */
final class InterleavedQ8_0Gemv {
    private InterleavedQ8_0Gemv() {}

    private static final ByteOrder LITTLE = ByteOrder.LITTLE_ENDIAN;
    private static final int IL = I.length();
    /** 2^112: rebiases a binary16 exponent placed in a float (see {@code HalfVectors}). */
    private static final float REBIAS = 0x1p112f;

    /**
     * ys[i] (b vectors of ws[i].rows() floats from yOffs[i]) = ws[i] · xs[v] for every v, all the
     * weights' row groups in one parallel job; every ws[i] has the same column count.
     */
    static void gemvBatchGroup(KernelExecutor executor, InterleavedQ8_0[] ws, MemorySegment xs, long xOff, int b,
            MemorySegment[] ys, long[] yOffs) {
        int cols = ws[0].cols();
        int blocks = cols / 32;
        long call = InterleavedQ4_0Gemv.newCall();
        InterleavedQ4_0Gemv.eachRowGroup(executor, ws, b, ys, yOffs, (i, g, i2, g2, p, v, out, o) -> {
            InterleavedQ4_0Gemv.Activations a = InterleavedQ4_0Gemv.activations(call, xs, xOff, b, cols);
            if (a.derivedCall != call) {
                digits(a, b * cols);
                a.derivedCall = call;
            }
            int[] high = a.high;
            int[] low = a.low;
            long off = ws[i].tile(g, 0) + 4L * IL * p;
            if (i2 >= 0) {
                part2(ws[i].tiles(), off, ws[i2].tiles(), ws[i2].tile(g2, 0) + 4L * IL * p, blocks, high, low, v * cols,
                        a.dx, v * blocks, out, o);
            } else {
                part(ws[i].tiles(), off, blocks, high, low, v * cols, a.dx, v * blocks, out, o);
            }
            return 1;
        });
    }

    /** {@link #digits(int[], int[], int[], int)} of a.pairs into a.high and a.low (n activations). */
    private static void digits(InterleavedQ4_0Gemv.Activations a, int n) {
        if (a.high.length < n) {
            a.high = new int[n];
            a.low = new int[n];
        }
        digits(a.pairs, a.high, a.low, n);
    }

    /**
     * The activations' digits from {@code pairs} (each a short twice in an int, see
     * {@link InterleavedQ4_0Gemv#prepare}): h = (x + 8) &gt;&gt; 4 and l = x − 16h, each again twice in an int.
     */
    static void digits(int[] pairs, int[] high, int[] low, int n) {
        int i = 0;
        for (; i <= n - IL; i += IL) {
            IntVector x = IntVector.fromArray(I, pairs, i).lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16);
            IntVector h = x.add(8).lanewise(VectorOperators.ASHR, 4);
            IntVector l = x.sub(h.lanewise(VectorOperators.LSHL, 4));
            h.and(0xFFFF).mul(0x10001).intoArray(high, i);
            l.and(0xFFFF).mul(0x10001).intoArray(low, i);
        }
        for (; i < n; i++) {
            int x = (short) pairs[i];
            int h = (x + 8) >> 4;
            high[i] = (h & 0xFFFF) * 0x10001;
            low[i] = ((x - 16 * h) & 0xFFFF) * 0x10001;
        }
    }

    /**
     * 2·IL rows of one row group against one vector: {@code off} is the part's first byte in the
     * group's first tile (its shorts in every chunk, and its scales, sit at the same offset);
     * results go to out[o ..] in row order.
     */
    private static void part(MemorySegment t, long off, int blocks, int[] high, int[] low, int x0, float[] dx, int d0,
            float[] out, int o) {
        FloatVector even = FloatVector.zero(F);
        FloatVector odd = FloatVector.zero(F);
        ShortVector eight = ShortVector.broadcast(S, (short) 8);
        for (int blk = 0; blk < blocks; blk++, off += InterleavedQ8_0.TILE_BYTES) {
            ShortVector sh = ShortVector.zero(S);
            ShortVector sl = ShortVector.zero(S);
            int j = x0 + 32 * blk;
            for (int c = 0; c < 16; c++, j += 2) {
                // column 2c in each short's low byte, 2c + 1 in its high one, sign-extended by an
                // int shift left and a short shift right by a vector of 8s (see InterleavedQ4_0Gemv)
                IntVector w = IntVector.fromMemorySegment(I, t, off + 64L * c, LITTLE);
                ShortVector q0 = ((ShortVector) w.lanewise(VectorOperators.LSHL, 8).reinterpretShape(S, 0))
                        .lanewise(VectorOperators.ASHR, eight);
                ShortVector q1 = ((ShortVector) w.reinterpretShape(S, 0)).lanewise(VectorOperators.ASHR, eight);
                sh = sh.add(q0.mul((ShortVector) IntVector.broadcast(I, high[j]).reinterpretShape(S, 0)))
                        .add(q1.mul((ShortVector) IntVector.broadcast(I, high[j + 1]).reinterpretShape(S, 0)));
                sl = sl.add(q0.mul((ShortVector) IntVector.broadcast(I, low[j]).reinterpretShape(S, 0)))
                        .add(q1.mul((ShortVector) IntVector.broadcast(I, low[j + 1]).reinterpretShape(S, 0)));
            }
            // 16·Σh + Σl per row: even rows from the low shorts of the int lanes, odd from the high
            IntVector h = (IntVector) sh.reinterpretShape(I, 0);
            IntVector l = (IntVector) sl.reinterpretShape(I, 0);
            IntVector sumEven = h.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 12)
                    .add(l.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
            IntVector sumOdd = h.lanewise(VectorOperators.ASHR, 16).lanewise(VectorOperators.LSHL, 4)
                    .add(l.lanewise(VectorOperators.ASHR, 16));
            // the rows' scales widened as in InterleavedQ4_0Gemv.part
            IntVector d = IntVector.fromMemorySegment(I, t, off + InterleavedQ8_0.SCALES, LITTLE);
            IntVector dEven = d.lanewise(VectorOperators.LSHL, 13).and(0x0FFFE000)
                    .or(d.lanewise(VectorOperators.LSHL, 16).and(0x80000000));
            IntVector dOdd = d.lanewise(VectorOperators.LSHR, 3).and(0x0FFFE000).or(d.and(0x80000000));
            float dxb = dx[d0 + blk] * REBIAS;
            even = ((FloatVector) sumEven.convert(VectorOperators.I2F, 0))
                    .fma(((FloatVector) dEven.reinterpretShape(F, 0)).mul(dxb), even);
            odd = ((FloatVector) sumOdd.convert(VectorOperators.I2F, 0))
                    .fma(((FloatVector) dOdd.reinterpretShape(F, 0)).mul(dxb), odd);
        }
        even.intoArray(out, InterleavedQ4_0Gemv.EVEN_ODD);
        odd.intoArray(out, InterleavedQ4_0Gemv.EVEN_ODD + IL);
        InterleavedQ4_0Gemv.toRowOrder(out, o);
    }

    /**
     * {@link #part} for two row groups at once (tiles from {@code off} in t and from {@code off2} in
     * t2), reading two streams of tiles side by side; each group's sums and fma chain are
     * {@link #part}'s. Results go to out[o ..] and out[{@link InterleavedQ4_0Gemv#PAIRED} + o ..].
     * Written out for both groups: a helper returning vectors would be boxed where C2 declines to
     * inline it.
     */
    private static void part2(MemorySegment t, long off, MemorySegment t2, long off2, int blocks, int[] high, int[] low,
            int x0, float[] dx, int d0, float[] out, int o) {
        FloatVector even = FloatVector.zero(F);
        FloatVector odd = FloatVector.zero(F);
        FloatVector even2 = FloatVector.zero(F);
        FloatVector odd2 = FloatVector.zero(F);
        ShortVector eight = ShortVector.broadcast(S, (short) 8);
        for (int blk = 0; blk < blocks; blk++, off += InterleavedQ8_0.TILE_BYTES, off2 += InterleavedQ8_0.TILE_BYTES) {
            ShortVector sh = ShortVector.zero(S);
            ShortVector sl = ShortVector.zero(S);
            ShortVector sh2 = ShortVector.zero(S);
            ShortVector sl2 = ShortVector.zero(S);
            int j = x0 + 32 * blk;
            for (int c = 0; c < 16; c++, j += 2) {
                ShortVector h0 = (ShortVector) IntVector.broadcast(I, high[j]).reinterpretShape(S, 0);
                ShortVector h1 = (ShortVector) IntVector.broadcast(I, high[j + 1]).reinterpretShape(S, 0);
                ShortVector l0 = (ShortVector) IntVector.broadcast(I, low[j]).reinterpretShape(S, 0);
                ShortVector l1 = (ShortVector) IntVector.broadcast(I, low[j + 1]).reinterpretShape(S, 0);
                IntVector w = IntVector.fromMemorySegment(I, t, off + 64L * c, LITTLE);
                ShortVector q0 = ((ShortVector) w.lanewise(VectorOperators.LSHL, 8).reinterpretShape(S, 0))
                        .lanewise(VectorOperators.ASHR, eight);
                ShortVector q1 = ((ShortVector) w.reinterpretShape(S, 0)).lanewise(VectorOperators.ASHR, eight);
                sh = sh.add(q0.mul(h0)).add(q1.mul(h1));
                sl = sl.add(q0.mul(l0)).add(q1.mul(l1));
                IntVector w2 = IntVector.fromMemorySegment(I, t2, off2 + 64L * c, LITTLE);
                ShortVector r0 = ((ShortVector) w2.lanewise(VectorOperators.LSHL, 8).reinterpretShape(S, 0))
                        .lanewise(VectorOperators.ASHR, eight);
                ShortVector r1 = ((ShortVector) w2.reinterpretShape(S, 0)).lanewise(VectorOperators.ASHR, eight);
                sh2 = sh2.add(r0.mul(h0)).add(r1.mul(h1));
                sl2 = sl2.add(r0.mul(l0)).add(r1.mul(l1));
            }
            float dxb = dx[d0 + blk] * REBIAS;
            IntVector h = (IntVector) sh.reinterpretShape(I, 0);
            IntVector l = (IntVector) sl.reinterpretShape(I, 0);
            IntVector d = IntVector.fromMemorySegment(I, t, off + InterleavedQ8_0.SCALES, LITTLE);
            even = ((FloatVector) h.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 12)
                    .add(l.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16))
                    .convert(VectorOperators.I2F, 0))
                    .fma(((FloatVector) d.lanewise(VectorOperators.LSHL, 13).and(0x0FFFE000)
                            .or(d.lanewise(VectorOperators.LSHL, 16).and(0x80000000)).reinterpretShape(F, 0)).mul(dxb), even);
            odd = ((FloatVector) h.lanewise(VectorOperators.ASHR, 16).lanewise(VectorOperators.LSHL, 4)
                    .add(l.lanewise(VectorOperators.ASHR, 16)).convert(VectorOperators.I2F, 0))
                    .fma(((FloatVector) d.lanewise(VectorOperators.LSHR, 3).and(0x0FFFE000).or(d.and(0x80000000))
                            .reinterpretShape(F, 0)).mul(dxb), odd);
            IntVector h2 = (IntVector) sh2.reinterpretShape(I, 0);
            IntVector l2 = (IntVector) sl2.reinterpretShape(I, 0);
            IntVector e = IntVector.fromMemorySegment(I, t2, off2 + InterleavedQ8_0.SCALES, LITTLE);
            even2 = ((FloatVector) h2.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 12)
                    .add(l2.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16))
                    .convert(VectorOperators.I2F, 0))
                    .fma(((FloatVector) e.lanewise(VectorOperators.LSHL, 13).and(0x0FFFE000)
                            .or(e.lanewise(VectorOperators.LSHL, 16).and(0x80000000)).reinterpretShape(F, 0)).mul(dxb), even2);
            odd2 = ((FloatVector) h2.lanewise(VectorOperators.ASHR, 16).lanewise(VectorOperators.LSHL, 4)
                    .add(l2.lanewise(VectorOperators.ASHR, 16)).convert(VectorOperators.I2F, 0))
                    .fma(((FloatVector) e.lanewise(VectorOperators.LSHR, 3).and(0x0FFFE000).or(e.and(0x80000000))
                            .reinterpretShape(F, 0)).mul(dxb), odd2);
        }
        even.intoArray(out, InterleavedQ4_0Gemv.EVEN_ODD);
        odd.intoArray(out, InterleavedQ4_0Gemv.EVEN_ODD + IL);
        InterleavedQ4_0Gemv.toRowOrder(out, o);
        even2.intoArray(out, InterleavedQ4_0Gemv.EVEN_ODD);
        odd2.intoArray(out, InterleavedQ4_0Gemv.EVEN_ODD + IL);
        InterleavedQ4_0Gemv.toRowOrder(out, InterleavedQ4_0Gemv.PAIRED + o);
    }
}
