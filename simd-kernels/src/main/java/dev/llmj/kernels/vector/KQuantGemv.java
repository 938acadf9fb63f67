package dev.llmj.kernels.vector;

import static dev.llmj.kernels.VectorWidths.B_PER_F;
import static dev.llmj.kernels.VectorWidths.F;
import static dev.llmj.kernels.VectorWidths.F_LANES;
import static dev.llmj.kernels.VectorWidths.I;

import dev.llmj.kernels.KernelExecutor;
import dev.llmj.kernels.Scratch;
import dev.llmj.kernels.WeightMatrix;
import dev.llmj.kernels.scalar.KQuants;
import dev.llmj.tensor.DType;
import dev.llmj.tensor.HalfFloats;
import dev.llmj.tensor.LE;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;

/**
 * GEMV and batched GEMV for Q4_K and Q6_K weights at 512 bits (what decoding a K-quant model
 * runs, through {@code gemvBatchF32} → {@code gemvBatch}, and {@code gemv}): two rows per loop,
 * each result bit for bit {@link VectorDot#dotQ4_K}/{@link VectorDot#dotQ6_K} of its row and
 * vector (the scalar twin is that dot per row, as for every other dtype's GEMV). For Q4_K three
 * things make it faster than a dot per row (Q6_K keeps the dot's arithmetic and gains from the
 * last two and from forming its scale products once per block):
 * <ul>
 *   <li>the 16 values d·sc·q − dmin·m of a sub-block (q = 0..15) are one 16-lane table, built with
 *       the same two roundings {@code dotQ4_K} applies per element (fl(fl(q·d1) − m1)), and each
 *       nibble is looked up by a lane permutation: no int→float conversion, no product, no
 *       subtraction per element;</li>
 *   <li>two rows give the core two independent fma chains (one row's order is a single chain,
 *       kept so the bits stay {@code dotQ4_K}'s) and share the activation loads;</li>
 *   <li>the activations are read from a float[] copy (segment loads carry bounds and liveness
 *       checks into the loop).</li>
 * </ul>
 * Rows are paired as {@link RowPairs} says (two long streams per thread). Batches of eight or more vectors
 * go through {@link #q4kTile}/{@link #q6kTile}, which decode two rows once for eight vectors. The
 * two tiles repeat their sixteen fma lines and accumulator spills (as {@link DecodeTiles} does):
 * a helper taking the decoded vectors and the accumulators would box them wherever C2 did not
 * inline it, and one tile looping over both formats' chunks would decode each Q4_K byte twice.
 * <pre>
 *   Q4_K block (144 bytes, 256 weights): [d: f16][dmin: f16][scales: 12 bytes, 8 × (6-bit sc, 6-bit m)]
 *     [qs: 128 bytes; bytes 32i..32i+31 hold sub-block 2i (low nibbles) and 2i+1 (high nibbles)]
 * </pre>
 */
final class KQuantGemv {
    private KQuantGemv() {}

    private static final int L = F_LANES;
    private static final ByteOrder LITTLE = ByteOrder.LITTLE_ENDIAN;
    /** Written for 16 float lanes (one 16-entry table per vector); other widths use the dot per row. */
    static final boolean PAIRED = L == 16;

    /** Lanes 0..15 as floats: the nibble values before a sub-block's scale and min. */
    private static final FloatVector NIBBLES = FloatVector.fromArray(F, iota(), 0);

    private static float[] iota() {
        float[] a = new float[Math.max(16, L)];
        for (int i = 0; i < a.length; i++) {
            a[i] = i;
        }
        return a;
    }

