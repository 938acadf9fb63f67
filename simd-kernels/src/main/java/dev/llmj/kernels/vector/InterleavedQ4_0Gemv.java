package dev.llmj.kernels.vector;

import static dev.llmj.kernels.VectorWidths.F;
import static dev.llmj.kernels.VectorWidths.I;
import static dev.llmj.kernels.VectorWidths.S;

import dev.llmj.kernels.InterleavedQ4_0;
import dev.llmj.kernels.InterleavedWeights;
import dev.llmj.kernels.KernelExecutor;
import dev.llmj.kernels.Scratch;
import dev.llmj.tensor.LE;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntUnaryOperator;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

/**
 * GEMV on {@link InterleavedQ4_0} tiles with Q8_0 activations, in 16-bit integer lanes: each short
 * lane is one row, so a block's 32 products accumulate in place, lane by lane, with one multiply and
 * one add per 32 rows × 1 column (the float kernels spend a widening, a table lookup and an fma per
 * 16 weights of one row, then sum lanes). The result is {@code ScalarInterleavedQ4_0}'s bit for bit:
 * the block sums are exact integers, and every row's blocks are combined by the same fma chain.
 *
 * <p>Per 64-byte chunk (four columns × 32 rows): one load, each column's nibbles sign-extended in
 * place by a left and an arithmetic right shift, multiplied by that column's activation (one int
 * broadcast holding it twice, read as shorts) and added. The left shift is done in int lanes:
 * C2 emits a 16-bit shift by a constant as three instructions (the count moved into a register
 * at each use), a 32-bit one as one, and since the right shift keeps only each short's top
 * nibble, the bits an int shift carries from the low short into the high one land where it drops
 * them. The right shift takes a vector of counts (one instruction, {@code vpsravw}). That made
 * a stand-alone copy of this loop 1.4× faster and the Q4_K and Q6_K kernels 15 % faster in
 * cache; this kernel measured the same before and after. Per block the short sums are split into
 * even and odd rows as int lanes, converted to float and fma'd with the
 * rows' scales (binary16, widened in int lanes) times the activation block's scale.
 * The activation scale is at most 65504 (a binary16), so 2^112 times it stays finite.
 *
 * <p>At 512 bits a tile row group is one vector wide; narrower vectors take it in parts of
 * 2·(int lanes) rows, each part a pass over the group's blocks (the later passes hit cache).
 */
final class InterleavedQ4_0Gemv {
    private InterleavedQ4_0Gemv() {}

    private static final ByteOrder LITTLE = ByteOrder.LITTLE_ENDIAN;
    private static final int IL = I.length();
    /** Rows (short lanes) per vector. */
    private static final int SL = 2 * IL;
    private static final int PARTS = InterleavedQ4_0.TILE_ROWS / SL;
    /** Vectors that share one decoding of each chunk in {@link #part4}. */
    private static final int QUAD = 4;
    /**
     * Row groups at least this long (tile bytes) are read two at a time (see {@link #eachRowGroup}).
     * One thread, weights from DRAM, the same kernel walking groups singly and in pairs: Q4_0
     * 768 × 2048 (36 KiB groups) 62 → 51 µs, 32000 × 768 (13.5 KiB) 740 → 661 µs, but 2048 × 768
     * 50 → 51 µs and 768 × 768 20 → 21.5 µs; Q8_0 tiles of 768 columns (25.5 KiB) gained 1.2–1.5×.
     * Two streams keep more lines in flight than the prefetchers keep for one. Long jobs of short
     * groups pair too ({@link #PAIR_MIN_GROUPS}).
     */
    static final long PAIR_MIN_BYTES = 24 << 10;
    /**
     * Jobs of at least this many row groups are read in pairs whatever the groups' length: the
     * 32000 × 768 Q4_0 classifier (1000 groups of 13.5 KiB) ran 740 → 661 µs paired, and 110m
     * Q4_0 decode (one thread, six alternating runs) 251 → 258 tok/s on average.
     */
    static final int PAIR_MIN_GROUPS = 256;
    /** Where a part's second row group's results start in the per-thread output array. */
    static final int PAIRED = QUAD * InterleavedQ4_0.TILE_ROWS;
    /** Where parts put their even and odd rows before {@link #toRowOrder} (past both groups' results). */
    static final int EVEN_ODD = 2 * PAIRED;
    /** 2^112: rebiases a binary16 exponent placed in a float (see {@code HalfVectors}). */
    private static final float REBIAS = 0x1p112f;

