package dev.llmj.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmj.tensor.DType;
import dev.llmj.tensor.LE;
import dev.llmj.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * The interleaved Q8_0 GEMV (decode's kernel for Q8_0 weights) against its specification, for the
 * scalar twin and the vector kernels (on the default executor and on one thread, where row groups
 * are read in pairs): every (row, vector) result is bit for bit the scalar {@code dotQ8_0} of the
 * source row and the vector quantized to Q8_0, i.e. {@code Kernels.scalar().gemvBatch} on the
 * source matrix. Exact integer block sums and one fma chain leave no room for a tolerance: a slip in
 * the layout, the byte sign extension, the digit split or the scale widening changes a bit.
 *
 * <p>Weights are random bytes in −127..127, with the extremes ±127 in whole blocks now and then
 * (the digit sums' bound, ±32512, is reached only there), and random finite binary16 scales
 * (normal, subnormal, zero, negative, up to 65504), at unaligned offsets; rows 1..100 cover
 * partial tiles; widths of 1..8 blocks are read one row group at a time and widths of 25..32
 * blocks (past the pairing threshold, 24 KiB per group) two at a time; activations mix zeros,
 * subnormals, normal values and magnitudes up to 1e6 (with whole blocks at ±max, whose digits are
 * ±8), at unaligned offsets.
 */
class InterleavedQ8_0Properties {
    /** Blocks past which a row group's tiles are read in pairs (24 blocks of 1088 bytes = 25.5 KiB ≥ 24 KiB). */
    static final int WIDE_BLOCKS = 24;

    @Property(tries = 150)
    void everyResultIsTheScalarDotQ8_0OfItsSourceRowBitForBit(@ForAll @IntRange(min = 1, max = 100) int rows,
            @ForAll @IntRange(min = 1, max = 8) int blocks, @ForAll @IntRange(min = 1, max = 9) int b,
            @ForAll @IntRange(max = 17) int wOff, @ForAll @IntRange(max = 3) int xPad, @ForAll @IntRange(max = 3) int yPad,
            @ForAll boolean wide, @ForAll long seed) {
        Random r = new Random(seed);
        int cols = 32 * (wide ? WIDE_BLOCKS + blocks : blocks);
        try (Arena arena = Arena.ofShared()) {
            Tensor w = TestData.shifted(arena, randomQ8_0(arena, r, rows, cols), wOff);
            float[] x = withExtremeBlocks(r, TestData.quantizableVectors(r, b, cols));
            long xOff = 4L * xPad;
            MemorySegment xs = TestData.f32(arena, x, xOff);
            MemorySegment spec = arena.allocate(4L * b * rows, 64);
            Kernels.scalar().gemvBatch(w, xs, xOff, b, spec, 0);
            for (Kernels k : TestData.implementationsWithOneThread()) {
                InterleavedQ8_0 iw = InterleavedQ8_0.of(w, arena, k.executor());
                long yOff = 4L * yPad;
                MemorySegment ys = arena.allocate(yOff + 4L * b * rows, 64);
                k.gemvBatch(iw, xs, xOff, b, ys, yOff);
                for (int v = 0; v < b; v++) {
                    for (int i = 0; i < rows; i++) {
                        float want = spec.get(LE.FLOAT, 4L * ((long) v * rows + i));
                        float got = ys.get(LE.FLOAT, yOff + 4L * ((long) v * rows + i));
                        assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(got),
                                k + " " + rows + "×" + cols + " b=" + b + ": vector " + v + " row " + i + ": " + got + " vs " + want);
                    }
                }
            }
        }
    }

    /** A group runs all its weights' rows as one job; each output is exactly the single call's. */
    @Property(tries = 60)
    void aGroupGivesEachWeightItsSingleResult(@ForAll @IntRange(min = 1, max = 3) int count,
            @ForAll @IntRange(min = 1, max = 4) int blocks, @ForAll @IntRange(min = 1, max = 4) int b,
            @ForAll boolean wide, @ForAll long seed) {
        Random r = new Random(seed);
        int cols = 32 * (wide ? WIDE_BLOCKS + blocks : blocks);
        try (Arena arena = Arena.ofShared()) {
            MemorySegment xs = TestData.f32(arena, TestData.quantizableFloats(r, b * cols), 0);
            for (Kernels k : TestData.implementationsWithOneThread()) {
                InterleavedQ8_0[] ws = new InterleavedQ8_0[count];
                MemorySegment[] ys = new MemorySegment[count];
                for (int i = 0; i < count; i++) {
                    ws[i] = InterleavedQ8_0.of(randomQ8_0(arena, r, 1 + r.nextInt(70), cols), arena, k.executor());
                    ys[i] = arena.allocate(4L * b * ws[i].rows(), 64);
                }
                k.gemvBatchGroup(ws, xs, 0, b, ys);
                for (int i = 0; i < count; i++) {
                    MemorySegment single = arena.allocate(4L * b * ws[i].rows(), 64);
                    k.gemvBatch(ws[i], xs, 0, b, single, 0);
                    assertEquals(-1, single.mismatch(ys[i]), k + ": weight " + i + " of " + count);
                }
            }
        }
    }

    /** A non-finite scale, or a −128 the digit sums could overflow on, is refused by row and block. */
    @Property(tries = 40)
    void aNonFiniteScaleOrAMinus128IsRefusedWithItsRowAndBlock(@ForAll @IntRange(min = 1, max = 40) int rows,
            @ForAll @IntRange(min = 1, max = 4) int blocks, @ForAll @IntRange(max = 2) int kind, @ForAll long seed) {
        Random r = new Random(seed);
        try (Arena arena = Arena.ofShared()) {
            Tensor w = randomQ8_0(arena, r, rows, 32 * blocks);
            int row = r.nextInt(rows);
            int blk = r.nextInt(blocks);
            long block = w.rowOffset(row) - w.byteOffset() + 34L * blk;
            switch (kind) {
                case 0 -> w.segment().set(LE.SHORT, block, (short) 0x7E00);
                case 1 -> w.segment().set(LE.SHORT, block, (short) 0xFC00);
                default -> w.segment().set(LE.BYTE, block + 2 + r.nextInt(32), Byte.MIN_VALUE);
            }
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> InterleavedQ8_0.of(w, arena, KernelExecutor.singleThread()));
            assertTrue(e.getMessage().contains("row " + row + ", block " + blk), e.getMessage());
            assertTrue(e.getMessage().contains(kind == 2 ? "-128" : "non-finite"), e.getMessage());
        }
    }

    @Property(tries = 5)
    void onlyQ8_0IsInterleavedHere(@ForAll @IntRange(max = 2) int typeIndex) {
        DType t = new DType[] {DType.F32, DType.Q4_0, DType.F16}[typeIndex];
        try (Arena arena = Arena.ofShared()) {
            Tensor w = TestData.randomWeights(arena, new Random(1), t, 4, 64);
            assertThrows(IllegalArgumentException.class, () -> InterleavedQ8_0.of(w, arena, KernelExecutor.singleThread()));
        }
    }

    /**
     * Q8_0 blocks of random values in −127..127 (one block in eight all ±127, where the digit sums
     * reach their bound) with random finite scales of every kind a binary16 can hold.
     */
    static Tensor randomQ8_0(Arena arena, Random r, int rows, int cols) {
        Tensor w = Tensor.allocate(arena, DType.Q8_0, rows, cols);
        MemorySegment s = w.segment();
        for (long p = 0; p < s.byteSize(); p += 34) {
            boolean extreme = r.nextInt(8) == 0;
            int sign = r.nextBoolean() ? 1 : -1;
            for (int e = 0; e < 32; e++) {
                s.set(LE.BYTE, p + 2 + e, (byte) (extreme ? 127 * sign : r.nextInt(255) - 127));
            }
            s.set(LE.SHORT, p, TestData.blockScale(r));
        }
        return w;
    }

    /** Now and then a whole 32-element block of one magnitude and sign: it quantizes to ±127 throughout. */
    private static float[] withExtremeBlocks(Random r, float[] x) {
        for (int blk = 0; blk < x.length / 32; blk++) {
            if (r.nextInt(6) == 0) {
                float v = r.nextBoolean() ? 3.5f : -3.5f;
                java.util.Arrays.fill(x, 32 * blk, 32 * blk + 32, v);
            }
        }
        return x;
    }
}