    /**
     * ys[v] = w·xs[v] for b vectors of Q4_K or Q6_K rows ({@link #PAIRED} only; the layout of
     * {@code gemvBatch}: vector v at xOff + 4·v·cols, its outputs at yOff + 4·v·rows), each result
     * bit for bit the vector dot of its row and vector. Each pair of rows is read from memory once
     * for all b vectors (the later vectors find its bytes in L1), so a batch of sequences shares one
     * pass over the weights; one vector is plain GEMV.
     */
    static void gemvBatch(KernelExecutor executor, WeightMatrix wm, MemorySegment xs, long xOff, int b,
            MemorySegment ys, long yOff) {
        int cols = wm.cols();
        int rows = wm.rows();
        int blocks = cols / 256;
        boolean q4 = wm.dtype() == DType.Q4_K;
        float[] xa = VectorGemvBatch.activations(xs, xOff, b * cols);
        MemorySegment base = wm.base();
        executor.reaching(base, xs, ys).parallelRanges(rows, 16, (from, to) -> {
            float[] buf = new float[2 * L];
            float[] sm = Scratch.floats(SCALES, 32 * blocks);
            float[] acc = b >= DecodeTiles.V ? new float[DecodeTiles.ACC_FLOATS] : null;
            for (int i = 0; i < RowPairs.count(from, to); i++) {
                int r0 = from + i;
                int r1 = RowPairs.partner(from, to, i);
                int v = 0;
                for (; v + DecodeTiles.V <= b; v += DecodeTiles.V) {
                    if (q4) {
                        q4kTile(base, wm.row(r0), wm.row(r1), xa, v * cols, cols, blocks, sm, v == 0, acc);
                    } else {
                        q6kTile(base, wm.row(r0), wm.row(r1), xa, v * cols, cols, blocks, sm, v == 0, acc);
                    }
                    long yv = yOff + 4L * v * rows;
                    DecodeTiles.finish(acc, ys, yv + 4L * r0, yv + 4L * r1, 4L * rows);
                }
                for (; v < b; v++) {
                    if (q4) {
                        q4kPair(base, wm.row(r0), wm.row(r1), xa, v * cols, blocks, buf, sm, v == 0);
                    } else {
                        q6kPair(base, wm.row(r0), wm.row(r1), xa, v * cols, blocks, buf, sm, v == 0);
                    }
                    long yv = yOff + 4L * v * rows;
                    ys.set(LE.FLOAT, yv + 4L * r0, buf[0]);
                    ys.set(LE.FLOAT, yv + 4L * r1, buf[1]);
                }
            }
        });
    }

    /**
     * Per thread: a pair of rows' scale products, 32 floats per block (row 0's 16, then row 1's),
     * formed by the pair's first kernel call ({@code first}) and read by the calls for the other
     * vectors of a batch. Formed block by block inside the kernel rather than in a pass of their
     * own: a separate pass over the scale bytes made the rows' first DRAM reads a scattered scalar
     * pass and one vector 20–30 % slower.
     */
    private static final ThreadLocal<float[]> SCALES = ThreadLocal.withInitial(() -> new float[0]);

