package dev.llmj.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.llmj.tensor.DType;
import dev.llmj.tensor.Tensor;
import dev.llmj.tensor.quant.Codecs;
import dev.llmj.tensor.quant.Q8_0Codec;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * GEMV for every decodable dtype: y[r] against the double dot of the dequantized row with x (or,
 * for Q8_0/Q4_0 weights, with x after the same Q8_0 round trip the kernels do). Shared (pool)
 * arenas, so rows really are split across threads; weights at unaligned offsets.
 */
class GemvProperties {
    private static final DType[] TYPES = {DType.F32, DType.F16, DType.BF16, DType.Q8_0, DType.Q4_0, DType.Q4_K, DType.Q6_K};

    @Property
    void gemvMatchesDequantizedDouble(@ForAll @IntRange(max = 6) int typeIndex, @ForAll @IntRange(max = 90) int rows,
            @ForAll @IntRange(min = 1, max = 8) int blocks, @ForAll @IntRange(max = 9) int wOff,
            @ForAll @IntRange(max = 9) int xOff, @ForAll long seed) {
        DType t = TYPES[typeIndex];
        int unit = t.isQuantized() ? t.blockSize() : 1 + new Random(seed).nextInt(97);
        int cols = t.blockSize() == 256 ? 256 * Math.min(blocks, 4) : unit * blocks * (t.isQuantized() ? 1 : 3);
        Random r = new Random(seed);
        try (Arena arena = Arena.ofShared()) {
            Tensor w = TestData.shifted(arena, TestData.randomWeights(arena, r, t, Math.max(rows, 1), cols)
                    .rowRange(0, rows), wOff);
            float[] x = TestData.quantizableFloats(r, cols);
            MemorySegment xs = TestData.f32(arena, x, xOff);
            float[] xEff = x;
            if (t == DType.Q8_0 || t == DType.Q4_0) {
                MemorySegment q = arena.allocate(DType.Q8_0.byteSize(cols), 64);
                new Q8_0Codec().quantize(x, 0, q, 0, cols);
                xEff = new float[cols];
                Codecs.forType(DType.Q8_0).dequantize(q, 0, xEff, 0, cols);
            }
            float[] wf = w.toFloatArray();
            for (Kernels k : TestData.implementations()) {
                MemorySegment y = arena.allocate(4L * rows + 3, 64);
                k.gemv(w, xs, xOff, y, 3);
                float[] got = TestData.read(y, 3, rows);
                for (int i = 0; i < rows; i++) {
                    float[] row = java.util.Arrays.copyOfRange(wf, i * cols, (i + 1) * cols);
                    double[] ref = TestData.dotAndMagnitude(row, xEff);
                    // Q8_0 × Q8_0 products scale once by d_w·d_x instead of rounding d·q twice: 3ε more.
                    double bound = TestData.dotBound(cols, ref[1]) + 3 * TestData.EPS * ref[1];
                    assertEquals(ref[0], got[i], bound, k + " " + t + " row " + i + " of " + rows + "×" + cols);
                }
            }
        }
    }