    private static final ThreadLocal<float[]> OUT = ThreadLocal.withInitial(() -> new float[0]);

    /**
     * ys[i] (b vectors of ws[i].rows() floats from byte 0) = ws[i] · xs[v] for every v, all the
     * weights' row groups in one parallel job; every ws[i] has the same column count.
     */
    static void gemvBatchGroup(KernelExecutor executor, InterleavedQ4_0[] ws, MemorySegment xs, long xOff, int b,
            MemorySegment[] ys, long[] yOffs) {
        if (b >= InterleavedQ4_0Gemm.MIN_BATCH && InterleavedQ4_0Gemm.supported()) {
            InterleavedQ4_0Gemm.gemmGroup(executor, ws, xs, xOff, b, ys, yOffs);
            return;
        }
        int cols = ws[0].cols();
        int blocks = cols / 32;
        long call = newCall();
        eachRowGroup(executor, ws, b, ys, yOffs, (i, g, i2, g2, p, v, out, o) -> {
            Activations a = activations(call, xs, xOff, b, cols);
            long off = ws[i].tile(g, 0) + 4L * IL * p;
            if (b - v >= QUAD) {
                part4(ws[i].tiles(), off, blocks, a.pairs, v * cols, cols, a.dx, v * blocks, out, o);
                if (i2 >= 0) {
                    part4(ws[i2].tiles(), ws[i2].tile(g2, 0) + 4L * IL * p, blocks, a.pairs, v * cols, cols, a.dx,
                            v * blocks, out, PAIRED + o);
                }
                return QUAD;
            }
            if (i2 >= 0) {
                part2(ws[i].tiles(), off, ws[i2].tiles(), ws[i2].tile(g2, 0) + 4L * IL * p, blocks, a.pairs, v * cols,
                        a.dx, v * blocks, out, o);
            } else {
                part(ws[i].tiles(), off, blocks, a.pairs, v * cols, a.dx, v * blocks, out, o);
            }
            return 1;
        });
    }

    /**
     * One call's b vectors prepared for the interleaved kernels ({@link #prepare}) by the thread
     * that reads them, once per thread per call; and what a kernel derives from them (Q8_0's
     * digits, Q4_K's block sums, Q6_K's column pairs), likewise. One per thread, reused from call to call.
     *
     * <p>Why each thread prepares its own: prepared once by the calling thread, every call's
     * stores hit lines the other thread had read during the call before, and each such store
     * waits for the other core to give its line up. At two threads that took 2.2 µs per call
     * against 0.6 on one (110m Q4_0 decode, 49 calls per token), while the other thread waited;
     * two threads each preparing a copy take the 0.6 side by side.
     */
    static final class Activations {
        /** The call these were prepared for (see {@link #newCall}), or −1. */
        private long call = -1;
        /** The call Q8_0's digits were made for, or −1. */
        long derivedCall = -1;
        /** The call {@link #sums} and {@link #columnPairs} were made for (one K-quant job may need both), or −1. */
        long sumsCall = -1;
        long columnPairsCall = -1;
        /** Each activation twice in an int (see {@link #prepare}). */
        int[] pairs = new int[0];
        /** Each block's scale. */
        float[] dx = new float[0];
        /** Q8_0's digits of the activations by column pair ({@link #columnPairs} of the two below). */
        int[] high = new int[0];
        int[] low = new int[0];
        /** Q8_0's digits each twice in an int ({@code InterleavedQ8_0Gemv.digits}), for a batch's cached passes. */
        int[] highTwice = new int[0];
        int[] lowTwice = new int[0];
        /** Q4_K's activation sum per block. */
        int[] sums = new int[0];
        /** Q6_K's activations by column pair ({@link #columnPairs} of {@link #pairs}). */
        int[] columnPairs = new int[0];
    }

    /**
     * {@code twice} (n values, each twice in an int) by column pair into {@code byPair}: value 2c
     * in the low short of int c, value 2c + 1 in its high short (n even).
     */
    static void columnPairs(int[] twice, int[] byPair, int n) {
        for (int c = 0; c < n / 2; c++) {
            byPair[c] = (twice[2 * c] & 0xFFFF) | twice[2 * c + 1] << 16;
        }
    }

