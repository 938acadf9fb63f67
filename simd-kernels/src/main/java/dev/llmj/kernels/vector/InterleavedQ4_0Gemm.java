package dev.llmj.kernels.vector;

import static dev.llmj.kernels.VectorWidths.F;
import static dev.llmj.kernels.VectorWidths.I;
import static dev.llmj.kernels.VectorWidths.L;
import static dev.llmj.kernels.VectorWidths.S;

import dev.llmj.kernels.InterleavedQ4_0;
import dev.llmj.kernels.KernelExecutor;
import dev.llmj.kernels.Scratch;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;

/**
 * Many vectors against {@link InterleavedQ4_0} tiles at once (prefill, large batches), with Q8_0
 * activations: {@link InterleavedQ4_0Gemv#gemvBatchGroup}'s results bit for bit, register-tiled.
 *
 * <p>Why integers here when the other layouts' GEMMs decode to floats: the float GEMM's fmas run at
 * the core's peak (16 multiply-adds per instruction at 512 bits), and a 16-bit multiply covers 32.
 * A Q4_0 value (−8..7) times a Q8_0 digit (−127..127), summed over a block, fits in a short
 * ({@link InterleavedQ4_0}), so a block's 32 columns accumulate in short lanes with one multiply
 * and one add per 32 rows × 1 column × 1 vector, and only the block's end pays a widening and an
 * fma. A stand-alone copy of this tile ran 1.35× the float micro-kernel's multiply-adds per second;
 * whole calls on one thread (JMH {@code QuantGemmBenchmark}, against the float GEMM on the same
 * copy) 1.49× for 2048 × 768 and 1.13× for 768 × 2048.
 *
 * <p>Each task decodes two row groups (64 rows) once into a panel of sign-extended shorts, column by
 * column, with the groups' block scales widened beside them; then four vectors at a time run the
 * whole k range over the panel, 8 short sums (4 vectors × 2 groups) and 16 float accumulators
 * (even and odd rows) in registers. Per (row, vector) this is {@link InterleavedQ4_0Gemv#part}'s
 * arithmetic: the same exact integer block sums, widened the same way and combined by the same fma
 * chain over blocks, with the same scale products; so the same bits, and a prefill on a Q4_0 copy
 * gives what decoding its tokens one at a time gives.
 *
 * <p>Only at 512 bits ({@link #supported}): there a row group is one short vector.
 */
final class InterleavedQ4_0Gemm {
    private InterleavedQ4_0Gemm() {}

    private static final ByteOrder LITTLE = ByteOrder.LITTLE_ENDIAN;
    /** Vectors per register tile. */
    private static final int QUAD = 4;
    /** Rows per task: two row groups. */
    private static final int TASK_ROWS = 2 * InterleavedQ4_0.TILE_ROWS;
    /** A panel block's values: 32 columns × 2 groups × 32 shorts. */
    private static final int BLOCK_VALUES = 32 * 2 * 64;
    /** A panel block: its values, then per group the even rows' and the odd rows' scales (16 floats each). */
    private static final int BLOCK_BYTES = BLOCK_VALUES + 4 * 64;
    /** 2^112: rebiases a binary16 exponent placed in a float (as {@link InterleavedQ4_0Gemv} does). */
    private static final float REBIAS = 0x1p112f;
    /** Register tiles of vectors a thread quantizes and packs at least, so no hand-off is spent on a few. */
    private static final int PREPARE_QUADS = 2;

    /**
     * Batches at least this large take this kernel. Below it, decoding a panel that only a few
     * vectors read costs more than {@link InterleavedQ4_0Gemv}'s decoding in registers: one
     * thread, 2048 × 768, µs per call, that kernel against this one: b = 8 238 / 321, b = 12 555 /
     * 584, b = 16 803 / 713, b = 32 1630 / 1174.
     */
    static final int MIN_BATCH = 16;

