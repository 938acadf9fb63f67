package dev.llmj.kernels.vector;

import static dev.llmj.kernels.VectorWidths.B_PER_S;
import static dev.llmj.kernels.VectorWidths.F;
import static dev.llmj.kernels.VectorWidths.I;
import static dev.llmj.kernels.VectorWidths.S;
import static dev.llmj.kernels.VectorWidths.S_PER_F;

import dev.llmj.kernels.InterleavedQ8_0;
import dev.llmj.kernels.KernelExecutor;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

/**
 * GEMV on {@link InterleavedQ8_0} tiles with Q8_0 activations, in 16-bit integer lanes. Each
 * activation is split into base-16 digits x = 16·h + l (h in −8..8, l in −8..7, prepared once per
 * call), and a chunk's bytes (two columns × 32 rows, row r's pair in short r) are read as they
 * lie, sign-extended byte by byte into shorts: lane 2r holds row r's value of the even column,
 * lane 2r + 1 of the odd one. Multiplied with an int broadcast holding the two columns' digits
 * (h of the even column in the low short, of the odd one in the high short), each lane sums the
 * products of its column parity: 16 per block, within ±16256. Per block the int lanes' two
 * shorts added give row r's Σh and Σl, 16·Σh + Σl the exact integer sum, fma'd with the row's
 * scale times the activation scale: {@code ScalarInterleavedQ8_0}'s result bit for bit, and in
 * row order.
 *
 * <p>Per column pair that is two byte-to-short loads, four multiplies and four adds for 32 rows.
 * The first form of this kernel sign-extended the bytes with a shift pair per column from one
 * 64-byte load (and split rows into even and odd): in cache that is 15 % faster (30 against 35 ps
 * per weight), but from DRAM, where decoding reads its weights, 12–16 % slower (2048 × 768, 50
 * copies cycled, one thread: 75–77 against 63–65 µs; 32000 × 768: 48 against 42 ps per weight).
 * So a batch's first vector reads each row group with the byte loads, and the later vectors, for
 * which the group is in cache, with that form ({@link #partCached}): 110m Q8_0 {@code --batch 8}, one
 * thread, 195–204 tok/s aggregate with the byte loads throughout, 221–226 so (221–224 before
 * either).
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
            long off = ws[i].tile(g, 0) + 4L * IL * p;
            if (v > 0) {
                // the group's tiles were just read for vector 0: from cache the shift form is faster
                if (i2 >= 0) {
                    part2Cached(ws[i].tiles(), off, ws[i2].tiles(), ws[i2].tile(g2, 0) + 4L * IL * p, blocks,
                            a.highTwice, a.lowTwice, v * cols, a.dx, v * blocks, out, o);
                } else {
                    partCached(ws[i].tiles(), off, blocks, a.highTwice, a.lowTwice, v * cols, a.dx, v * blocks, out, o);
                }
            } else if (i2 >= 0) {
                part2(ws[i].tiles(), off, ws[i2].tiles(), ws[i2].tile(g2, 0) + 4L * IL * p, blocks, a.high, a.low,
                        v * cols / 2, a.dx, v * blocks, out, o);
            } else {
                part(ws[i].tiles(), off, blocks, a.high, a.low, v * cols / 2, a.dx, v * blocks, out, o);
            }
            return 1;
        });
    }

    /**
     * The digits of a.pairs, each twice in an int ({@link #digits(int[], int[], int[], int)}, which
     * {@link #partCached} reads), into a.highTwice and a.lowTwice, and by column pair
     * ({@link InterleavedQ4_0Gemv#columnPairs}, which {@link #part} reads) into a.high and a.low
     * (n activations).
     */
    private static void digits(InterleavedQ4_0Gemv.Activations a, int n) {
        if (a.highTwice.length < n) {
            a.highTwice = new int[n];
            a.lowTwice = new int[n];
            a.high = new int[n / 2];
            a.low = new int[n / 2];
        }
        digits(a.pairs, a.highTwice, a.lowTwice, n);
        InterleavedQ4_0Gemv.columnPairs(a.highTwice, a.high, n);
        InterleavedQ4_0Gemv.columnPairs(a.lowTwice, a.low, n);
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
     * group's first tile (its bytes in every chunk, and its scales, sit at the same offset); column
     * pair c's digits are high[c0 + c] and low[c0 + c]; results go to out[o ..] in row order.
     */
    private static void part(MemorySegment t, long off, int blocks, int[] high, int[] low, int c0, float[] dx, int d0,
            float[] out, int o) {
        FloatVector accA = FloatVector.zero(F);
        FloatVector accB = FloatVector.zero(F);
        int next = B_PER_S.length();   // bytes of rows IL .. 2·IL−1 follow those of rows 0 .. IL−1
        for (int blk = 0; blk < blocks; blk++, off += InterleavedQ8_0.TILE_BYTES) {
            ShortVector ha = ShortVector.zero(S);
            ShortVector la = ShortVector.zero(S);
            ShortVector hb = ShortVector.zero(S);
            ShortVector lb = ShortVector.zero(S);
            int j = c0 + 16 * blk;
            for (int c = 0; c < 16; c++, j++) {
                ShortVector h = (ShortVector) IntVector.broadcast(I, high[j]).reinterpretShape(S, 0);
                ShortVector l = (ShortVector) IntVector.broadcast(I, low[j]).reinterpretShape(S, 0);
                ShortVector qa = (ShortVector) ByteVector.fromMemorySegment(B_PER_S, t, off + 64L * c, LITTLE)
                        .convertShape(VectorOperators.B2S, S, 0);
                ShortVector qb = (ShortVector) ByteVector.fromMemorySegment(B_PER_S, t, off + 64L * c + next, LITTLE)
                        .convertShape(VectorOperators.B2S, S, 0);
                ha = ha.add(qa.mul(h));
                la = la.add(qa.mul(l));
                hb = hb.add(qb.mul(h));
                lb = lb.add(qb.mul(l));
            }
            // per int lane (row): its two shorts (even and odd columns) added, 16·Σh + Σl
            IntVector hi = (IntVector) ha.reinterpretShape(I, 0);
            IntVector li = (IntVector) la.reinterpretShape(I, 0);
            IntVector sumA = hi.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .add(hi.lanewise(VectorOperators.ASHR, 16)).lanewise(VectorOperators.LSHL, 4)
                    .add(li.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16))
                    .add(li.lanewise(VectorOperators.ASHR, 16));
            hi = (IntVector) hb.reinterpretShape(I, 0);
            li = (IntVector) lb.reinterpretShape(I, 0);
            IntVector sumB = hi.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .add(hi.lanewise(VectorOperators.ASHR, 16)).lanewise(VectorOperators.LSHL, 4)
                    .add(li.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16))
                    .add(li.lanewise(VectorOperators.ASHR, 16));
            // the rows' scales, sign-extended to ints and widened as finite binary16 (see HalfVectors)
            IntVector dA = (IntVector) ShortVector.fromMemorySegment(S_PER_F, t, off + InterleavedQ8_0.SCALES, LITTLE)
                    .convertShape(VectorOperators.S2I, I, 0);
            IntVector dB = (IntVector) ShortVector.fromMemorySegment(S_PER_F, t, off + InterleavedQ8_0.SCALES + next,
                    LITTLE).convertShape(VectorOperators.S2I, I, 0);
            float dxb = dx[d0 + blk] * REBIAS;
            accA = ((FloatVector) sumA.convert(VectorOperators.I2F, 0))
                    .fma(((FloatVector) dA.lanewise(VectorOperators.LSHL, 13).and(0x0FFFE000)
                            .or(dA.lanewise(VectorOperators.LSHL, 16).and(0x80000000)).reinterpretShape(F, 0)).mul(dxb), accA);
            accB = ((FloatVector) sumB.convert(VectorOperators.I2F, 0))
                    .fma(((FloatVector) dB.lanewise(VectorOperators.LSHL, 13).and(0x0FFFE000)
                            .or(dB.lanewise(VectorOperators.LSHL, 16).and(0x80000000)).reinterpretShape(F, 0)).mul(dxb), accB);
        }
        accA.intoArray(out, o);
        accB.intoArray(out, o + IL);
    }

    /**
     * {@link #part} for two row groups at once (tiles from {@code off} in t and from {@code off2} in
     * t2), reading two streams of tiles side by side; each group's sums and fma chain are
     * {@link #part}'s. Results go to out[o ..] and out[{@link InterleavedQ4_0Gemv#PAIRED} + o ..].
     * Written out for both groups: a helper returning vectors would be boxed where C2 declines to
     * inline it.
     */
    private static void part2(MemorySegment t, long off, MemorySegment t2, long off2, int blocks, int[] high, int[] low,
            int c0, float[] dx, int d0, float[] out, int o) {
        FloatVector accA = FloatVector.zero(F);
        FloatVector accB = FloatVector.zero(F);
        FloatVector accA2 = FloatVector.zero(F);
        FloatVector accB2 = FloatVector.zero(F);
        int next = B_PER_S.length();
        for (int blk = 0; blk < blocks; blk++, off += InterleavedQ8_0.TILE_BYTES, off2 += InterleavedQ8_0.TILE_BYTES) {
            ShortVector ha = ShortVector.zero(S);
            ShortVector la = ShortVector.zero(S);
            ShortVector hb = ShortVector.zero(S);
            ShortVector lb = ShortVector.zero(S);
            ShortVector ha2 = ShortVector.zero(S);
            ShortVector la2 = ShortVector.zero(S);
            ShortVector hb2 = ShortVector.zero(S);
            ShortVector lb2 = ShortVector.zero(S);
            int j = c0 + 16 * blk;
            for (int c = 0; c < 16; c++, j++) {
                ShortVector h = (ShortVector) IntVector.broadcast(I, high[j]).reinterpretShape(S, 0);
                ShortVector l = (ShortVector) IntVector.broadcast(I, low[j]).reinterpretShape(S, 0);
                ShortVector qa = (ShortVector) ByteVector.fromMemorySegment(B_PER_S, t, off + 64L * c, LITTLE)
                        .convertShape(VectorOperators.B2S, S, 0);
                ShortVector qb = (ShortVector) ByteVector.fromMemorySegment(B_PER_S, t, off + 64L * c + next, LITTLE)
                        .convertShape(VectorOperators.B2S, S, 0);
                ha = ha.add(qa.mul(h));
                la = la.add(qa.mul(l));
                hb = hb.add(qb.mul(h));
                lb = lb.add(qb.mul(l));
                ShortVector ra = (ShortVector) ByteVector.fromMemorySegment(B_PER_S, t2, off2 + 64L * c, LITTLE)
                        .convertShape(VectorOperators.B2S, S, 0);
                ShortVector rb = (ShortVector) ByteVector.fromMemorySegment(B_PER_S, t2, off2 + 64L * c + next, LITTLE)
                        .convertShape(VectorOperators.B2S, S, 0);
                ha2 = ha2.add(ra.mul(h));
                la2 = la2.add(ra.mul(l));
                hb2 = hb2.add(rb.mul(h));
                lb2 = lb2.add(rb.mul(l));
            }
            float dxb = dx[d0 + blk] * REBIAS;
            IntVector hi = (IntVector) ha.reinterpretShape(I, 0);
            IntVector li = (IntVector) la.reinterpretShape(I, 0);
            IntVector d = (IntVector) ShortVector.fromMemorySegment(S_PER_F, t, off + InterleavedQ8_0.SCALES, LITTLE)
                    .convertShape(VectorOperators.S2I, I, 0);
            accA = ((FloatVector) hi.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .add(hi.lanewise(VectorOperators.ASHR, 16)).lanewise(VectorOperators.LSHL, 4)
                    .add(li.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16))
                    .add(li.lanewise(VectorOperators.ASHR, 16)).convert(VectorOperators.I2F, 0))
                    .fma(((FloatVector) d.lanewise(VectorOperators.LSHL, 13).and(0x0FFFE000)
                            .or(d.lanewise(VectorOperators.LSHL, 16).and(0x80000000)).reinterpretShape(F, 0)).mul(dxb), accA);
            hi = (IntVector) hb.reinterpretShape(I, 0);
            li = (IntVector) lb.reinterpretShape(I, 0);
            d = (IntVector) ShortVector.fromMemorySegment(S_PER_F, t, off + InterleavedQ8_0.SCALES + next, LITTLE)
                    .convertShape(VectorOperators.S2I, I, 0);
            accB = ((FloatVector) hi.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .add(hi.lanewise(VectorOperators.ASHR, 16)).lanewise(VectorOperators.LSHL, 4)
                    .add(li.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16))
                    .add(li.lanewise(VectorOperators.ASHR, 16)).convert(VectorOperators.I2F, 0))
                    .fma(((FloatVector) d.lanewise(VectorOperators.LSHL, 13).and(0x0FFFE000)
                            .or(d.lanewise(VectorOperators.LSHL, 16).and(0x80000000)).reinterpretShape(F, 0)).mul(dxb), accB);
            hi = (IntVector) ha2.reinterpretShape(I, 0);
            li = (IntVector) la2.reinterpretShape(I, 0);
            d = (IntVector) ShortVector.fromMemorySegment(S_PER_F, t2, off2 + InterleavedQ8_0.SCALES, LITTLE)
                    .convertShape(VectorOperators.S2I, I, 0);
            accA2 = ((FloatVector) hi.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .add(hi.lanewise(VectorOperators.ASHR, 16)).lanewise(VectorOperators.LSHL, 4)
                    .add(li.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16))
                    .add(li.lanewise(VectorOperators.ASHR, 16)).convert(VectorOperators.I2F, 0))
                    .fma(((FloatVector) d.lanewise(VectorOperators.LSHL, 13).and(0x0FFFE000)
                            .or(d.lanewise(VectorOperators.LSHL, 16).and(0x80000000)).reinterpretShape(F, 0)).mul(dxb), accA2);
            hi = (IntVector) hb2.reinterpretShape(I, 0);
            li = (IntVector) lb2.reinterpretShape(I, 0);
            d = (IntVector) ShortVector.fromMemorySegment(S_PER_F, t2, off2 + InterleavedQ8_0.SCALES + next, LITTLE)
                    .convertShape(VectorOperators.S2I, I, 0);
            accB2 = ((FloatVector) hi.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .add(hi.lanewise(VectorOperators.ASHR, 16)).lanewise(VectorOperators.LSHL, 4)
                    .add(li.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16))
                    .add(li.lanewise(VectorOperators.ASHR, 16)).convert(VectorOperators.I2F, 0))
                    .fma(((FloatVector) d.lanewise(VectorOperators.LSHL, 13).and(0x0FFFE000)
                            .or(d.lanewise(VectorOperators.LSHL, 16).and(0x80000000)).reinterpretShape(F, 0)).mul(dxb), accB2);
        }
        accA.intoArray(out, o);
        accB.intoArray(out, o + IL);
        accA2.intoArray(out, InterleavedQ4_0Gemv.PAIRED + o);
        accB2.intoArray(out, InterleavedQ4_0Gemv.PAIRED + o + IL);
    }

    /**
     * {@link #part} for a group whose tiles are in cache (the second and later vectors of a
     * batch): one 64-byte load per chunk, each column's bytes sign-extended by a shift pair,
     * multiplied by the digits held twice per int (highTwice, lowTwice from {@code x0}), sums split
     * into even and odd rows. From cache this form is the faster one (30 against 35 ps per
     * weight); from DRAM the byte loads are. Same bits.
     */
    private static void partCached(MemorySegment t, long off, int blocks, int[] high, int[] low, int x0, float[] dx, int d0,
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
     * {@link #partCached} for two row groups at once (tiles from {@code off} in t and from {@code off2} in
     * t2), reading two streams of tiles side by side; each group's sums and fma chain are
     * {@link #partCached}'s. Results go to out[o ..] and out[{@link InterleavedQ4_0Gemv#PAIRED} + o ..].
     * Written out for both groups: a helper returning vectors would be boxed where C2 declines to
     * inline it.
     */
    private static void part2Cached(MemorySegment t, long off, MemorySegment t2, long off2, int blocks, int[] high, int[] low,
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