    private static final ThreadLocal<Activations> ACTIVATIONS = ThreadLocal.withInitial(Activations::new);
    private static final AtomicLong CALLS = new AtomicLong();

    /** A number naming one kernel call, for {@link #activations}. */
    static long newCall() {
        return CALLS.incrementAndGet();
    }

    /** This thread's activations for {@code call}: {@link #prepare}d on its first use in the call. */
    static Activations activations(long call, MemorySegment xs, long xOff, int b, int cols) {
        Activations a = ACTIVATIONS.get();
        if (a.call != call) {
            if (a.pairs.length < b * cols) {
                a.pairs = new int[b * cols];
                a.dx = new float[b * cols / 32];
            }
            prepare(xs, xOff, b, cols, a.pairs, a.dx);
            a.call = call;
        }
        return a;
    }

    /**
     * Rows p·SL .. +SL of row group g of weight i, against vectors v .. v+n−1: vector v+u's results
     * go to out[32u + o ..] in row order; and when i2 ≥ 0 the same rows of row group g2 of weight
     * i2, into out[{@link #PAIRED} + 32u + o ..]. Returns n: 1, or {@link #QUAD} where the kernel
     * shares decoding across vectors. It takes and returns no vector, so nothing is boxed across it.
     */
    @FunctionalInterface
    interface Part {
        int run(int i, int g, int i2, int g2, int p, int v, float[] out, int o);
    }

    /**
     * The row-group loop of every interleaved kernel: the row groups of all the weights (of one
     * width) as one parallel job; per group, every part of every vector into a per-thread array,
     * then the valid rows to ys[i].
     *
     * <p>When {@link #paired} says so, each thread's range of groups is walked as two halves side
     * by side (group u with group u + half), so a part reads two streams of tiles at once;
     * otherwise group by group (i2 = −1). Threads claim that walk's steps one at a time
     * ({@link KernelExecutor#parallelSplit}: a thread done with its own range finishes another's
     * from the back).
     */
    static void eachRowGroup(KernelExecutor executor, InterleavedWeights[] ws, int b, MemorySegment[] ys, long[] yOffs,
            Part part) {
        int[] firstGroup = new int[ws.length + 1];
        int[] rows = new int[ws.length];
        MemorySegment[] reach = new MemorySegment[2 * ws.length];
        for (int i = 0; i < ws.length; i++) {
            firstGroup[i + 1] = firstGroup[i] + ws[i].rowGroups();
            rows[i] = ws[i].rows();
            reach[2 * i] = ws[i].tiles();
            reach[2 * i + 1] = ys[i];
        }
        boolean paired = paired(ws);
        IntUnaryOperator unitsOf = paired ? length -> (length + 1) / 2 : length -> length;
        executor.reaching(reach).parallelSplit(firstGroup[ws.length], unitsOf, (from, to, u0, u1) -> {
            float[] out = Scratch.floats(OUT, EVEN_ODD + 4 * IL);
            int half = unitsOf.applyAsInt(to - from);
            for (int u = u0; u < u1; u++) {
                int idx = from + u;
                int i = weightOf(firstGroup, idx);
                int g = idx - firstGroup[i];
                int idx2 = idx + half;
                int i2 = idx2 < to ? weightOf(firstGroup, idx2) : -1;
                int g2 = i2 < 0 ? -1 : idx2 - firstGroup[i2];
                for (int v = 0; v < b; ) {
                    int n = 0;
                    for (int p = 0; p < PARTS; p++) {
                        n = part.run(i, g, i2, g2, p, v, out, p * SL);
                    }
                    for (int w = 0; w < n; w++, v++) {
                        copyOut(out, w * InterleavedQ4_0.TILE_ROWS, ys[i], yOffs[i], rows[i], g, v);
                        if (i2 >= 0) {
                            copyOut(out, PAIRED + w * InterleavedQ4_0.TILE_ROWS, ys[i2], yOffs[i2], rows[i2], g2, v);
                        }
                    }
                }
            }
        });
    }

    /** Whether one job over {@code ws} (all of one width, so one row-group length) reads its row groups in pairs. */
    private static boolean paired(InterleavedWeights[] ws) {
        int groups = 0;
        for (InterleavedWeights w : ws) {
            groups += w.rowGroups();
        }
        return ws[0].rowGroupBytes() >= PAIR_MIN_BYTES || groups >= PAIR_MIN_GROUPS;
    }