    private static final ThreadLocal<int[]> PAIRS = ThreadLocal.withInitial(() -> new int[0]);
    private static final ThreadLocal<float[]> DX = ThreadLocal.withInitial(() -> new float[0]);
    private static final ThreadLocal<int[]> PACKED = ThreadLocal.withInitial(() -> new int[0]);
    /** One register tile's results, four vectors × 64 rows as {@link #tile} leaves them, per thread. */
    private static final ThreadLocal<float[]> TILE_OUT = ThreadLocal.withInitial(() -> new float[QUAD * TASK_ROWS]);
    /** One vector's 64 results in row order, for a task with fewer valid rows, per thread. */
    private static final ThreadLocal<MemorySegment> ROW =
            ThreadLocal.withInitial(() -> MemorySegment.ofArray(new float[TASK_ROWS]));

    /** Whether this kernel runs at the current vector width (a row group is one short vector). */
    static boolean supported() {
        return S.length() == InterleavedQ4_0.TILE_ROWS;
    }

    /**
     * ys[i] (b vectors of ws[i].rows() floats from byte yOffs[i]) = ws[i] · xs[v] for every v, as
     * {@link InterleavedQ4_0Gemv#gemvBatchGroup} computes them; every ws[i] has the same column count.
     */
    static void gemmGroup(KernelExecutor executor, InterleavedQ4_0[] ws, MemorySegment xs, long xOff, int b,
            MemorySegment[] ys, long[] yOffs) {
        int cols = ws[0].cols();
        int blocks = cols / 32;
        if ((long) (b + QUAD) * cols > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException(b + " vectors of " + cols + " activations are too many for one call"
                    + " on interleaved Q4_0 weights (at most 2^31 in all): split the batch");
        }
        int[] pairs = Scratch.ints(PAIRS, b * cols);
        float[] dx = Scratch.floats(DX, b * blocks);
        // quantized once and packed for the register tiles: each register tile's four vectors side
        // by side, column by column (the last vector repeated to fill the last tile), so a column's
        // four broadcasts share one address (the loop's bookkeeping per column went from about 15
        // scalar instructions, the array reloaded from the stack, to 9). Every thread takes a range
        // of tiles, quantizing and then packing their vectors: one hand-off, which orders these
        // writes before the tasks' reads.
        int quads = (b + QUAD - 1) / QUAD;
        int[] packed = Scratch.ints(PACKED, quads * QUAD * cols);
        executor.reaching(xs).parallelRanges(quads, PREPARE_QUADS, (q0, q1) -> {
            for (int v = QUAD * q0; v < Math.min(b, QUAD * q1); v++) {
                VectorQuantize.q8_0Pairs(xs, xOff + 4L * v * cols, pairs, v * cols, dx, v * blocks, cols);
            }
            for (int q = q0; q < q1; q++) {
                pack(pairs, packed, q, b, cols);
            }
        });
        int[] tasks = InterleavedGemm.tasks(ws);
        executor.reaching(InterleavedGemm.reach(ws, ys)).parallelFor(tasks.length / 3, t -> {
            int i = tasks[3 * t];
            runTask(ws[i], tasks[3 * t + 1], tasks[3 * t + 2], packed, dx, b, ys[i], yOffs[i]);
        });
    }

