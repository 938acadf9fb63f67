package dev.llmj.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
 * Single-vector decode ({@code gemvBatchF32} with b = 1), which the vector kernels run two rows at a
 * time, the rows of each thread's range paired across its two halves: for F32, Q8_0 and Q4_0 weights,
 * each implementation on pools of 1–3 threads (so ranges of every length, odd ones with a row
 * paired with itself) gives every row bit for bit as the scalar twin on one thread, and bit for
 * bit as the same vector computed inside a batch of two (the 4-row tile path). Quantized weights are random bytes with random finite f16
 * scales, so every nibble and every int8 value occurs; weights sit at unaligned byte offsets.
 */
class DecodeOneProperties {
    private static final DType[] TYPES = {DType.F32, DType.Q8_0, DType.Q4_0};

    @Property(tries = 60)
    void oneVectorEqualsTheScalarTwinAndTheBatchedTilesBitForBit(@ForAll @IntRange(max = 2) int typeIndex,
            @ForAll @IntRange(min = 1, max = 300) int rows, @ForAll @IntRange(min = 1, max = 6) int blocks,
            @ForAll @IntRange(min = 1, max = 3) int threads, @ForAll @IntRange(max = 9) int wOff,
            @ForAll long seed) {
        DType t = TYPES[typeIndex];
        Random r = new Random(seed);
        int cols = t == DType.F32 ? 1 + r.nextInt(40 * blocks) : 32 * blocks;
        try (Arena arena = Arena.ofShared(); KernelExecutor pool = KernelExecutor.withThreads(threads)) {
            Tensor w = TestData.shifted(arena, t == DType.F32 ? TestData.randomWeights(arena, r, t, rows, cols)
                    : randomBlocks(arena, r, t, rows, cols), wOff);
            float[] x = new float[2 * cols];
            System.arraycopy(TestData.mixedFloats(r, cols), 0, x, 0, cols);
            System.arraycopy(TestData.mixedFloats(r, cols), 0, x, cols, cols);
            MemorySegment xs = TestData.f32(arena, x, 0);
            MemorySegment scalar = arena.allocate(4L * rows, 64);
            Kernels.scalar().withExecutor(KernelExecutor.singleThread()).gemvBatchF32(w, xs, 0, 1, scalar, 0);
            for (Kernels k : TestData.implementations()) {
                Kernels onPool = k.withExecutor(pool);
                MemorySegment one = arena.allocate(4L * rows, 64);
                MemorySegment batch = arena.allocate(8L * rows, 64);
                onPool.gemvBatchF32(w, xs, 0, 1, one, 0);
                onPool.gemvBatchF32(w, xs, 0, 2, batch, 0);
                for (int i = 0; i < rows; i++) {
                    String where = k.name() + " " + t + " " + rows + "×" + cols + " on " + threads + " threads, row " + i;
                    float y = one.getAtIndex(LE.FLOAT, i);
                    assertEquals(Float.floatToRawIntBits(scalar.getAtIndex(LE.FLOAT, i)), Float.floatToRawIntBits(y),
                            where + ": vs the scalar twin on one thread");
                    assertEquals(Float.floatToRawIntBits(batch.getAtIndex(LE.FLOAT, i)), Float.floatToRawIntBits(y),
                            where + ": vs the same vector in a batch of two");
                }
            }
        }
    }

    /** Random Q8_0/Q4_0 blocks: random quant bytes, block scales random finite f16 values of either sign. */
    private static Tensor randomBlocks(Arena arena, Random r, DType t, int rows, int cols) {
        Tensor w = Tensor.allocate(arena, t, rows, cols);
        MemorySegment s = w.segment();
        for (long i = 0; i < s.byteSize(); i++) {
            s.set(LE.BYTE, i, (byte) r.nextInt());
        }
        for (long p = 0; p < s.byteSize(); p += t.blockBytes()) {
            float d = (float) (r.nextGaussian() * Math.pow(2, r.nextInt(30) - 20));
            s.set(LE.SHORT, p, HalfFloats.floatToF16(d));
        }
        return w;
    }
}