    /** The weight whose row groups include flat group index idx. */
    private static int weightOf(int[] firstGroup, int idx) {
        int i = 0;
        while (idx >= firstGroup[i + 1]) {
            i++;
        }
        return i;
    }

    /** Row group g's valid rows, for vector v, from out[from ..] to ys. */
    private static void copyOut(float[] out, int from, MemorySegment ys, long yOff, int rows, int g, int v) {
        int valid = Math.min(InterleavedQ4_0.TILE_ROWS, rows - g * InterleavedQ4_0.TILE_ROWS);
        MemorySegment.copy(out, from, ys, LE.FLOAT, yOff + 4L * ((long) v * rows + (long) g * InterleavedQ4_0.TILE_ROWS),
                valid);
    }

    /** {@link #eachRowGroup} for one weight, one vector per part call. */
    static void eachRowGroup(KernelExecutor executor, InterleavedWeights w, int b, MemorySegment ys, long yOff,
            GroupPart part) {
        eachRowGroup(executor, new InterleavedWeights[] {w}, b, new MemorySegment[] {ys}, new long[] {yOff},
                (i, g, i2, g2, p, v, out, o) -> {
                    part.run(g, g2, p, v, out, o);
                    return 1;
                });
    }

    /**
     * One part of one vector for row group g, into out[o ..] in row order, and for row group g2
     * too when g2 ≥ 0, into out[{@link #PAIRED} + o ..] (see {@link Part}).
     */
    @FunctionalInterface
    interface GroupPart {
        void run(int g, int g2, int p, int v, float[] out, int o);
    }

    /**
     * Quantizes each vector to Q8_0 ({@link VectorQuantize#q8_0}'s bits, which every Q8_0 kernel
     * uses) spread for the kernel ({@link VectorQuantize#q8_0Pairs}): {@code pairs} gets each
     * activation twice in an int, {@code dx} each block's scale as a float.
     */
    static void prepare(MemorySegment xs, long xOff, int b, int cols, int[] pairs, float[] dx) {
        for (int v = 0; v < b; v++) {
            VectorQuantize.q8_0Pairs(xs, xOff + 4L * v * cols, pairs, v * cols, dx, v * (cols / 32), cols);
        }
    }

    /**
     * SL rows of one row group against one vector: {@code off} is the part's first byte in the
     * group's first tile (its shorts in every chunk, and its scales, sit at the same offset);
     * results go to out[o .. o+SL) in row order.
     */
    private static void part(MemorySegment t, long off, int blocks, int[] pairs, int x0, float[] dx, int d0,
            float[] out, int o) {
        FloatVector even = FloatVector.zero(F);
        FloatVector odd = FloatVector.zero(F);
        ShortVector twelve = ShortVector.broadcast(S, (short) 12);
        for (int blk = 0; blk < blocks; blk++, off += InterleavedQ4_0.TILE_BYTES) {
            ShortVector s = ShortVector.zero(S);
            int j = x0 + 32 * blk;
            for (int c = 0; c < 8; c++, j += 4) {
                // nibble k of every short: moved to the top by an int shift, sign-extended by a
                // short shift by a vector of 12s (see the class comment)
                IntVector w = IntVector.fromMemorySegment(I, t, off + 64L * c, LITTLE);
                ShortVector q0 = ((ShortVector) w.lanewise(VectorOperators.LSHL, 12).reinterpretShape(S, 0))
                        .lanewise(VectorOperators.ASHR, twelve);
                ShortVector q1 = ((ShortVector) w.lanewise(VectorOperators.LSHL, 8).reinterpretShape(S, 0))
                        .lanewise(VectorOperators.ASHR, twelve);
                ShortVector q2 = ((ShortVector) w.lanewise(VectorOperators.LSHL, 4).reinterpretShape(S, 0))
                        .lanewise(VectorOperators.ASHR, twelve);
                ShortVector q3 = ((ShortVector) w.reinterpretShape(S, 0)).lanewise(VectorOperators.ASHR, twelve);
                s = s.add(q0.mul((ShortVector) IntVector.broadcast(I, pairs[j]).reinterpretShape(S, 0)));
                s = s.add(q1.mul((ShortVector) IntVector.broadcast(I, pairs[j + 1]).reinterpretShape(S, 0)));
                s = s.add(q2.mul((ShortVector) IntVector.broadcast(I, pairs[j + 2]).reinterpretShape(S, 0)));
                s = s.add(q3.mul((ShortVector) IntVector.broadcast(I, pairs[j + 3]).reinterpretShape(S, 0)));
            }
            IntVector sums = (IntVector) s.reinterpretShape(I, 0);
            FloatVector sumEven = (FloatVector) sums.lanewise(VectorOperators.LSHL, 16)
                    .lanewise(VectorOperators.ASHR, 16).convert(VectorOperators.I2F, 0);
            FloatVector sumOdd = (FloatVector) sums.lanewise(VectorOperators.ASHR, 16).convert(VectorOperators.I2F, 0);
            // the rows' scales, even rows in the low halves of d's ints and odd rows in the high halves,
            // widened as HalfVectors does it for finite binary16 (InterleavedQ4_0 holds no other):
            // exponent and mantissa 13 bits up, then × 2^112, folded into the activation scale
            // (both factors exact, so the one rounding of the product is the scalar twin's)
            IntVector d = IntVector.fromMemorySegment(I, t, off + InterleavedQ4_0.SCALES, LITTLE);
            IntVector dEven = d.lanewise(VectorOperators.LSHL, 13).and(0x0FFFE000)
                    .or(d.lanewise(VectorOperators.LSHL, 16).and(0x80000000));
            IntVector dOdd = d.lanewise(VectorOperators.LSHR, 3).and(0x0FFFE000).or(d.and(0x80000000));
            float dxb = dx[d0 + blk] * REBIAS;
            even = sumEven.fma(((FloatVector) dEven.reinterpretShape(F, 0)).mul(dxb), even);
            odd = sumOdd.fma(((FloatVector) dOdd.reinterpretShape(F, 0)).mul(dxb), odd);
        }
        even.intoArray(out, EVEN_ODD);
        odd.intoArray(out, EVEN_ODD + IL);
        toRowOrder(out, o);
    }

