package dev.llmj.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.llmj.tensor.DType;
import dev.llmj.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * Batched GEMV, for each implementation (the vector kernels and their scalar twin) and every
 * decodable dtype: each vector of a batch is bit for bit the same call with that vector alone (so
 * batched decoding gives each sequence the very logits, hence greedy tokens, it gets alone; for the
 * vector kernels F32, Q8_0 and Q4_0 have batched kernels with a fixed-order lane sum, and every
 * F16, BF16, Q4_K and Q6_K result is its row's vector dot, with the fixed lane fold), and
 * equals single-vector {@code gemv}: bit for bit for the scalar twin, and for the vector kernels
 * up to the order of the final sum over at most 16 lanes (gemv's reduceLanes order is the JIT's).
 * Batch sizes cover whole groups of four vectors and remainders; column counts cover the 4L main
 * loop, the L loop and the scalar tail for F32; weights sit at unaligned offsets in a shared arena
 * so rows are split across threads.
 */
class GemvBatchProperties {
    private static final DType[] TYPES = {DType.F32, DType.F16, DType.BF16, DType.Q8_0, DType.Q4_0, DType.Q4_K, DType.Q6_K};

    @Property(tries = 200)
    void everyVectorOfABatchEqualsItsOwnGemvBitForBit(@ForAll @IntRange(max = 6) int typeIndex,
            @ForAll @IntRange(min = 1, max = 70) int rows, @ForAll @IntRange(min = 1, max = 9) int b,
            @ForAll @IntRange(min = 1, max = 6) int blocks, @ForAll @IntRange(max = 9) int wOff,
            @ForAll @IntRange(max = 3) int xPad, @ForAll long seed) {
        DType t = TYPES[typeIndex];
        Random r = new Random(seed);
        int cols = t.blockSize() == 256 ? 256 * Math.min(blocks, 2)
                : t.isQuantized() ? 32 * blocks : 1 + r.nextInt(40 * blocks);
        try (Arena arena = Arena.ofShared()) {
            Tensor w = TestData.shifted(arena, TestData.randomWeights(arena, r, t, rows, cols), wOff);
            float[] x = TestData.quantizableVectors(r, b, cols);
            long xOff = 4L * xPad;
            MemorySegment xs = TestData.f32(arena, x, xOff);
            float[] wf = w.toFloatArray();
            for (Kernels k : TestData.implementations()) {
                MemorySegment ys = arena.allocate(4L * b * rows + 8, 64);
                k.gemvBatch(w, xs, xOff, b, ys, 8);
                MemorySegment y1 = arena.allocate(4L * rows, 64);
                MemorySegment g1 = arena.allocate(4L * rows, 64);
                for (int v = 0; v < b; v++) {
                    k.gemvBatch(w, xs, xOff + 4L * v * cols, 1, y1, 0);
                    k.gemv(w, xs, xOff + 4L * v * cols, g1, 0);
                    float[] xv = java.util.Arrays.copyOfRange(x, v * cols, (v + 1) * cols);
                    for (int i = 0; i < rows; i++) {
                        float single = y1.getAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, i);
                        float batched = ys.get(dev.llmj.tensor.LE.FLOAT, 8 + 4L * ((long) v * rows + i));
                        float gemv = g1.getAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, i);
                        String where = k + " " + t + " " + rows + "×" + cols + " b=" + b + ": vector " + v + " row " + i;
                        assertEquals(Float.floatToRawIntBits(single), Float.floatToRawIntBits(batched),
                                where + " single " + single + " batched " + batched);
                        if (!k.isVector()) {
                            assertEquals(Float.floatToRawIntBits(gemv), Float.floatToRawIntBits(batched), where + " vs gemv");
                        } else {
                            // Another order of the last ≤ 16-lane sum: ≤ 16ε of the sum of |lane partials|,
                            // itself ≤ Σ|w·x_q| (x_q: x as the Q8_0 kernels see it, within 1/127 of x).
                            double[] ref = TestData.dotAndMagnitude(java.util.Arrays.copyOfRange(wf, i * cols, (i + 1) * cols), xv);
                            assertEquals(gemv, batched, 16 * TestData.EPS * ref[1] * 1.01 + Float.MIN_NORMAL, where + " vs gemv");
                        }
                    }
                }
            }
        }
    }

    @Property(tries = 20)
    void aBatchOfZeroVectorsIsRejected(@ForAll @IntRange(min = -3, max = 0) int b) {
        try (Arena arena = Arena.ofShared()) {
            Tensor w = TestData.randomWeights(arena, new Random(1), DType.F32, 4, 8);
            MemorySegment s = arena.allocate(1024, 64);
            org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> Kernels.scalar().gemvBatch(w, s, 0, b, s, 0));
        }
    }

    /**
     * The F32-activation variant (what decoding runs): for F32, Q8_0 and Q4_0 weights every
     * (row, vector) pair has one fixed order (L-lane fma partials, the fixed lane fold, an fma
     * tail), so: each vector of a batch equals the same call with that vector alone, bit for bit,
     * at any position and batch size (b up to 18 covers groups of 4 and 8 and remainders; rows up to 40
     * cover 4-row tiles and leftover rows); the vector kernels equal their scalar twin bit for bit;
     * Q8_0/Q4_0 weights give exactly the result of their dequantized F32 matrix (w = d·q as the
     * codec rounds it); and the result is the dequantized weights times x within a float dot bound:
     * each product and partial sum is rounded at most once per step of a chain no longer than
     * n/L + log2(L) + L steps ≤ n + 8, so |error| ≤ (n + 8)·ε·Σ|w·x| (TestData.dotBound).
     * Other dtypes run gemvBatch (per-vector bit identity, and the old bound with 8ε·Σ|w·x| more).
     */
    @Property(tries = 120)
    void f32ActivationBatchesEqualSingleVectorsAndTheDequantizedProduct(@ForAll @IntRange(max = 6) int typeIndex,
            @ForAll @IntRange(min = 1, max = 40) int rows, @ForAll @IntRange(min = 1, max = 18) int b,
            @ForAll @IntRange(min = 1, max = 6) int blocks, @ForAll long seed) {
        DType t = TYPES[typeIndex];
        boolean tiled = t == DType.F32 || t == DType.Q8_0 || t == DType.Q4_0;
        Random r = new Random(seed);
        int cols = t.blockSize() == 256 ? 256 * Math.min(blocks, 2) : t.isQuantized() ? 32 * blocks : 1 + r.nextInt(40 * blocks);
        try (Arena arena = Arena.ofShared()) {
            Tensor w = TestData.shifted(arena, TestData.randomWeights(arena, r, t, rows, cols), 3);
            float[] x = new float[b * cols];
            for (int v = 0; v < b; v++) {
                System.arraycopy(TestData.mixedFloats(r, cols), 0, x, v * cols, cols);
            }
            MemorySegment xs = TestData.f32(arena, x, 0);
            float[] wf = w.toFloatArray();
            Tensor dequantized = Tensor.ofFloats(arena, wf, rows, cols);
            MemorySegment scalarYs = null;
            for (Kernels k : TestData.implementations()) {
                MemorySegment ys = arena.allocate(4L * b * rows, 64);
                k.gemvBatchF32(w, xs, 0, b, ys, 0);
                MemorySegment yf = arena.allocate(4L * b * rows, 64);
                k.gemvBatchF32(dequantized, xs, 0, b, yf, 0);
                if (!k.isVector()) {
                    scalarYs = ys;
                }
                MemorySegment y1 = arena.allocate(4L * rows, 64);
                for (int v = 0; v < b; v++) {
                    k.gemvBatchF32(w, xs, 4L * v * cols, 1, y1, 0);
                    float[] xv = java.util.Arrays.copyOfRange(x, v * cols, (v + 1) * cols);
                    for (int i = 0; i < rows; i++) {
                        String where = k + " " + t + " " + rows + "×" + cols + " b=" + b + " vector " + v + " row " + i;
                        float single = y1.getAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, i);
                        long at = (long) v * rows + i;
                        float batched = ys.getAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, at);
                        assertEquals(Float.floatToRawIntBits(single), Float.floatToRawIntBits(batched), where);
                        if (tiled) {
                            float viaF32 = yf.getAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, at);
                            assertEquals(Float.floatToRawIntBits(viaF32), Float.floatToRawIntBits(batched),
                                    where + ": vs the dequantized F32 matrix");
                            if (k.isVector()) {
                                float scalar = scalarYs.getAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, at);
                                assertEquals(Float.floatToRawIntBits(scalar), Float.floatToRawIntBits(batched),
                                        where + ": vector " + batched + " vs scalar twin " + scalar);
                            }
                        }
                        double[] ref = TestData.dotAndMagnitude(java.util.Arrays.copyOfRange(wf, i * cols, (i + 1) * cols), xv);
                        // other dtypes: gemvBatch's own arithmetic (K-quant sub-block scales) adds a few roundings
                        double extra = tiled ? 0 : 8 * TestData.EPS * ref[1];
                        assertEquals(ref[0], batched, TestData.dotBound(cols, ref[1]) + extra, where + " vs double");
                    }
                }
            }
        }
    }
}
