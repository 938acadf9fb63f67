package dev.llmj.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmj.tensor.DType;
import dev.llmj.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/**
 * Grouped projections (a layer's q, k, v or gate, up against one input): {@code gemmGroup} and
 * {@code gemvBatchF32Group} write, for every weight of the group, exactly the bits of the
 * ungrouped call, for each implementation. The vector kernels run a group as one job whose tasks
 * (GEMM columns, GEMV row ranges) are cut where one weight ends and the next begins, so weights of
 * odd row counts, mixed dtypes (which fall back to one call per weight) and every batch
 * size are drawn.
 */
class GroupProperties {
    private static final DType[] TYPES = {DType.F32, DType.Q8_0, DType.Q4_0, DType.F16};

    @Property(tries = 150)
    void aGroupEqualsItsWeightsOneByOne(@ForAll @IntRange(max = 3) int typeIndex,
            @ForAll @IntRange(min = 1, max = 4) int weights, @ForAll @IntRange(min = 1, max = 3) int blocks,
            @ForAll @IntRange(min = 1, max = 40) int m, @ForAll boolean mixed, @ForAll long seed) {
        Random r = new Random(seed);
        int cols = 32 * blocks;
        try (Arena arena = Arena.ofShared()) {
            Tensor[] ws = new Tensor[weights];
            for (int i = 0; i < weights; i++) {
                DType t = mixed && i == weights - 1 ? TYPES[(typeIndex + 1) % TYPES.length] : TYPES[typeIndex];
                int rows = 1 + r.nextInt(i == 0 ? 120 : 40);
                ws[i] = TestData.shifted(arena, TestData.randomWeights(arena, r, t, rows, cols), r.nextInt(9));
            }
            float[] x = TestData.quantizableVectors(r, m, cols);
            MemorySegment xs = TestData.f32(arena, x, 4);
            for (Kernels k : TestData.implementations()) {
                MemorySegment[] grouped = outputs(arena, ws, m);
                MemorySegment[] alone = outputs(arena, ws, m);
                String where = k + " " + weights + " weights × " + cols + " cols, m=" + m + (mixed ? " mixed" : "");
                k.gemmGroup(ws, xs, 4, m, grouped);
                for (int i = 0; i < weights; i++) {
                    k.gemm(ws[i], xs, 4, m, alone[i], 0);
                }
                assertSame(grouped, alone, "gemmGroup " + where);
                int b = Math.min(m, 9);
                grouped = outputs(arena, ws, b);
                alone = outputs(arena, ws, b);
                k.gemvBatchF32Group(ws, xs, 4, b, grouped);
                for (int i = 0; i < weights; i++) {
                    k.gemvBatchF32(ws[i], xs, 4, b, alone[i], 0);
                }
                assertSame(grouped, alone, "gemvBatchF32Group b=" + b + " " + where);
            }
        }
    }

    /**
     * {@code gemvBatchKQuantGroup} over Q4_K and Q6_K copies in any mix (a Q4_K_M layer's q, k and
     * a Q6_K v): each weight's outputs are its single call's bits. With 768 columns and a Q6_K
     * weight first the group's row groups are read in pairs (26 KiB each), so pairs of one type
     * across two weights run that type's pair kernel with two weights (each with its own scale
     * exponent) and pairs of two types run as singles.
     */
    @Property(tries = 60)
    void aKQuantGroupEqualsItsWeightsOneByOne(@ForAll @IntRange(min = 1, max = 4) int weights,
            @ForAll @IntRange(min = 1, max = 3) int superBlocks, @ForAll @IntRange(min = 1, max = 3) int b,
            @ForAll long seed) {
        Random r = new Random(seed);
        int cols = 256 * superBlocks;
        try (Arena arena = Arena.ofShared()) {
            InterleavedWeights[] ws = new InterleavedWeights[weights];
            Tensor[] sources = new Tensor[weights];
            MemorySegment xs = TestData.f32(arena, TestData.quantizableVectors(r, b, cols), 4);
            for (Kernels k : TestData.implementationsWithOneThread()) {
                for (int i = 0; i < weights; i++) {
                    int rows = 1 + r.nextInt(i == 0 ? 90 : 40);
                    boolean q6 = r.nextBoolean();
                    sources[i] = q6 ? InterleavedQ6_KProperties.randomQ6_K(arena, r, rows, cols)
                            : InterleavedQ4_KProperties.randomQ4_K(arena, r, rows, cols);
                    ws[i] = q6 ? InterleavedQ6_K.of(sources[i], arena, k.executor())
                            : InterleavedQ4_K.of(sources[i], arena, k.executor());
                }
                MemorySegment[] grouped = outputs(arena, sources, b);
                MemorySegment[] alone = outputs(arena, sources, b);
                k.gemvBatchKQuantGroup(ws, xs, 4, b, grouped);
                for (int i = 0; i < weights; i++) {
                    switch (ws[i]) {
                        case InterleavedQ4_K w -> k.gemvBatch(w, xs, 4, b, alone[i], 0);
                        case InterleavedQ6_K w -> k.gemvBatch(w, xs, 4, b, alone[i], 0);
                        default -> throw new AssertionError(ws[i]);
                    }
                }
                assertSame(grouped, alone, "gemvBatchKQuantGroup " + k + " " + weights + " weights × " + cols + " cols, b=" + b);
            }
        }
    }

