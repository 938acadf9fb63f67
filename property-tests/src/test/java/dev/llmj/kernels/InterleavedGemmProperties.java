package dev.llmj.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
 * GEMM on interleaved copies (prefill reading the tiles decoding runs on) against GEMM on their
 * sources: every C element must be the same bits (NaNs compared as NaN), for each implementation,
 * and for M &gt; 1 the scalar GEMM's bits too. No tolerance: each element is one fma chain over
 * k of the same values in the same order, so a slip in the panel layout, the even/odd lane order,
 * the nibble sign extension, the scale widening or the k-blocking shows as a changed bit.
 *
 * <p>Q4_0, Q8_0, Q4_K and Q6_K weights of random bytes and random finite scales of every kind (normal,
 * subnormal, zero, negative, 65504), at unaligned offsets; rows 1..100 (partial tiles, several
 * tasks and threads), M 1..40 (the micro-kernels' 6- and 4-token tiles and their tails), K up to
 * 320 (Q4_0, Q8_0) or 768 (K-quants), or past one K block (2112, 2304); A of mixed magnitudes with
 * occasional infinities and NaNs, at unaligned offsets, C at unaligned offsets.
 */
class InterleavedGemmProperties {

    @Property(tries = 150)
    void gemmOnTheCopyIsGemmOnTheSourceBitForBit(@ForAll @IntRange(max = 3) int typeIndex,
            @ForAll @IntRange(min = 1, max = 100) int rows, @ForAll @IntRange(min = 1, max = 10) int blocks,
            @ForAll boolean pastKBlock, @ForAll @IntRange(min = 1, max = 40) int m, @ForAll @IntRange(max = 17) int wOff,
            @ForAll @IntRange(max = 3) int aPad, @ForAll @IntRange(max = 3) int cPad, @ForAll long seed) {
        Random r = new Random(seed);
        DType t = TYPES[typeIndex];
        boolean wide = pastKBlock && rows <= 40;
        // Q4_0 and Q8_0 blocks are 32 columns, the K-quants' super-blocks 256 (at most 3, or 9 past one K block)
        int cols = t == DType.Q4_0 || t == DType.Q8_0 ? 32 * (wide ? blocks + 64 : blocks) : 256 * (wide ? 9 : 1 + blocks % 3);
        try (Arena arena = Arena.ofShared()) {
            Tensor w = TestData.shifted(arena, randomWeights(arena, r, t, rows, cols), wOff);
            long aOff = 4L * aPad;
            MemorySegment a = TestData.f32(arena, withSpecials(r, TestData.mixedFloats(r, m * cols)), aOff);
            MemorySegment scalar = arena.allocate(4L * m * rows, 64);
            Kernels.scalar().gemm(w, a, aOff, m, scalar, 0);
            for (Kernels k : TestData.implementations()) {
                MemorySegment spec = arena.allocate(4L * m * rows, 64);
                k.gemm(w, a, aOff, m, spec, 0);
                long cOff = 4L * cPad;
                MemorySegment c = arena.allocate(cOff + 4L * m * rows, 64);
                k.gemm(interleave(w, arena, k.executor()), a, aOff, m, c, cOff);
                for (long e = 0; e < (long) m * rows; e++) {
                    float want = spec.get(LE.FLOAT, 4 * e);
                    float got = c.get(LE.FLOAT, cOff + 4 * e);
                    String where = k + " " + t + " " + m + "×" + rows + "×" + cols + ": C[" + e / rows + "][" + e % rows + "]";
                    assertEquals(Float.floatToIntBits(want), Float.floatToIntBits(got), where + ": " + got + " vs " + want);
                    if (m > 1) {
                        float s = scalar.get(LE.FLOAT, 4 * e);
                        assertEquals(Float.floatToIntBits(s), Float.floatToIntBits(got), where + " vs scalar " + s);
                    }
                }
            }
        }
    }

    private static final DType[] TYPES = {DType.Q4_0, DType.Q4_K, DType.Q6_K, DType.Q8_0};

    /** Random weights with scales of every finite kind (the interleaved kernels' properties' generators). */
    private static Tensor randomWeights(Arena arena, Random r, DType t, int rows, int cols) {
        return switch (t) {
            case Q4_0 -> InterleavedQ4_0Properties.randomQ4_0(arena, r, rows, cols);
            case Q4_K -> InterleavedQ4_KProperties.randomQ4_K(arena, r, rows, cols);
            case Q8_0 -> InterleavedQ8_0Properties.randomQ8_0(arena, r, rows, cols);
            default -> InterleavedQ6_KProperties.randomQ6_K(arena, r, rows, cols);
        };
    }

    private static InterleavedWeights interleave(Tensor w, Arena arena, KernelExecutor ex) {
        return switch (w.dtype()) {
            case Q4_0 -> InterleavedQ4_0.of(w, arena, ex);
            case Q4_K -> InterleavedQ4_K.of(w, arena, ex);
            case Q6_K -> InterleavedQ6_K.of(w, arena, ex);
            case Q8_0 -> InterleavedQ8_0.of(w, arena, ex);
            default -> throw new IllegalArgumentException(w.dtype().toString());
        };
    }

    /**
     * A group hands out all its weights' row groups as one job, whatever their kinds (a Q4_K_M
     * layer's Q4_K q and k beside a Q6_K v); each output is the single call's.
     */
    @Property(tries = 40)
    void aGroupGivesEachWeightItsSingleResult(@ForAll @IntRange(min = 1, max = 3) int count,
            @ForAll @IntRange(min = 1, max = 2) int superBlocks, @ForAll @IntRange(min = 1, max = 20) int m,
            @ForAll long seed) {
        Random r = new Random(seed);
        int cols = 256 * superBlocks;
        try (Arena arena = Arena.ofShared()) {
            MemorySegment a = TestData.f32(arena, TestData.mixedFloats(r, m * cols), 0);
            for (Kernels k : TestData.implementations()) {
                InterleavedWeights[] ws = new InterleavedWeights[count];
                MemorySegment[] cs = new MemorySegment[count];
                for (int i = 0; i < count; i++) {
                    DType t = TYPES[r.nextInt(TYPES.length)];
                    ws[i] = interleave(randomWeights(arena, r, t, 1 + r.nextInt(90), cols), arena, k.executor());
                    cs[i] = arena.allocate(4L * m * ws[i].rows(), 64);
                }
                k.gemmGroup(ws, a, 0, m, cs);
                for (int i = 0; i < count; i++) {
                    MemorySegment single = arena.allocate(4L * m * ws[i].rows(), 64);
                    k.gemm(ws[i].source(), a, 0, m, single, 0);
                    assertEquals(-1, single.mismatch(cs[i]), k + ": weight " + i + " of " + count + " (" + ws[i].source().dtype() + ")");
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