    /**
     * {@link #part} for two row groups at once (tiles from {@code off} in t and from {@code off2}
     * in t2) against one vector, so that two streams of tiles are read side by side (see
     * {@link #eachRowGroup}); each column's activation is broadcast once for both. Each group's
     * integer sums and fma chain are {@link #part}'s, so its results are the same bits. Results go
     * to out[o ..] and out[{@link #PAIRED} + o ..].
     */
    private static void part2(MemorySegment t, long off, MemorySegment t2, long off2, int blocks, int[] pairs, int x0,
            float[] dx, int d0, float[] out, int o) {
        FloatVector even = FloatVector.zero(F);
        FloatVector odd = FloatVector.zero(F);
        FloatVector even2 = FloatVector.zero(F);
        FloatVector odd2 = FloatVector.zero(F);
        ShortVector twelve = ShortVector.broadcast(S, (short) 12);
        for (int blk = 0; blk < blocks; blk++, off += InterleavedQ4_0.TILE_BYTES, off2 += InterleavedQ4_0.TILE_BYTES) {
            ShortVector s = ShortVector.zero(S);
            ShortVector s2 = ShortVector.zero(S);
            int j = x0 + 32 * blk;
            for (int c = 0; c < 8; c++) {
                IntVector w = IntVector.fromMemorySegment(I, t, off + 64L * c, LITTLE);
                IntVector w2 = IntVector.fromMemorySegment(I, t2, off2 + 64L * c, LITTLE);
                for (int k = 0; k < 4; k++, j++) {
                    // one form for all four nibbles, as in part4: half the code of four written-out
                    // steps per group, which keeps this method inside C2's inlining budget (written
                    // out, some compiles left vector calls un-inlined and boxed every vector)
                    ShortVector x = (ShortVector) IntVector.broadcast(I, pairs[j]).reinterpretShape(S, 0);
                    s = s.add(((ShortVector) w.lanewise(VectorOperators.LSHL, 12 - 4 * k).reinterpretShape(S, 0))
                            .lanewise(VectorOperators.ASHR, twelve).mul(x));
                    s2 = s2.add(((ShortVector) w2.lanewise(VectorOperators.LSHL, 12 - 4 * k).reinterpretShape(S, 0))
                            .lanewise(VectorOperators.ASHR, twelve).mul(x));
                }
            }
            float dxb = dx[d0 + blk] * REBIAS;
            IntVector sums = (IntVector) s.reinterpretShape(I, 0);
            IntVector d = IntVector.fromMemorySegment(I, t, off + InterleavedQ4_0.SCALES, LITTLE);
            IntVector dEven = d.lanewise(VectorOperators.LSHL, 13).and(0x0FFFE000)
                    .or(d.lanewise(VectorOperators.LSHL, 16).and(0x80000000));
            IntVector dOdd = d.lanewise(VectorOperators.LSHR, 3).and(0x0FFFE000).or(d.and(0x80000000));
            even = ((FloatVector) sums.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .convert(VectorOperators.I2F, 0)).fma(((FloatVector) dEven.reinterpretShape(F, 0)).mul(dxb), even);
            odd = ((FloatVector) sums.lanewise(VectorOperators.ASHR, 16).convert(VectorOperators.I2F, 0))
                    .fma(((FloatVector) dOdd.reinterpretShape(F, 0)).mul(dxb), odd);
            IntVector sums2 = (IntVector) s2.reinterpretShape(I, 0);
            IntVector e = IntVector.fromMemorySegment(I, t2, off2 + InterleavedQ4_0.SCALES, LITTLE);
            IntVector eEven = e.lanewise(VectorOperators.LSHL, 13).and(0x0FFFE000)
                    .or(e.lanewise(VectorOperators.LSHL, 16).and(0x80000000));
            IntVector eOdd = e.lanewise(VectorOperators.LSHR, 3).and(0x0FFFE000).or(e.and(0x80000000));
            even2 = ((FloatVector) sums2.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .convert(VectorOperators.I2F, 0)).fma(((FloatVector) eEven.reinterpretShape(F, 0)).mul(dxb), even2);
            odd2 = ((FloatVector) sums2.lanewise(VectorOperators.ASHR, 16).convert(VectorOperators.I2F, 0))
                    .fma(((FloatVector) eOdd.reinterpretShape(F, 0)).mul(dxb), odd2);
        }
        even.intoArray(out, EVEN_ODD);
        odd.intoArray(out, EVEN_ODD + IL);
        toRowOrder(out, o);
        even2.intoArray(out, EVEN_ODD);
        odd2.intoArray(out, EVEN_ODD + IL);
        toRowOrder(out, PAIRED + o);
    }