    /**
     * Vectors 4q .. 4q+3 of {@code pairs} (each {@code cols} long; past b − 1 the last one again)
     * side by side into packed[4q·cols ..]: column j's four values at 4j .. 4j+3. Sixteen columns
     * at a time, a 4 × 16 transpose in two rounds of zips (ints, then int pairs as longs); a
     * scalar loop over the elements cost 1.4 % of a prefill.
     */
    private static void pack(int[] pairs, int[] packed, int q, int b, int cols) {
        int s0 = Math.min(QUAD * q, b - 1) * cols, s1 = Math.min(QUAD * q + 1, b - 1) * cols;
        int s2 = Math.min(QUAD * q + 2, b - 1) * cols, s3 = Math.min(QUAD * q + 3, b - 1) * cols;
        int dst = QUAD * q * cols;
        int l = I.length();
        for (int j = 0; j < cols; j += l, dst += QUAD * l) {
            IntVector r0 = IntVector.fromArray(I, pairs, s0 + j), r1 = IntVector.fromArray(I, pairs, s1 + j);
            IntVector r2 = IntVector.fromArray(I, pairs, s2 + j), r3 = IntVector.fromArray(I, pairs, s3 + j);
            // (r0[k], r1[k]) and (r2[k], r3[k]) as longs, columns 0..7 and 8..15
            LongVector lo01 = r0.rearrange(ZIP_INTS_LOW, r1).reinterpretAsLongs();
            LongVector hi01 = r0.rearrange(ZIP_INTS_HIGH, r1).reinterpretAsLongs();
            LongVector lo23 = r2.rearrange(ZIP_INTS_LOW, r3).reinterpretAsLongs();
            LongVector hi23 = r2.rearrange(ZIP_INTS_HIGH, r3).reinterpretAsLongs();
            lo01.rearrange(ZIP_LONGS_LOW, lo23).reinterpretAsInts().intoArray(packed, dst);
            lo01.rearrange(ZIP_LONGS_HIGH, lo23).reinterpretAsInts().intoArray(packed, dst + l);
            hi01.rearrange(ZIP_LONGS_LOW, hi23).reinterpretAsInts().intoArray(packed, dst + 2 * l);
            hi01.rearrange(ZIP_LONGS_HIGH, hi23).reinterpretAsInts().intoArray(packed, dst + 3 * l);
        }
    }

    /** Lane k of the first vector, then lane k of the second, for the lower (upper) half of the lanes. */
    private static final VectorShuffle<Integer> ZIP_INTS_LOW = InterleavedGemm.zip(I, 0);
    private static final VectorShuffle<Integer> ZIP_INTS_HIGH = InterleavedGemm.zip(I, I.length() / 2);
    private static final VectorShuffle<Long> ZIP_LONGS_LOW = InterleavedGemm.zip(L, 0);
    private static final VectorShuffle<Long> ZIP_LONGS_HIGH = InterleavedGemm.zip(L, L.length() / 2);

    /** Row groups g0 .. g1−1 (one or two) of w against every vector ({@code packed}: see {@link #tile}), into y. */
    private static void runTask(InterleavedQ4_0 w, int g0, int g1, int[] packed, float[] dx, int b, MemorySegment y,
            long yOff) {
        int blocks = w.blocks();
        MemorySegment panel = Scratch.get(Scratch.Slot.WEIGHT_PANEL, (long) BLOCK_BYTES * blocks);
        decodePanel(w, g0, g1, panel);
        float[] out = TILE_OUT.get();
        int r0 = g0 * InterleavedQ4_0.TILE_ROWS;
        int valid = Math.min(w.rows() - r0, TASK_ROWS);
        int cols = w.cols();
        MemorySegment row = ROW.get();
        for (int v = 0; v < b; v += QUAD) {
            tile(panel, blocks, packed, dx, cols, v, b - 1, out);
            for (int u = 0; u < QUAD && v + u < b; u++) {
                long at = yOff + 4L * ((long) (v + u) * w.rows() + r0);
                if (valid == TASK_ROWS) {
                    toRowOrder(out, u * TASK_ROWS, y, at);
                } else {
                    toRowOrder(out, u * TASK_ROWS, row, 0);
                    MemorySegment.copy(row, 0, y, at, 4L * valid);
                }
            }
        }
    }

