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
 * The interleaved Q4_0 GEMV (decode's kernel for Q4_0 weights) against its specification, for both
 * implementations: every (row, vector) result is bit for bit the scalar {@code dotQ4_0} of the
 * source row and the vector quantized to Q8_0, i.e. {@code Kernels.scalar().gemvBatch} on the
 * source matrix (exact integer block sums, one fma chain over blocks: no tolerance is needed, and
 * any slip in the layout, the nibble sign extension, the 16-bit sums or the scale widening shows
 * as a changed bit).
 *
 * <p>Batches of 1..27 vectors: from 16 on (the vector kernels' {@code InterleavedQ4_0Gemm}, the
 * register-tiled kernel prefill runs) four vectors at a time with the last ones repeated, below it
 * the decode kernels; rows 1..100 give tasks of one row group and of two.
 *
 * <p>Weights are random bytes (every nibble value) with random finite binary16 scales (normal,
 * subnormal, zero, negative, up to 65504), at unaligned offsets; rows 1..100 cover partial tiles
 * and several row groups split across threads; activations mix zeros, subnormals, normal values
 * and magnitudes up to 1e6, at unaligned offsets, with outputs at unaligned offsets too.
 */
class InterleavedQ4_0Properties {
    /**
     * Blocks that make a row group's tiles long enough to be read two groups at a time (the
     * kernel's {@code PAIR_MIN_BYTES}, 24 KiB: 43 blocks of 576 bytes); shorter ones are read one
     * group at a time.
     */
    static final int WIDE_BLOCKS = 42;

    @Property(tries = 150)
    void everyResultIsTheScalarDotQ4_0OfItsSourceRowBitForBit(@ForAll @IntRange(min = 1, max = 100) int rows,
            @ForAll @IntRange(min = 1, max = 8) int blocks, @ForAll @IntRange(min = 1, max = 27) int b,
            @ForAll @IntRange(max = 17) int wOff, @ForAll @IntRange(max = 3) int xPad, @ForAll @IntRange(max = 3) int yPad,
            @ForAll boolean wide, @ForAll long seed) {
        Random r = new Random(seed);
        int cols = 32 * (wide ? WIDE_BLOCKS + blocks : blocks);
        try (Arena arena = Arena.ofShared()) {
            Tensor w = TestData.shifted(arena, randomQ4_0(arena, r, rows, cols), wOff);
            float[] x = TestData.quantizableVectors(r, b, cols);
            long xOff = 4L * xPad;
            MemorySegment xs = TestData.f32(arena, x, xOff);
            MemorySegment spec = arena.allocate(4L * b * rows, 64);
            Kernels.scalar().gemvBatch(w, xs, xOff, b, spec, 0);
            for (Kernels k : TestData.implementationsWithOneThread()) {
                InterleavedQ4_0 iw = InterleavedQ4_0.of(w, arena, k.executor());
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

    /**
     * A tall matrix of short rows (≥ 256 row groups, the kernel's {@code PAIR_MIN_GROUPS}, like a
     * 768-column classifier) is read two groups at a time too; every result is still the scalar
     * {@code dotQ4_0}'s bits.
     */
    @Property(tries = 8)
    void aTallMatrixReadInPairsGivesTheScalarBits(@ForAll @IntRange(min = 8160, max = 8300) int rows,
            @ForAll @IntRange(min = 1, max = 2) int blocks, @ForAll @IntRange(min = 1, max = 2) int b, @ForAll long seed) {
        Random r = new Random(seed);
        int cols = 32 * blocks;
        try (Arena arena = Arena.ofShared()) {
            Tensor w = randomQ4_0(arena, r, rows, cols);
            MemorySegment xs = TestData.f32(arena, TestData.quantizableVectors(r, b, cols), 0);
            MemorySegment spec = arena.allocate(4L * b * rows, 64);
            Kernels.scalar().gemvBatch(w, xs, 0, b, spec, 0);
            for (Kernels k : TestData.implementationsWithOneThread()) {
                MemorySegment ys = arena.allocate(4L * b * rows, 64);
                k.gemvBatch(InterleavedQ4_0.of(w, arena, k.executor()), xs, 0, b, ys, 0);
                assertEquals(-1, spec.mismatch(ys), k + " " + rows + "×" + cols + " b=" + b + ": first differing byte");
            }
        }
    }

    /** A group runs all its weights' rows as one job; each output is exactly the single call's. */
    @Property(tries = 60)
    void aGroupGivesEachWeightItsSingleResult(@ForAll @IntRange(min = 1, max = 3) int count,
            @ForAll @IntRange(min = 1, max = 4) int blocks, @ForAll @IntRange(min = 1, max = 20) int b,
            @ForAll boolean wide, @ForAll long seed) {
        Random r = new Random(seed);
        int cols = 32 * (wide ? WIDE_BLOCKS + blocks : blocks);
        try (Arena arena = Arena.ofShared()) {
            MemorySegment xs = TestData.f32(arena, TestData.quantizableFloats(r, b * cols), 0);
            for (Kernels k : TestData.implementationsWithOneThread()) {
                InterleavedQ4_0[] ws = new InterleavedQ4_0[count];
                MemorySegment[] ys = new MemorySegment[count];
                for (int i = 0; i < count; i++) {
                    ws[i] = InterleavedQ4_0.of(randomQ4_0(arena, r, 1 + r.nextInt(70), cols), arena, k.executor());
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

    /** The kernels widen scales as finite binary16 only, so a matrix with another is refused, by name. */
    @Property(tries = 30)
    void aNonFiniteScaleIsRefusedWithItsRowAndBlock(@ForAll @IntRange(min = 1, max = 40) int rows,
            @ForAll @IntRange(min = 1, max = 4) int blocks, @ForAll boolean nan, @ForAll long seed) {
        Random r = new Random(seed);
        try (Arena arena = Arena.ofShared()) {
            Tensor w = randomQ4_0(arena, r, rows, 32 * blocks);
            int row = r.nextInt(rows);
            int blk = r.nextInt(blocks);
            w.segment().set(LE.SHORT, w.rowOffset(row) - w.byteOffset() + 18L * blk, (short) (nan ? 0x7E00 : 0xFC00));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> InterleavedQ4_0.of(w, arena, KernelExecutor.singleThread()));
            assertTrue(e.getMessage().contains("row " + row + ", block " + blk), e.getMessage());
        }
    }

    @Property(tries = 5)
    void onlyQ4_0IsInterleaved(@ForAll @IntRange(max = 2) int typeIndex) {
        DType t = new DType[] {DType.F32, DType.Q8_0, DType.F16}[typeIndex];
        try (Arena arena = Arena.ofShared()) {
            Tensor w = TestData.randomWeights(arena, new Random(1), t, 4, 64);
            assertThrows(IllegalArgumentException.class, () -> InterleavedQ4_0.of(w, arena, KernelExecutor.singleThread()));
        }
    }

    /** Q4_0 blocks of random bytes with random finite scales, of every kind a binary16 can hold. */
    static Tensor randomQ4_0(Arena arena, Random r, int rows, int cols) {
        Tensor w = Tensor.allocate(arena, DType.Q4_0, rows, cols);
        MemorySegment s = w.segment();
        for (long i = 0; i < s.byteSize(); i++) {
            s.set(LE.BYTE, i, (byte) r.nextInt());
        }
        for (long p = 0; p < s.byteSize(); p += 18) {
            s.set(LE.SHORT, p, TestData.blockScale(r));
        }
        return w;
    }
}
