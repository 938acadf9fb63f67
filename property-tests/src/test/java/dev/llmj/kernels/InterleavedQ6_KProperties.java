package dev.llmj.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmj.tensor.DType;
import dev.llmj.tensor.HalfFloats;
import dev.llmj.tensor.LE;
import dev.llmj.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * The interleaved Q6_K GEMV against its specification, computed here straight from the source
 * Q6_K bytes (ggml's layout decoded independently of the codec and of the re-laid tiles): per
 * 32-column block S = sc_lo·Σ q·x_q + sc_hi·Σ q·x_q over its two 16-column halves (exact), then
 * acc = fma(f16(d)·f16(d_x), S, acc) in block order, with x quantized to Q8_0 by the scalar
 * quantizer. Both implementations must give those bits for every (row, vector): no tolerance, so
 * any slip in the layout, the byte sign extension, the eight-column 16-bit sums, the scale
 * products or the super-scale widening changes a bit.
 *
 * <p>Weights are random bytes (every 6-bit value, every int8 scale) with random finite
 * super-scales (normal, subnormal, zero, negative), at unaligned offsets; rows 1..70 cover
 * partial tiles and several row groups split across threads; 1..2 super-blocks are read one
 * row group at a time, 3..4 (26 KiB and more per group) two at a time; activations mix zeros, subnormals
 * and magnitudes up to 1e6 at unaligned offsets.
 */
class InterleavedQ6_KProperties {

    @Property(tries = 100)
    void everyResultIsTheSpecificationBitForBit(@ForAll @IntRange(min = 1, max = 70) int rows,
            @ForAll @IntRange(min = 1, max = 4) int superBlocks, @ForAll @IntRange(min = 1, max = 5) int b,
            @ForAll @IntRange(max = 17) int wOff, @ForAll @IntRange(max = 3) int xPad, @ForAll long seed) {
        Random r = new Random(seed);
        int cols = 256 * superBlocks;
        try (Arena arena = Arena.ofShared()) {
            Tensor w = TestData.shifted(arena, randomQ6_K(arena, r, rows, cols), wOff);
            float[] x = TestData.quantizableVectors(r, b, cols);
            long xOff = 4L * xPad;
            MemorySegment xs = TestData.f32(arena, x, xOff);
            MemorySegment xq = TestData.q8_0Vectors(arena, xs, xOff, b, cols);
            for (Kernels k : TestData.implementationsWithOneThread()) {
                InterleavedQ6_K iw = InterleavedQ6_K.of(w, arena, k.executor());
                MemorySegment ys = arena.allocate(4L * b * rows + 4, 64);
                k.gemvBatch(iw, xs, xOff, b, ys, 4);
                for (int v = 0; v < b; v++) {
                    for (int i = 0; i < rows; i++) {
                        float want = spec(w, i, xq, 34L * cols / 32 * v);
                        float got = ys.get(LE.FLOAT, 4 + 4L * ((long) v * rows + i));
                        assertEquals(Float.floatToIntBits(want), Float.floatToIntBits(got),
                                k + " " + rows + "×" + cols + " b=" + b + ": vector " + v + " row " + i + ": " + got + " vs " + want);
                    }
                }
            }
        }
    }

    @Property(tries = 20)
    void aNonFiniteSuperScaleIsRefusedWithItsRow(@ForAll @IntRange(min = 1, max = 40) int rows, @ForAll boolean nan,
            @ForAll long seed) {
        Random r = new Random(seed);
        try (Arena arena = Arena.ofShared()) {
            Tensor w = randomQ6_K(arena, r, rows, 256);
            int row = r.nextInt(rows);
            w.segment().set(LE.SHORT, w.rowOffset(row) - w.byteOffset() + 208, (short) (nan ? 0x7E00 : 0x7C00));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> InterleavedQ6_K.of(w, arena, KernelExecutor.singleThread()));
            assertTrue(e.getMessage().contains("row " + row + ", super-block 0"), e.getMessage());
        }
    }

    /** Row i of Q6_K matrix w times the Q8_0 vector at x0, from the Q6_K bytes themselves. */
    private static float spec(Tensor w, int i, MemorySegment xq, long x0) {
        MemorySegment s = w.base();
        float acc = 0f;
        for (int sb = 0; sb < w.dim(1) / 256; sb++) {
            long blk = w.rowOffset(i) + 210L * sb;
            float d = HalfFloats.f16ToFloat(s.get(LE.SHORT, blk + 208));
            for (int k = 0; k < 8; k++) {
                long px = x0 + 34L * (8 * sb + k);
                int total = 0;
                for (int half = 0; half < 2; half++) {
                    int sum = 0;
                    for (int e = 32 * k + 16 * half; e < 32 * k + 16 * half + 16; e++) {
                        sum += value(s, blk, e) * xq.get(LE.BYTE, px + 2 + e - 32 * k);
                    }
                    total += s.get(LE.BYTE, blk + 192 + e16(32 * k + 16 * half)) * sum;
                }
                acc = Math.fma(d * HalfFloats.f16ToFloat(xq.get(LE.SHORT, px)), (float) total, acc);
            }
        }
        return acc;
    }

    private static int e16(int e) {
        return e / 16;
    }

    /**
     * Element e (0..255) of a Q6_K block, minus 32: its low 4 bits are in ql (the low or high
     * nibble of byte 64·h + (i mod 64), h = e / 128, i = e mod 128, the high nibble for i ≥ 64),
     * its high 2 bits in qh byte 128 + 32·h + (i mod 32), at bit 2·(i / 32).
     */
    private static int value(MemorySegment s, long blk, int e) {
        int h = e / 128;
        int i = e % 128;
        int ql = s.get(LE.BYTE, blk + 64L * h + (i % 64)) & 0xFF;
        int low = i < 64 ? ql & 15 : ql >>> 4;
        int high = ((s.get(LE.BYTE, blk + 128 + 32L * h + (i % 32)) & 0xFF) >>> (2 * (i / 32))) & 3;
        return (low | high << 4) - 32;
    }

    static Tensor randomQ6_K(Arena arena, Random r, int rows, int cols) {
        Tensor w = Tensor.allocate(arena, DType.Q6_K, rows, cols);
        MemorySegment s = w.segment();
        for (long i = 0; i < s.byteSize(); i++) {
            s.set(LE.BYTE, i, (byte) r.nextInt());
        }
        for (long p = 0; p < s.byteSize(); p += 210) {
            float d = switch (r.nextInt(6)) {
                case 0 -> 0f;
                case 1 -> HalfFloats.f16ToFloat((short) (1 + r.nextInt(0x3FF)));
                default -> (float) (r.nextGaussian() * 0.01);
            };
            s.set(LE.SHORT, p + 208, HalfFloats.floatToF16(r.nextBoolean() ? d : -d));
        }
        return w;
    }
}