    /**
     * {@link #part} for four vectors at once (x0, x0 + stride, ...; scales d0, d0 + blocks, ...):
     * each chunk's four columns are sign-extended once and multiplied with all four vectors'
     * activations, so batched decoding spends 3 instead of 4.75 operations per column and vector.
     * Each vector's integer sums and fma chain are {@link #part}'s, so its results are the same
     * bits; written out for four vectors because an array of vectors would be boxed. Results go to
     * out[32u + o ..] for vector u.
     */
    private static void part4(MemorySegment t, long off, int blocks, int[] pairs, int x0, int stride, float[] dx, int d0,
            float[] out, int o) {
        FloatVector even0 = FloatVector.zero(F);
        FloatVector odd0 = FloatVector.zero(F);
        FloatVector even1 = FloatVector.zero(F);
        FloatVector odd1 = FloatVector.zero(F);
        FloatVector even2 = FloatVector.zero(F);
        FloatVector odd2 = FloatVector.zero(F);
        FloatVector even3 = FloatVector.zero(F);
        FloatVector odd3 = FloatVector.zero(F);
        ShortVector twelve = ShortVector.broadcast(S, (short) 12);
        for (int blk = 0; blk < blocks; blk++, off += InterleavedQ4_0.TILE_BYTES) {
            ShortVector s0 = ShortVector.zero(S);
            ShortVector s1 = ShortVector.zero(S);
            ShortVector s2 = ShortVector.zero(S);
            ShortVector s3 = ShortVector.zero(S);
            int j = x0 + 32 * blk;
            for (int c = 0; c < 8; c++) {
                IntVector w = IntVector.fromMemorySegment(I, t, off + 64L * c, LITTLE);
                for (int k = 0; k < 4; k++, j++) {
                    // one form for all four nibbles: a vector chosen by a condition is boxed where
                    // C2 does not unroll this loop
                    ShortVector q = ((ShortVector) w.lanewise(VectorOperators.LSHL, 12 - 4 * k).reinterpretShape(S, 0))
                            .lanewise(VectorOperators.ASHR, twelve);
                    s0 = s0.add(q.mul((ShortVector) IntVector.broadcast(I, pairs[j]).reinterpretShape(S, 0)));
                    s1 = s1.add(q.mul((ShortVector) IntVector.broadcast(I, pairs[j + stride]).reinterpretShape(S, 0)));
                    s2 = s2.add(q.mul((ShortVector) IntVector.broadcast(I, pairs[j + 2 * stride]).reinterpretShape(S, 0)));
                    s3 = s3.add(q.mul((ShortVector) IntVector.broadcast(I, pairs[j + 3 * stride]).reinterpretShape(S, 0)));
                }
            }
            IntVector d = IntVector.fromMemorySegment(I, t, off + InterleavedQ4_0.SCALES, LITTLE);
            FloatVector dEven = (FloatVector) d.lanewise(VectorOperators.LSHL, 13).and(0x0FFFE000)
                    .or(d.lanewise(VectorOperators.LSHL, 16).and(0x80000000)).reinterpretShape(F, 0);
            FloatVector dOdd = (FloatVector) d.lanewise(VectorOperators.LSHR, 3).and(0x0FFFE000).or(d.and(0x80000000))
                    .reinterpretShape(F, 0);
            int nb = stride / 32;
            IntVector u0 = (IntVector) s0.reinterpretShape(I, 0);
            IntVector u1 = (IntVector) s1.reinterpretShape(I, 0);
            IntVector u2 = (IntVector) s2.reinterpretShape(I, 0);
            IntVector u3 = (IntVector) s3.reinterpretShape(I, 0);
            float x0b = dx[d0 + blk] * REBIAS;
            float x1b = dx[d0 + nb + blk] * REBIAS;
            float x2b = dx[d0 + 2 * nb + blk] * REBIAS;
            float x3b = dx[d0 + 3 * nb + blk] * REBIAS;
            even0 = ((FloatVector) u0.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .convert(VectorOperators.I2F, 0)).fma(dEven.mul(x0b), even0);
            odd0 = ((FloatVector) u0.lanewise(VectorOperators.ASHR, 16).convert(VectorOperators.I2F, 0)).fma(dOdd.mul(x0b), odd0);
            even1 = ((FloatVector) u1.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .convert(VectorOperators.I2F, 0)).fma(dEven.mul(x1b), even1);
            odd1 = ((FloatVector) u1.lanewise(VectorOperators.ASHR, 16).convert(VectorOperators.I2F, 0)).fma(dOdd.mul(x1b), odd1);
            even2 = ((FloatVector) u2.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .convert(VectorOperators.I2F, 0)).fma(dEven.mul(x2b), even2);
            odd2 = ((FloatVector) u2.lanewise(VectorOperators.ASHR, 16).convert(VectorOperators.I2F, 0)).fma(dOdd.mul(x2b), odd2);
            even3 = ((FloatVector) u3.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .convert(VectorOperators.I2F, 0)).fma(dEven.mul(x3b), even3);
            odd3 = ((FloatVector) u3.lanewise(VectorOperators.ASHR, 16).convert(VectorOperators.I2F, 0)).fma(dOdd.mul(x3b), odd3);
        }
        int tmp = EVEN_ODD;
        even0.intoArray(out, tmp);
        odd0.intoArray(out, tmp + IL);
        toRowOrder(out, tmp, o);
        even1.intoArray(out, tmp);
        odd1.intoArray(out, tmp + IL);
        toRowOrder(out, tmp, InterleavedQ4_0.TILE_ROWS + o);
        even2.intoArray(out, tmp);
        odd2.intoArray(out, tmp + IL);
        toRowOrder(out, tmp, 2 * InterleavedQ4_0.TILE_ROWS + o);
        even3.intoArray(out, tmp);
        odd3.intoArray(out, tmp + IL);
        toRowOrder(out, tmp, 3 * InterleavedQ4_0.TILE_ROWS + o);
    }

    /**
     * Moves a part's results from out[EVEN_ODD ..] (IL even rows, then IL odd rows) to
     * out[o .. o+SL) in row order. Shared by the interleaved kernels; it takes no vector, so
     * nothing is boxed whether or not C2 inlines it.
     */
    static void toRowOrder(float[] out, int o) {
        toRowOrder(out, EVEN_ODD, o);
    }

    /** {@link #toRowOrder(float[], int)} from out[tmp ..]. */
    static void toRowOrder(float[] out, int tmp, int o) {
        for (int i = 0; i < IL; i++) {
            out[o + 2 * i] = out[tmp + i];
            out[o + 2 * i + 1] = out[tmp + IL + i];
        }
    }
}