    /**
     * Rows at byte offsets p and p1 × the vector at xa[x0..], with the pair's scale products in sm
     * (formed here when {@code first}, see {@link #SCALES}); results to buf[0] and buf[1]. Per sub-block pair i and chunk c (0, 16), as
     * {@code dotQ4_K}: acc = fma(w[64i + c ..], x, acc) for the low nibbles, then the same for the
     * high nibbles at 64i + 32 + c.
     */
    private static void q4kPair(MemorySegment w, long p, long p1, float[] xa, int x0, int blocks, float[] buf,
            float[] sm, boolean first) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0;
        for (int blk = 0; blk < blocks; blk++) {
            long o = 144L * blk;
            int sb = 32 * blk;
            if (first) {
                scalesAndMins(w, p + o, sm, sb);
                scalesAndMins(w, p1 + o, sm, sb + 16);
            }
            int xb = x0 + 256 * blk;
            for (int pair = 0; pair < 4; pair++) {
                int j = 2 * pair;
                IntVector lo0 = NIBBLES.mul(sm[sb + j]).sub(sm[sb + 8 + j]).reinterpretAsInts();
                IntVector hi0 = NIBBLES.mul(sm[sb + j + 1]).sub(sm[sb + 9 + j]).reinterpretAsInts();
                IntVector lo1 = NIBBLES.mul(sm[sb + 16 + j]).sub(sm[sb + 24 + j]).reinterpretAsInts();
                IntVector hi1 = NIBBLES.mul(sm[sb + 17 + j]).sub(sm[sb + 25 + j]).reinterpretAsInts();
                long q0 = p + o + 16 + 32L * pair;
                long q1 = p1 + o + 16 + 32L * pair;
                int xq = xb + 64 * pair;
                for (int c = 0; c < 32; c += 16) {
                    IntVector n0 = (IntVector) ByteVector.fromMemorySegment(B_PER_F, w, q0 + c, LITTLE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                    IntVector n1 = (IntVector) ByteVector.fromMemorySegment(B_PER_F, w, q1 + c, LITTLE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                    FloatVector xl = FloatVector.fromArray(F, xa, xq + c);
                    FloatVector xh = FloatVector.fromArray(F, xa, xq + 32 + c);
                    a0 = n0.and(0x0F).selectFrom(lo0).reinterpretAsFloats().fma(xl, a0);
                    a1 = n1.and(0x0F).selectFrom(lo1).reinterpretAsFloats().fma(xl, a1);
                    a0 = n0.lanewise(VectorOperators.LSHR, 4).selectFrom(hi0).reinterpretAsFloats().fma(xh, a0);
                    a1 = n1.lanewise(VectorOperators.LSHR, 4).selectFrom(hi1).reinterpretAsFloats().fma(xh, a1);
                }
            }
        }
        a0.intoArray(buf, 0);
        a1.intoArray(buf, L);
        Lanes.sumPair(buf);
    }

    /**
     * Q4_K rows at byte offsets p and p1 × the eight vectors at xa[x0 + k·xs ..] (k &lt; 8), for
     * batches of eight or more: each 16-lane chunk of both rows is looked up once and used for all
     * eight vectors (the decoding is most of a Q4_K dot's work), every (row, vector) accumulator
     * in {@link #q4kPair}'s order, so the results are its bits. Accumulators to {@code acc} as
     * {@link DecodeTiles} lays them out (row 0's eight vectors, then row 1's) for
     * {@link DecodeTiles#finish}. The fma lines are written out: a helper taking the decoded
     * vectors and the accumulators would box them wherever C2 did not inline it.
     */
    private static void q4kTile(MemorySegment w, long p, long p1, float[] xa, int x0, int xs, int blocks, float[] sm,
            boolean first, float[] acc) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        FloatVector b0 = a0, b1 = a0, b2 = a0, b3 = a0, b4 = a0, b5 = a0, b6 = a0, b7 = a0;
        for (int blk = 0; blk < blocks; blk++) {
            long o = 144L * blk;
            int sb = 32 * blk;
            if (first) {
                scalesAndMins(w, p + o, sm, sb);
                scalesAndMins(w, p1 + o, sm, sb + 16);
            }
            for (int pair = 0; pair < 4; pair++) {
                int j = 2 * pair;
                long q0 = p + o + 16 + 32L * pair;
                long q1 = p1 + o + 16 + 32L * pair;
                for (int c = 0; c < 32; c += 16) {
                    int xq = x0 + 256 * blk + 64 * pair + c;
                    IntVector n0 = (IntVector) ByteVector.fromMemorySegment(B_PER_F, w, q0 + c, LITTLE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                    IntVector n1 = (IntVector) ByteVector.fromMemorySegment(B_PER_F, w, q1 + c, LITTLE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                    for (int half = 0; half < 2; half++) {
                        // sub-block j + half: the low nibbles, then the high ones, each with its own
                        // table, chosen by index and shift; a vector chosen by a condition (half == 0
                        // ? low : high) is boxed where C2 does not unroll this loop
                        int s0 = sb + j + half;
                        FloatVector u = n0.lanewise(VectorOperators.LSHR, 4 * half).and(0x0F)
                                .selectFrom(NIBBLES.mul(sm[s0]).sub(sm[s0 + 8]).reinterpretAsInts()).reinterpretAsFloats();
                        FloatVector v = n1.lanewise(VectorOperators.LSHR, 4 * half).and(0x0F)
                                .selectFrom(NIBBLES.mul(sm[s0 + 16]).sub(sm[s0 + 24]).reinterpretAsInts()).reinterpretAsFloats();
                        int xh = xq + 32 * half;
                        FloatVector x;
                        x = FloatVector.fromArray(F, xa, xh);
                        a0 = u.fma(x, a0);
                        b0 = v.fma(x, b0);
                        x = FloatVector.fromArray(F, xa, xh + xs);
                        a1 = u.fma(x, a1);
                        b1 = v.fma(x, b1);
                        x = FloatVector.fromArray(F, xa, xh + 2 * xs);
                        a2 = u.fma(x, a2);
                        b2 = v.fma(x, b2);
                        x = FloatVector.fromArray(F, xa, xh + 3 * xs);
                        a3 = u.fma(x, a3);
                        b3 = v.fma(x, b3);
                        x = FloatVector.fromArray(F, xa, xh + 4 * xs);
                        a4 = u.fma(x, a4);
                        b4 = v.fma(x, b4);
                        x = FloatVector.fromArray(F, xa, xh + 5 * xs);
                        a5 = u.fma(x, a5);
                        b5 = v.fma(x, b5);
                        x = FloatVector.fromArray(F, xa, xh + 6 * xs);
                        a6 = u.fma(x, a6);
                        b6 = v.fma(x, b6);
                        x = FloatVector.fromArray(F, xa, xh + 7 * xs);
                        a7 = u.fma(x, a7);
                        b7 = v.fma(x, b7);
                    }
                }
            }
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
     * The block at {@code p}'s d·sc_j into out[o + j] and dmin·m_j into out[o + 8 + j] (j &lt; 8),
     * the products {@code dotQ4_K} forms, all sixteen in one vector: lane k picks its 6-bit value
     * from the twelve packed bytes ({@link KQuants#q4kScale}'s rule) by two lane permutations,
     * a per-lane shift and masks, then one conversion and one product with [d × 8, dmin × 8].
     * Unpacked with scalar shifts this was a quarter of a Q4_K GEMV (8192 × 4096, one thread:
     * 4.7–4.8 ms, 3.5–3.7 without it); byte by byte, 24 checked segment loads, it had made the
     * kernel 2.5× slower than the dot.
     */
    static void scalesAndMins(MemorySegment w, long p, float[] out, int o) {
        float d = HalfFloats.f16ToFloat(w.get(LE.SHORT, p));
        float dmin = HalfFloats.f16ToFloat(w.get(LE.SHORT, p + 2));
        // the 12 scale bytes and the first 4 quant bytes (ignored), as ints
        IntVector b = (IntVector) ByteVector.fromMemorySegment(B_PER_F, w, p + 4, LITTLE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
        IntVector low = b.rearrange(SCALE_LOW_BYTE).lanewise(VectorOperators.LSHR, SCALE_LOW_SHIFT).and(SCALE_LOW_MASK);
        IntVector high = b.rearrange(SCALE_HIGH_BYTE).lanewise(VectorOperators.LSHR, 6).and(SCALE_HIGH_MASK).lanewise(VectorOperators.LSHL, 4);
        FloatVector factor = FloatVector.broadcast(F, d).blend(dmin, UPPER_EIGHT);
        ((FloatVector) low.or(high).convert(VectorOperators.I2F, 0)).mul(factor).intoArray(out, o);
    }

    /*
     * (Sixteen int lanes: built only where the kernels run, PAIRED.)
     * Lane k < 8: scale j = k; lane k ≥ 8: min j = k − 8. From the packed bytes b[0..12):
     *   scale j < 4: b[j] & 63            min j < 4: b[j + 4] & 63
     *   scale j ≥ 4: b[j + 4] & 15 | (b[j − 4] >> 6) << 4
     *   min j ≥ 4:   b[j + 4] >> 4 | (b[j] >> 6) << 4
     */
    private static final VectorShuffle<Integer> SCALE_LOW_BYTE = !PAIRED ? null : VectorShuffle.fromValues(I,
            0, 1, 2, 3, 8, 9, 10, 11, 4, 5, 6, 7, 8, 9, 10, 11);
    private static final IntVector SCALE_LOW_SHIFT = IntVector.fromArray(I,
            new int[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 4, 4, 4}, 0);
    private static final IntVector SCALE_LOW_MASK = IntVector.fromArray(I,
            new int[] {63, 63, 63, 63, 15, 15, 15, 15, 63, 63, 63, 63, 15, 15, 15, 15}, 0);
    private static final VectorShuffle<Integer> SCALE_HIGH_BYTE = !PAIRED ? null : VectorShuffle.fromValues(I,
            0, 0, 0, 0, 0, 1, 2, 3, 0, 0, 0, 0, 4, 5, 6, 7);
    private static final IntVector SCALE_HIGH_MASK = IntVector.fromArray(I,
            new int[] {0, 0, 0, 0, 3, 3, 3, 3, 0, 0, 0, 0, 3, 3, 3, 3}, 0);
    private static final VectorMask<Float> UPPER_EIGHT = VectorMask.fromLong(F, 0xFF00L);

    // ---- Q6_K -----------------------------------------------------------------------------------

    /**
     * As {@link #q4kPair} for Q6_K rows, with {@link VectorDot#dotQ6_K}'s arithmetic and order
     * (per half h, chunk l and group g: q = low | high &lt;&lt; 4, minus 32, to float, times d·scale,
     * one fma), the scale products in sm as there.
     * Bytes are zero-extended and shifted logically where the dot sign-extends and shifts
     * arithmetically: after the masks the bits are the same. Each chunk of 16 loads its low bytes
     * once for groups g and g + 2 (low and high nibble) and its high bits moved up by four, so a
     * group's two bits are one shift and one mask from their place. Groups go two per pass of a
     * loop, not all four written out: written out (4.1–4.3 ms for an 8192 × 4096 GEMV, one thread,
     * against 4.5–4.7 now and 5.5–5.7 with one group per pass) the method was large enough that
     * about one C2 compilation in six under CPU contention left its vectors boxed (0.13–0.22 MB
     * per call in {@code SteadyStateAllocationTest}); two per pass: none in twelve such runs. The
     * batched tile keeps one group per pass: with both rows' four byte vectors live beside its
     * sixteen accumulators it ran slower (1.75 → 1.95–2.37 ms per vector at B = 8).
     */
    private static void q6kPair(MemorySegment w, long p, long p1, float[] xa, int x0, int blocks, float[] buf,
            float[] sm, boolean first) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0;
        for (int blk = 0; blk < blocks; blk++) {
            long o = 210L * blk;
            int sb = 32 * blk;
            if (first) {
                scales6(w, p + o, sm, sb);
                scales6(w, p1 + o, sm, sb + 16);
            }
            int xb = x0 + 256 * blk;
            for (int h = 0; h < 2; h++) {
                long ql0 = p + o + 64L * h, ql1 = p1 + o + 64L * h;
                long qh0 = p + o + 128 + 32L * h, qh1 = p1 + o + 128 + 32L * h;
                int xh = xb + 128 * h;
                for (int l = 0; l < 32; l += 16) {
                    // high bits moved up by 4: group g's two bits then sit at 4 + 2g, one shift from 0x30
                    IntVector high0 = ((IntVector) ByteVector.fromMemorySegment(B_PER_F, w, qh0 + l, LITTLE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0)).lanewise(VectorOperators.LSHL, 4);
                    IntVector high1 = ((IntVector) ByteVector.fromMemorySegment(B_PER_F, w, qh1 + l, LITTLE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0)).lanewise(VectorOperators.LSHL, 4);
                    // groups 0 and 2 share their low bytes (low and high nibble), as do 1 and 3
                    IntVector even0 = ((IntVector) ByteVector.fromMemorySegment(B_PER_F, w, ql0 + l, LITTLE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0)), odd0 = ((IntVector) ByteVector.fromMemorySegment(B_PER_F, w, ql0 + l + 32, LITTLE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0));
                    IntVector even1 = ((IntVector) ByteVector.fromMemorySegment(B_PER_F, w, ql1 + l, LITTLE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0)), odd1 = ((IntVector) ByteVector.fromMemorySegment(B_PER_F, w, ql1 + l + 32, LITTLE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0));
                    int s = sb + 8 * h + l / 16;
                    // groups 0, 1 take the low nibbles, 2, 3 the high ones: two groups per pass keep
                    // the method small enough to compile reliably (see above), in the order 0, 1, 2, 3
                    for (int half = 0; half < 2; half++) {
                        int g = 2 * half;
                        int xg = xh + l + 32 * g;
                        FloatVector xv = FloatVector.fromArray(F, xa, xg);
                        a0 = ((FloatVector) even0.lanewise(VectorOperators.LSHR, 4 * half).and(15).or(high0.lanewise(VectorOperators.LSHR, 2 * g).and(0x30)).sub(32).convert(VectorOperators.I2F, 0)).mul(sm[s + 2 * g]).fma(xv, a0);
                        a1 = ((FloatVector) even1.lanewise(VectorOperators.LSHR, 4 * half).and(15).or(high1.lanewise(VectorOperators.LSHR, 2 * g).and(0x30)).sub(32).convert(VectorOperators.I2F, 0)).mul(sm[16 + s + 2 * g]).fma(xv, a1);
                        xv = FloatVector.fromArray(F, xa, xg + 32);
                        a0 = ((FloatVector) odd0.lanewise(VectorOperators.LSHR, 4 * half).and(15).or(high0.lanewise(VectorOperators.LSHR, 2 * g + 2).and(0x30)).sub(32).convert(VectorOperators.I2F, 0)).mul(sm[s + 2 * g + 2]).fma(xv, a0);
                        a1 = ((FloatVector) odd1.lanewise(VectorOperators.LSHR, 4 * half).and(15).or(high1.lanewise(VectorOperators.LSHR, 2 * g + 2).and(0x30)).sub(32).convert(VectorOperators.I2F, 0)).mul(sm[16 + s + 2 * g + 2]).fma(xv, a1);
                    }
                }
            }
        }
        a0.intoArray(buf, 0);
        a1.intoArray(buf, L);
        Lanes.sumPair(buf);
    }

    /** As {@link #q4kTile} for Q6_K rows, in {@link #q6kPair}'s order. */
    private static void q6kTile(MemorySegment w, long p, long p1, float[] xa, int x0, int xs, int blocks, float[] sm,
            boolean first, float[] acc) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        FloatVector b0 = a0, b1 = a0, b2 = a0, b3 = a0, b4 = a0, b5 = a0, b6 = a0, b7 = a0;
        for (int blk = 0; blk < blocks; blk++) {
            long o = 210L * blk;
            int sb = 32 * blk;
            if (first) {
                scales6(w, p + o, sm, sb);
                scales6(w, p1 + o, sm, sb + 16);
            }
            for (int h = 0; h < 2; h++) {
                long ql0 = p + o + 64L * h, ql1 = p1 + o + 64L * h;
                long qh0 = p + o + 128 + 32L * h, qh1 = p1 + o + 128 + 32L * h;
                for (int l = 0; l < 32; l += 16) {
                    IntVector high0 = (IntVector) ByteVector.fromMemorySegment(B_PER_F, w, qh0 + l, LITTLE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                    IntVector high1 = (IntVector) ByteVector.fromMemorySegment(B_PER_F, w, qh1 + l, LITTLE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                    for (int g = 0; g < 4; g++) {
                        int lowAt = l + 32 * (g & 1);
                        int shift = 4 * (g >> 1);
                        int s = sb + 8 * h + l / 16 + 2 * g;
                        IntVector low0 = ((IntVector) ByteVector.fromMemorySegment(B_PER_F, w, ql0 + lowAt, LITTLE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0)).lanewise(VectorOperators.LSHR, shift).and(15);
                        IntVector low1 = ((IntVector) ByteVector.fromMemorySegment(B_PER_F, w, ql1 + lowAt, LITTLE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0)).lanewise(VectorOperators.LSHR, shift).and(15);
                        FloatVector u = ((FloatVector) low0.or(high0.lanewise(VectorOperators.LSHR, 2 * g).and(3).lanewise(VectorOperators.LSHL, 4)).sub(32)
                                .convert(VectorOperators.I2F, 0)).mul(sm[s]);
                        FloatVector v = ((FloatVector) low1.or(high1.lanewise(VectorOperators.LSHR, 2 * g).and(3).lanewise(VectorOperators.LSHL, 4)).sub(32)
                                .convert(VectorOperators.I2F, 0)).mul(sm[16 + s]);
                        int xh = x0 + 256 * blk + 128 * h + l + 32 * g;
                        FloatVector x;
                        x = FloatVector.fromArray(F, xa, xh);
                        a0 = u.fma(x, a0);
                        b0 = v.fma(x, b0);
                        x = FloatVector.fromArray(F, xa, xh + xs);
                        a1 = u.fma(x, a1);
                        b1 = v.fma(x, b1);
                        x = FloatVector.fromArray(F, xa, xh + 2 * xs);
                        a2 = u.fma(x, a2);
                        b2 = v.fma(x, b2);
                        x = FloatVector.fromArray(F, xa, xh + 3 * xs);
                        a3 = u.fma(x, a3);
                        b3 = v.fma(x, b3);
                        x = FloatVector.fromArray(F, xa, xh + 4 * xs);
                        a4 = u.fma(x, a4);
                        b4 = v.fma(x, b4);
                        x = FloatVector.fromArray(F, xa, xh + 5 * xs);
                        a5 = u.fma(x, a5);
                        b5 = v.fma(x, b5);
                        x = FloatVector.fromArray(F, xa, xh + 6 * xs);
                        a6 = u.fma(x, a6);
                        b6 = v.fma(x, b6);
                        x = FloatVector.fromArray(F, xa, xh + 7 * xs);
                        a7 = u.fma(x, a7);
                        b7 = v.fma(x, b7);
                    }
                }
            }
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
     * The Q6_K block at {@code p}'s d·scale_i (int8 scales at p + 192, d at p + 208) into
     * out[o + i], i &lt; 16: one sign-extending load, one conversion, one product (the dot's
     * fl(d·scale)); with scalar shifts out of two longs this was a fifth of the GEMV.
     */
    static void scales6(MemorySegment w, long p, float[] out, int o) {
        float d = HalfFloats.f16ToFloat(w.get(LE.SHORT, p + 208));
        ((FloatVector) ByteVector.fromMemorySegment(B_PER_F, w, p + 192, LITTLE).convertShape(VectorOperators.B2F, F, 0))
                .mul(d).intoArray(out, o);
    }
}