    @Test
    void aKQuantGroupRefusesOtherCopies() {
        try (Arena arena = Arena.ofShared()) {
            Random r = new Random(2);
            Tensor q4 = TestData.randomWeights(arena, r, DType.Q4_0, 32, 256);
            Tensor q4k = InterleavedQ4_KProperties.randomQ4_K(arena, r, 32, 256);
            MemorySegment xs = arena.allocate(4L * 256);
            MemorySegment[] two = {arena.allocate(4L * 32), arena.allocate(4L * 32)};
            for (Kernels k : TestData.implementations()) {
                InterleavedWeights[] ws = {InterleavedQ4_K.of(q4k, arena, k.executor()), InterleavedQ4_0.of(q4, arena, k.executor())};
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> k.gemvBatchKQuantGroup(ws, xs, 0, 1, two));
                assertTrue(e.getMessage().contains("ws[1]"), e.getMessage());
            }
        }
    }

    private static MemorySegment[] outputs(Arena arena, Tensor[] ws, int m) {
        MemorySegment[] out = new MemorySegment[ws.length];
        for (int i = 0; i < ws.length; i++) {
            out[i] = arena.allocate(4L * m * ws[i].shape()[0], 64);
            out[i].fill((byte) 0x7f); // not a result either call could write
        }
        return out;
    }

    private static void assertSame(MemorySegment[] grouped, MemorySegment[] alone, String where) {
        for (int i = 0; i < grouped.length; i++) {
            long at = grouped[i].mismatch(alone[i]);
            assertEquals(-1, at, where + ": output " + i + " differs at byte " + at);
        }
    }

    @Test
    void weightsOfDifferentWidthsOrMissingOutputsAreRefused() {
        try (Arena arena = Arena.ofShared()) {
            Random r = new Random(1);
            Tensor a = TestData.randomWeights(arena, r, DType.F32, 4, 64);
            Tensor b = TestData.randomWeights(arena, r, DType.F32, 4, 96);
            MemorySegment xs = arena.allocate(4L * 2 * 96);
            MemorySegment[] two = {arena.allocate(64), arena.allocate(64)};
            for (Kernels k : TestData.implementations()) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> k.gemmGroup(new Tensor[] {a, b}, xs, 0, 2, two));
                assertTrue(e.getMessage().contains("ws[1] has 96"), e.getMessage());
                e = assertThrows(IllegalArgumentException.class,
                        () -> k.gemvBatchF32Group(new Tensor[] {a, a}, xs, 0, 1, new MemorySegment[] {two[0]}));
                assertTrue(e.getMessage().contains("one output per weight"), e.getMessage());
                IndexOutOfBoundsException small = assertThrows(IndexOutOfBoundsException.class, () -> k.gemvBatchF32Group(
                        new Tensor[] {a, a}, xs, 0, 2, new MemorySegment[] {two[0], arena.allocate(16)}));
                assertTrue(small.getMessage().contains("ys[1]"), small.getMessage());
            }
        }
    }
}