    /**
     * For Q8_0/Q4_0 weights gemv quantizes x to Q8_0 once and each y[r] is then exactly the
     * quantized dot of row r with it: per block an exact integer sum, one scale product, one
     * accumulator fma per lane, the fixed lane fold. For Q4_K/Q6_K each y[r] is the dot of row r
     * with x. So every row must equal the same implementation's dot for its dtype bit for bit,
     * whichever row kernel (one row, or two rows per loop at 512 bits: odd row counts pair the
     * middle row with itself) and thread computed it.
     */
    @Property(tries = 300)
    void quantizedGemvRowsEqualTheirDotBitForBit(@ForAll @IntRange(max = 3) int typeIndex,
            @ForAll @IntRange(min = 1, max = 45) int rows, @ForAll @IntRange(min = 1, max = 9) int blocks,
            @ForAll @IntRange(max = 9) int wOff, @ForAll @IntRange(max = 9) int xOff, @ForAll long seed) {
        DType t = new DType[] {DType.Q8_0, DType.Q4_0, DType.Q4_K, DType.Q6_K}[typeIndex];
        int cols = t.blockSize() == 256 ? 256 * Math.min(blocks, 4) : 32 * blocks;
        Random r = new Random(seed);
        try (Arena arena = Arena.ofShared()) {
            Tensor w = TestData.shifted(arena, TestData.randomWeights(arena, r, t, rows, cols), wOff);
            float[] x = TestData.quantizableFloats(r, cols);
            MemorySegment xs = TestData.f32(arena, x, xOff);
            MemorySegment xq = arena.allocate(DType.Q8_0.byteSize(cols), 64);
            new Q8_0Codec().quantize(x, 0, xq, 0, cols);
            for (Kernels k : TestData.implementations()) {
                MemorySegment y = arena.allocate(4L * rows, 64);
                k.gemv(w, xs, xOff, y, 0);
                for (int i = 0; i < rows; i++) {
                    long row = w.rowOffset(i);
                    float dot = switch (t) {
                        case Q8_0 -> k.dotQ8_0(w.base(), row, xq, 0, cols);
                        case Q4_0 -> k.dotQ4_0(w.base(), row, xq, 0, cols);
                        case Q4_K -> k.dotQ4_K(w.base(), row, xs, xOff, cols);
                        default -> k.dotQ6_K(w.base(), row, xs, xOff, cols);
                    };
                    float got = y.getAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, i);
                    assertEquals(Float.floatToRawIntBits(dot), Float.floatToRawIntBits(got),
                            k + " " + t + " row " + i + " of " + rows + "×" + cols + ": dot " + dot + ", gemv " + got);
                }
            }
        }
    }

    /**
     * Half-float rows of arbitrary bits (subnormals, infinities, NaNs among them) give gemv and a
     * batch of 4 to 6 vectors (F16: the shared widening of {@code HalfGemv}) the same results as
     * the row's dot with each vector, so every binary16 and bfloat16 pattern is widened as the dot
     * widens it (results that are NaN only need to be NaN).
     */
    @Property(tries = 200)
    void halfGemvOfAnyBitsEqualsTheDots(@ForAll boolean bf16, @ForAll @IntRange(min = 1, max = 9) int rows,
            @ForAll @IntRange(min = 1, max = 200) int cols, @ForAll @IntRange(min = 4, max = 6) int b,
            @ForAll long seed) {
        DType t = bf16 ? DType.BF16 : DType.F16;
        Random r = new Random(seed);
        try (Arena arena = Arena.ofShared()) {
            MemorySegment wSeg = arena.allocate(2L * rows * cols, 64);
            for (long i = 0; i < (long) rows * cols; i++) {
                // random bits; exponent all ones (inf/NaN) kept one time in 40, set to zero (subnormals)
                // one time in 8, so that most rows stay finite and the finite results get compared
                int bits = r.nextInt(1 << 16);
                int exponent = bf16 ? 0x7F80 : 0x7C00;
                if ((bits & exponent) == exponent && r.nextInt(40) != 0) {
                    bits ^= exponent & (exponent << 1); // clear the exponent's top bit
                }
                if (r.nextInt(8) == 0) {
                    bits &= ~exponent;
                }
                wSeg.setAtIndex(java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED, i, (short) bits);
            }
            Tensor w = Tensor.wrap(wSeg, 0, t, rows, cols);
            MemorySegment xs = arena.allocate(4L * b * cols, 64);
            for (int v = 0; v < b; v++) {
                MemorySegment.copy(TestData.quantizableFloats(r, cols), 0, xs, java.lang.foreign.ValueLayout.JAVA_FLOAT,
                        4L * v * cols, cols);
            }
            for (Kernels k : TestData.implementations()) {
                MemorySegment y1 = arena.allocate(4L * rows, 64);
                MemorySegment ys = arena.allocate(4L * b * rows, 64);
                k.gemv(w, xs, 0, y1, 0);
                k.gemvBatchF32(w, xs, 0, b, ys, 0);
                for (int v = 0; v < b; v++) {
                    for (int i = 0; i < rows; i++) {
                        long xv = 4L * v * cols;
                        float dot = bf16 ? k.dotBf16(wSeg, w.rowOffset(i), xs, xv, cols) : k.dotF16(wSeg, w.rowOffset(i), xs, xv, cols);
                        float got = ys.getAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, (long) v * rows + i);
                        assertSameOrBothNaN(dot, got, k + " " + t + " b=" + b + " vector " + v + " row " + i + " of " + rows + "×" + cols);
                        if (v == 0) {
                            assertSameOrBothNaN(dot, y1.getAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, i),
                                    k + " " + t + " gemv row " + i + " of " + rows + "×" + cols);
                        }
                    }
                }
            }
        }
    }

    private static void assertSameOrBothNaN(float expected, float got, String where) {
        if (!(Float.isNaN(expected) && Float.isNaN(got))) {
            assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(got), where + ": dot " + expected + ", got " + got);
        }
    }
}
