package dev.llmj.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.llmj.tensor.LE;
import dev.llmj.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * GEMM on interleaved copies (prefill reading the tiles decoding runs on) against GEMM on their
 * sources: every C element must be the same bits (NaNs compared as NaN), for each implementation,
 * and for M &gt; 1 the scalar GEMM's bits too. No tolerance: each element is one fma chain over
 * k of the same values in the same order, so a slip in the panel layout, the even/odd lane order,
 * the nibble sign extension, the scale widening or the k-blocking shows as a changed bit.
 *
 * <p>Weights as in {@link InterleavedQ4_0Properties} (every nibble, scales normal, subnormal, zero,
 * negative, 65504, at unaligned offsets); rows 1..100 (partial tiles, several tasks and threads),
 * M 1..40 (the micro-kernel's 6-token tiles and their tails), K up to 320 or past one K block
 * (2112); A of mixed magnitudes with occasional infinities and NaNs, at unaligned offsets, C at
 * unaligned offsets.
 */
class InterleavedGemmProperties {

    @Property(tries = 120)
    void gemmOnTheCopyIsGemmOnTheSourceBitForBit(@ForAll @IntRange(min = 1, max = 100) int rows,
            @ForAll @IntRange(min = 1, max = 10) int blocks, @ForAll boolean pastKBlock,
            @ForAll @IntRange(min = 1, max = 40) int m, @ForAll @IntRange(max = 17) int wOff,
            @ForAll @IntRange(max = 3) int aPad, @ForAll @IntRange(max = 3) int cPad, @ForAll long seed) {
        Random r = new Random(seed);
        int cols = 32 * (pastKBlock && rows <= 40 ? blocks + 64 : blocks);
        try (Arena arena = Arena.ofShared()) {
            Tensor w = TestData.shifted(arena, InterleavedQ4_0Properties.randomQ4_0(arena, r, rows, cols), wOff);
            long aOff = 4L * aPad;
            MemorySegment a = TestData.f32(arena, withSpecials(r, TestData.mixedFloats(r, m * cols)), aOff);
            MemorySegment scalar = arena.allocate(4L * m * rows, 64);
            Kernels.scalar().gemm(w, a, aOff, m, scalar, 0);
            for (Kernels k : TestData.implementations()) {
                MemorySegment spec = arena.allocate(4L * m * rows, 64);
                k.gemm(w, a, aOff, m, spec, 0);
                long cOff = 4L * cPad;
                MemorySegment c = arena.allocate(cOff + 4L * m * rows, 64);
                k.gemm(InterleavedQ4_0.of(w, arena, k.executor()), a, aOff, m, c, cOff);
                for (long e = 0; e < (long) m * rows; e++) {
                    float want = spec.get(LE.FLOAT, 4 * e);
                    float got = c.get(LE.FLOAT, cOff + 4 * e);
                    String where = k + " " + m + "×" + rows + "×" + cols + ": C[" + e / rows + "][" + e % rows + "]";
                    assertEquals(Float.floatToIntBits(want), Float.floatToIntBits(got), where + ": " + got + " vs " + want);
                    if (m > 1) {
                        float s = scalar.get(LE.FLOAT, 4 * e);
                        assertEquals(Float.floatToIntBits(s), Float.floatToIntBits(got), where + " vs scalar " + s);
                    }
                }
            }
        }
    }

    /** A group hands out all its weights' row groups as one job; each output is the single call's. */
    @Property(tries = 40)
    void aGroupGivesEachWeightItsSingleResult(@ForAll @IntRange(min = 1, max = 3) int count,
            @ForAll @IntRange(min = 1, max = 4) int blocks, @ForAll @IntRange(min = 1, max = 20) int m,
            @ForAll long seed) {
        Random r = new Random(seed);
        int cols = 32 * blocks;
        try (Arena arena = Arena.ofShared()) {
            MemorySegment a = TestData.f32(arena, TestData.mixedFloats(r, m * cols), 0);
            for (Kernels k : TestData.implementations()) {
                InterleavedQ4_0[] ws = new InterleavedQ4_0[count];
                MemorySegment[] cs = new MemorySegment[count];
                for (int i = 0; i < count; i++) {
                    ws[i] = InterleavedQ4_0.of(InterleavedQ4_0Properties.randomQ4_0(arena, r, 1 + r.nextInt(90), cols),
                            arena, k.executor());
                    cs[i] = arena.allocate(4L * m * ws[i].rows(), 64);
                }
                k.gemmGroup(ws, a, 0, m, cs);
                for (int i = 0; i < count; i++) {
                    MemorySegment single = arena.allocate(4L * m * ws[i].rows(), 64);
                    k.gemm(ws[i].source(), a, 0, m, single, 0);
                    assertEquals(-1, single.mismatch(cs[i]), k + ": weight " + i + " of " + count);
                }
            }
        }
    }

    /** About one A element in 200 made ±∞ or NaN: both paths must carry them through alike. */
    private static float[] withSpecials(Random r, float[] v) {
        for (int i = 0; i < v.length; i++) {
            if (r.nextInt(200) == 0) {
                v[i] = switch (r.nextInt(3)) {
                    case 0 -> Float.POSITIVE_INFINITY;
                    case 1 -> Float.NEGATIVE_INFINITY;
                    default -> Float.NaN;
                };
            }
        }
        return v;
    }
}