    /**
     * One vector's 64 results from out[from ..] (each group's even rows, then its odd rows, as
     * {@link #tile} leaves them) into dst from byte {@code at}, in row order. Stored straight into
     * the output where a task's 64 rows are all the matrix's: staging them in an array and copying
     * them out cost 5 % of a two-thread prefill. Only arrays and segments cross this call.
     */
    private static void toRowOrder(float[] out, int from, MemorySegment dst, long at) {
        int l = F.length();
        for (int h = 0; h < 2; h++) {
            FloatVector even = FloatVector.fromArray(F, out, from + 2 * h * l);
            FloatVector odd = FloatVector.fromArray(F, out, from + (2 * h + 1) * l);
            even.rearrange(InterleavedGemm.ZIP_LOW, odd).intoMemorySegment(dst, at + 4L * 2 * h * l, LITTLE);
            even.rearrange(InterleavedGemm.ZIP_HIGH, odd).intoMemorySegment(dst, at + 4L * (2 * h + 1) * l, LITTLE);
        }
    }

    /**
     * Row groups g0 (and g0 + 1 when below g1) of w as a panel: per block, column c's 32 values of
     * group h as sign-extended shorts at {@code 128·c + 64·h}, then group h's widened even-row and
     * odd-row scales at {@link #BLOCK_VALUES} + 128·h (+ 64). A missing second group is zeros.
     */
    private static void decodePanel(InterleavedQ4_0 w, int g0, int g1, MemorySegment panel) {
        MemorySegment t = w.tiles();
        ShortVector twelve = ShortVector.broadcast(S, (short) 12);
        for (int blk = 0; blk < w.blocks(); blk++) {
            long p = (long) blk * BLOCK_BYTES;
            for (int h = 0; h < 2; h++) {
                if (g0 + h >= g1) {
                    for (int c = 0; c < 32; c++) {
                        panel.asSlice(p + 128L * c + 64L * h, 64).fill((byte) 0);
                    }
                    panel.asSlice(p + BLOCK_VALUES + 128L * h, 128).fill((byte) 0);
                    continue;
                }
                long off = w.tile(g0 + h, blk);
                for (int c = 0; c < 8; c++) {
                    IntVector x = IntVector.fromMemorySegment(I, t, off + 64L * c, LITTLE);
                    for (int k = 0; k < 4; k++) {
                        // nibble k of every short to the top by an int shift, then sign-extended
                        // (InterleavedQ4_0Gemv#part's decoding)
                        ((ShortVector) x.lanewise(VectorOperators.LSHL, 12 - 4 * k).reinterpretShape(S, 0))
                                .lanewise(VectorOperators.ASHR, twelve)
                                .intoMemorySegment(panel, p + 128L * (4 * c + k) + 64L * h, LITTLE);
                    }
                }
                // binary16 scales widened as InterleavedQ4_0Gemv#part does (× 2^112 still to come)
                IntVector d = IntVector.fromMemorySegment(I, t, off + InterleavedQ4_0.SCALES, LITTLE);
                d.lanewise(VectorOperators.LSHL, 13).and(0x0FFFE000).or(d.lanewise(VectorOperators.LSHL, 16).and(0x80000000))
                        .intoMemorySegment(panel, p + BLOCK_VALUES + 128L * h, LITTLE);
                d.lanewise(VectorOperators.LSHR, 3).and(0x0FFFE000).or(d.and(0x80000000))
                        .intoMemorySegment(panel, p + BLOCK_VALUES + 128L * h + 64, LITTLE);
            }
        }
    }

