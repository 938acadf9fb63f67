package dev.llmj.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.llmj.tensor.HalfFloats;
import dev.llmj.tensor.LE;
import dev.llmj.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * The K-quant copies store their binary16 super-scales times 2^k ({@link ScaleExponent}) so that
 * none is subnormal; the kernels (GEMV and the GEMM's panels) must undo it exactly. Any k a copy
 * allows gives the bits of k = 0, the file's own scales, in both implementations; the
 * specifications in {@link InterleavedQ4_KProperties} and {@link InterleavedQ6_KProperties} pin
 * the chosen k's bits independently. The generators' scales include subnormal ones down to
 * 2^−24, so the chosen k is up to 10. A k that would overflow a scale is refused.
 */
class ScaleExponentProperties {

    @Property(tries = 40)
    void theScaleExponentChangesNoBit(@ForAll boolean q6, @ForAll @IntRange(min = 1, max = 40) int rows,
            @ForAll @IntRange(min = 1, max = 3) int superBlocks, @ForAll @IntRange(min = 1, max = 3) int b,
            @ForAll long seed) {
        Random r = new Random(seed);
        int cols = 256 * superBlocks;
        try (Arena arena = Arena.ofShared()) {
            Tensor w = q6 ? InterleavedQ6_KProperties.randomQ6_K(arena, r, rows, cols)
                    : InterleavedQ4_KProperties.randomQ4_K(arena, r, rows, cols);
            // one scale of 0.01 (2^−7) at least, for the overflow check below
            w.segment().set(LE.SHORT, q6 ? 208 : 0, HalfFloats.floatToF16(0.01f));
            MemorySegment xs = TestData.f32(arena, TestData.quantizableVectors(r, b, cols), 0);
            for (Kernels k : TestData.implementationsWithOneThread()) {
                InterleavedWeights chosen = copy(w, q6, arena, k, -1);
                int other = r.nextInt(exponent(chosen) + 1);
                MemorySegment want = gemv(k, copy(w, q6, arena, k, 0), xs, b, arena);
                for (InterleavedWeights c : new InterleavedWeights[] {chosen, copy(w, q6, arena, k, other)}) {
                    MemorySegment got = gemv(k, c, xs, b, arena);
                    for (int i = 0; i < b * rows; i++) {
                        assertEquals(Float.floatToIntBits(want.getAtIndex(ValueLayout.JAVA_FLOAT, i)),
                                Float.floatToIntBits(got.getAtIndex(ValueLayout.JAVA_FLOAT, i)),
                                k + " " + w.dtype() + " k=" + exponent(c) + " " + rows + "×" + cols + ": output " + i);
                    }
                }
            }
            // 0.01 · 2^23 > 65504
            assertThrows(IllegalArgumentException.class, () -> copy(w, q6, arena, TestData.implementationsWithOneThread()[0], 23));
        }
    }

    private static InterleavedWeights copy(Tensor w, boolean q6, Arena arena, Kernels k, int exponent) {
        return q6 ? InterleavedQ6_K.of(w, arena, k.executor(), exponent) : InterleavedQ4_K.of(w, arena, k.executor(), exponent);
    }

    private static int exponent(InterleavedWeights w) {
        return w instanceof InterleavedQ6_K q6 ? q6.scaleExponent() : ((InterleavedQ4_K) w).scaleExponent();
    }

    private static MemorySegment gemv(Kernels k, InterleavedWeights w, MemorySegment xs, int b, Arena arena) {
        MemorySegment ys = arena.allocate(4L * b * w.rows(), 64);
        switch (w) {
            case InterleavedQ6_K q6 -> k.gemvBatch(q6, xs, 0, b, ys, 0);
            case InterleavedQ4_K q4 -> k.gemvBatch(q4, xs, 0, b, ys, 0);
            default -> throw new IllegalArgumentException(w.toString());
        }
        return ys;
    }
}
