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
 * Batched GEMV is b single GEMVs bit for bit, for each implementation (the vector kernels and
 * their scalar twin) and every decodable dtype: batched decoding must give each sequence the very
 * logits, hence the very greedy tokens, it gets alone. Batch sizes cover whole groups of four
 * vectors and remainders; column counts cover the 4L main loop, the L loop and the scalar tail
 * for F32; weights sit at unaligned offsets in a shared arena so rows are split across threads.
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
            float[] x = new float[b * cols];
            for (int v = 0; v < b; v++) {
                System.arraycopy(TestData.quantizableFloats(r, cols), 0, x, v * cols, cols);
            }
            long xOff = 4L * xPad;
            MemorySegment xs = TestData.f32(arena, x, xOff);
            for (Kernels k : TestData.implementations()) {
                MemorySegment ys = arena.allocate(4L * b * rows + 8, 64);
                k.gemvBatch(w, xs, xOff, b, ys, 8);
                MemorySegment y1 = arena.allocate(4L * rows, 64);
                for (int v = 0; v < b; v++) {
                    k.gemv(w, xs, xOff + 4L * v * cols, y1, 0);
                    for (int i = 0; i < rows; i++) {
                        float single = y1.getAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, i);
                        float batched = ys.get(dev.llmj.tensor.LE.FLOAT, 8 + 4L * ((long) v * rows + i));
                        assertEquals(Float.floatToRawIntBits(single), Float.floatToRawIntBits(batched),
                                k + " " + t + " " + rows + "×" + cols + " b=" + b + ": vector " + v + " row " + i
                                        + " single " + single + " batched " + batched);
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
}