    /**
     * Vectors v .. v+3 (v a multiple of 4; indices past {@code last} repeat vector {@code last},
     * their results are not used) against the panel's 64 rows, into out[64u ..] for vector v+u:
     * group 0's even rows, its odd rows, then group 1's. {@code packed} holds the four vectors'
     * activations column by column from v·cols (see {@link #gemmGroup}). One method holding every
     * vector it uses, so nothing is boxed; written out for four vectors and two groups because an
     * array of vectors would be.
     */
    private static void tile(MemorySegment panel, int blocks, int[] packed, float[] dx, int cols, int v, int last,
            float[] out) {
        int v1 = Math.min(v + 1, last), v2 = Math.min(v + 2, last), v3 = Math.min(v + 3, last);
        int d0 = v * blocks, d1 = v1 * blocks, d2 = v2 * blocks, d3 = v3 * blocks;
        FloatVector e00 = FloatVector.zero(F), o00 = e00, e01 = e00, o01 = e00;
        FloatVector e10 = e00, o10 = e00, e11 = e00, o11 = e00;
        FloatVector e20 = e00, o20 = e00, e21 = e00, o21 = e00;
        FloatVector e30 = e00, o30 = e00, e31 = e00, o31 = e00;
        long p = 0;
        for (int blk = 0; blk < blocks; blk++, p += BLOCK_BYTES) {
            ShortVector s00 = ShortVector.zero(S), s01 = s00, s10 = s00, s11 = s00;
            ShortVector s20 = s00, s21 = s00, s30 = s00, s31 = s00;
            int j = v * cols + QUAD * 32 * blk;
            long c = p;
            for (int n = 0; n < 32; n++, j += QUAD, c += 128) {
                ShortVector w0 = ShortVector.fromMemorySegment(S, panel, c, LITTLE);
                ShortVector w1 = ShortVector.fromMemorySegment(S, panel, c + 64, LITTLE);
                ShortVector x = (ShortVector) IntVector.broadcast(I, packed[j]).reinterpretShape(S, 0);
                s00 = s00.add(w0.mul(x));
                s01 = s01.add(w1.mul(x));
                x = (ShortVector) IntVector.broadcast(I, packed[j + 1]).reinterpretShape(S, 0);
                s10 = s10.add(w0.mul(x));
                s11 = s11.add(w1.mul(x));
                x = (ShortVector) IntVector.broadcast(I, packed[j + 2]).reinterpretShape(S, 0);
                s20 = s20.add(w0.mul(x));
                s21 = s21.add(w1.mul(x));
                x = (ShortVector) IntVector.broadcast(I, packed[j + 3]).reinterpretShape(S, 0);
                s30 = s30.add(w0.mul(x));
                s31 = s31.add(w1.mul(x));
            }
            long sc = p + BLOCK_VALUES;
            FloatVector dE0 = FloatVector.fromMemorySegment(F, panel, sc, LITTLE);
            FloatVector dO0 = FloatVector.fromMemorySegment(F, panel, sc + 64, LITTLE);
            FloatVector dE1 = FloatVector.fromMemorySegment(F, panel, sc + 128, LITTLE);
            FloatVector dO1 = FloatVector.fromMemorySegment(F, panel, sc + 192, LITTLE);
            float x0 = dx[d0 + blk] * REBIAS;
            e00 = ((FloatVector) ((IntVector) s00.reinterpretShape(I, 0)).lanewise(VectorOperators.LSHL, 16)
                    .lanewise(VectorOperators.ASHR, 16).convert(VectorOperators.I2F, 0)).fma(dE0.mul(x0), e00);
            o00 = ((FloatVector) ((IntVector) s00.reinterpretShape(I, 0)).lanewise(VectorOperators.ASHR, 16)
                    .convert(VectorOperators.I2F, 0)).fma(dO0.mul(x0), o00);
            e01 = ((FloatVector) ((IntVector) s01.reinterpretShape(I, 0)).lanewise(VectorOperators.LSHL, 16)
                    .lanewise(VectorOperators.ASHR, 16).convert(VectorOperators.I2F, 0)).fma(dE1.mul(x0), e01);
            o01 = ((FloatVector) ((IntVector) s01.reinterpretShape(I, 0)).lanewise(VectorOperators.ASHR, 16)
                    .convert(VectorOperators.I2F, 0)).fma(dO1.mul(x0), o01);
            float x1 = dx[d1 + blk] * REBIAS;
            e10 = ((FloatVector) ((IntVector) s10.reinterpretShape(I, 0)).lanewise(VectorOperators.LSHL, 16)
                    .lanewise(VectorOperators.ASHR, 16).convert(VectorOperators.I2F, 0)).fma(dE0.mul(x1), e10);
            o10 = ((FloatVector) ((IntVector) s10.reinterpretShape(I, 0)).lanewise(VectorOperators.ASHR, 16)
                    .convert(VectorOperators.I2F, 0)).fma(dO0.mul(x1), o10);
            e11 = ((FloatVector) ((IntVector) s11.reinterpretShape(I, 0)).lanewise(VectorOperators.LSHL, 16)
                    .lanewise(VectorOperators.ASHR, 16).convert(VectorOperators.I2F, 0)).fma(dE1.mul(x1), e11);
            o11 = ((FloatVector) ((IntVector) s11.reinterpretShape(I, 0)).lanewise(VectorOperators.ASHR, 16)
                    .convert(VectorOperators.I2F, 0)).fma(dO1.mul(x1), o11);
            float x2 = dx[d2 + blk] * REBIAS;
            e20 = ((FloatVector) ((IntVector) s20.reinterpretShape(I, 0)).lanewise(VectorOperators.LSHL, 16)
                    .lanewise(VectorOperators.ASHR, 16).convert(VectorOperators.I2F, 0)).fma(dE0.mul(x2), e20);
            o20 = ((FloatVector) ((IntVector) s20.reinterpretShape(I, 0)).lanewise(VectorOperators.ASHR, 16)
                    .convert(VectorOperators.I2F, 0)).fma(dO0.mul(x2), o20);
            e21 = ((FloatVector) ((IntVector) s21.reinterpretShape(I, 0)).lanewise(VectorOperators.LSHL, 16)
                    .lanewise(VectorOperators.ASHR, 16).convert(VectorOperators.I2F, 0)).fma(dE1.mul(x2), e21);
            o21 = ((FloatVector) ((IntVector) s21.reinterpretShape(I, 0)).lanewise(VectorOperators.ASHR, 16)
                    .convert(VectorOperators.I2F, 0)).fma(dO1.mul(x2), o21);
            float x3 = dx[d3 + blk] * REBIAS;
            e30 = ((FloatVector) ((IntVector) s30.reinterpretShape(I, 0)).lanewise(VectorOperators.LSHL, 16)
                    .lanewise(VectorOperators.ASHR, 16).convert(VectorOperators.I2F, 0)).fma(dE0.mul(x3), e30);
            o30 = ((FloatVector) ((IntVector) s30.reinterpretShape(I, 0)).lanewise(VectorOperators.ASHR, 16)
                    .convert(VectorOperators.I2F, 0)).fma(dO0.mul(x3), o30);
            e31 = ((FloatVector) ((IntVector) s31.reinterpretShape(I, 0)).lanewise(VectorOperators.LSHL, 16)
                    .lanewise(VectorOperators.ASHR, 16).convert(VectorOperators.I2F, 0)).fma(dE1.mul(x3), e31);
            o31 = ((FloatVector) ((IntVector) s31.reinterpretShape(I, 0)).lanewise(VectorOperators.ASHR, 16)
                    .convert(VectorOperators.I2F, 0)).fma(dO1.mul(x3), o31);
        }
        // each vector's 64 rows as [group 0 even, odd, group 1 even, odd], put in row order by toRowOrder
        int l = F.length();
        e00.intoArray(out, 0);
        o00.intoArray(out, l);
        e01.intoArray(out, 2 * l);
        o01.intoArray(out, 3 * l);
        e10.intoArray(out, TASK_ROWS);
        o10.intoArray(out, TASK_ROWS + l);
        e11.intoArray(out, TASK_ROWS + 2 * l);
        o11.intoArray(out, TASK_ROWS + 3 * l);
        e20.intoArray(out, 2 * TASK_ROWS);
        o20.intoArray(out, 2 * TASK_ROWS + l);
        e21.intoArray(out, 2 * TASK_ROWS + 2 * l);
        o21.intoArray(out, 2 * TASK_ROWS + 3 * l);
        e30.intoArray(out, 3 * TASK_ROWS);
        o30.intoArray(out, 3 * TASK_ROWS + l);
        e31.intoArray(out, 3 * TASK_ROWS + 2 * l);
        o31.intoArray(out, 3 * TASK_ROWS + 3 * l);
    }
}
