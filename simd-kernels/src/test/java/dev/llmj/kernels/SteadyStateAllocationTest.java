package dev.llmj.kernels;

import dev.llmj.tensor.DType;
import dev.llmj.tensor.Tensor;
import dev.llmj.testsupport.FreshJvm;
import dev.llmj.testsupport.SteadyAllocation;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Once C2 has compiled them, the vector kernels allocate nothing (see {@link SteadyAllocation}:
 * a kernel that boxes its vectors allocates on every call).
 */
class SteadyStateAllocationTest {
    /**
     * JVMs a check may take: whether C2 keeps a large kernel's vectors in registers depends on the
     * order and timing of its compilations (one full-suite run in about ten had one kernel box
     * for the rest of the process), so each check runs in a JVM of its own, and again in a new one
     * if it fails; a kernel that boxes whenever it is compiled fails all of them.
     */
    private static final int ATTEMPTS = 3;

    /** Each check below, by name, in JVMs of its own. */
    @ParameterizedTest
    @ValueSource(strings = {"vectorKernelsAllocateNothingOnceCompiled", "batchedDecodingTilesDoNotBox",
            "quantizedGemvRowKernelsDoNotBox", "interleavedQ4_0KernelDoesNotBox"})
    void allocatesNothingInOneOfThreeFreshJvms(String check) {
        FreshJvm.assertPassesInOneOf(ATTEMPTS, SteadyStateAllocationTest.class, check);
    }

    private final Kernels k = Kernels.vector().withExecutor(KernelExecutor.singleThread());
    /** Results go here so that C2 cannot drop a kernel call as unused. */
    private float sink;

    /** Quantized inputs are all zero bytes: valid blocks (scale 0), and the data does not matter here. */
    void vectorKernelsAllocateNothingOnceCompiled() {
        int n = 256; // one K-quant super-block; an odd length for the float kernels' tails
        int odd = 67;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment a = arena.allocate(4L * n, 64);
            MemorySegment b = arena.allocate(4L * n, 64);
            MemorySegment out = arena.allocate(4L * n, 64);
            for (int i = 0; i < n; i++) {
                a.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i, (i % 13) * 0.25f - 1.5f);
                b.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i, (i % 7) * 0.5f - 1f);
            }
            MemorySegment q8a = arena.allocate(34L * n / 32, 64);
            MemorySegment q8b = arena.allocate(34L * n / 32, 64);
            MemorySegment q4 = arena.allocate(18L * n / 32, 64);
            MemorySegment q4k = arena.allocate(144, 64);
            MemorySegment q6k = arena.allocate(210, 64);
            MemorySegment half = arena.allocate(2L * n, 64);
            MemorySegment logits = arena.allocate(4L * odd, 64);

            SteadyAllocation.assertNothing("softmax", () -> {
                MemorySegment.copy(a, 0, logits, 0, 4L * odd);
                k.softmax(logits, 0, odd);
            });
            SteadyAllocation.assertNothing("dotQ4_K", () -> sink += k.dotQ4_K(q4k, 0, a, 0, n));
            SteadyAllocation.assertNothing("dotQ6_K", () -> sink += k.dotQ6_K(q6k, 0, a, 0, n));
            SteadyAllocation.assertNothing("quantizeQ8_0", () -> k.quantizeQ8_0(a, 0, q8b, 0, n));
            SteadyAllocation.assertNothing("dotQ8_0", () -> sink += k.dotQ8_0(q8a, 0, q8b, 0, n));
            SteadyAllocation.assertNothing("dotQ4_0", () -> sink += k.dotQ4_0(q4, 0, q8b, 0, n));
            SteadyAllocation.assertNothing("dotF16", () -> sink += k.dotF16(half, 0, b, 0, n));
            SteadyAllocation.assertNothing("dotBf16", () -> sink += k.dotBf16(half, 0, b, 0, n));
            SteadyAllocation.assertNothing("dot", () -> sink += k.dot(a, 0, b, 0, odd));
            SteadyAllocation.assertNothing("rmsnorm", () -> k.rmsnorm(out, 0, a, 0, b, 0, odd, 1e-5f));
            SteadyAllocation.assertNothing("add", () -> k.add(out, 0, a, 0, b, 0, odd));
        }
    }

    /**
     * The batched decoding tiles (b = 8: {@code DecodeTiles} for Q4_0/Q8_0 at 512 bits, the 4 × 4
     * tiles elsewhere; the shared-pass row kernels of {@code HalfGemv} and {@code KQuantGemv}) allocate only their small per-call scratch (an accumulator array, about
     * 1.26 KB measured), not boxed vectors: a boxed tile allocates per block, here 64 rows × 8 blocks ×
     * 16 accumulators of ≥ 48 bytes, over 190 KB per call.
     */
    void batchedDecodingTilesDoNotBox() {
        int rows = 64, cols = 256, b = 8;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment xs = arena.allocate(4L * b * cols, 64);
            MemorySegment ys = arena.allocate(4L * b * rows, 64);
            for (int i = 0; i < b * cols; i++) {
                xs.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i, (i % 11) * 0.125f - 0.5f);
            }
            for (DType t : new DType[] {DType.Q4_0, DType.Q8_0, DType.F16, DType.BF16, DType.Q4_K, DType.Q6_K}) {
                long rowBytes = t.byteSize(cols);
                MemorySegment w = arena.allocate(rowBytes * rows, 64);   // zero bytes: valid blocks of scale 0
                Tensor wt = Tensor.wrap(w, 0, t, rows, cols);
                SteadyAllocation.assertUnder("gemvBatchF32 " + t + " b=" + b, 4L * 1024 * SteadyAllocation.CALLS,
                        () -> k.gemvBatchF32(wt, xs, 0, b, ys, 0));
            }
        }
    }

    /**
     * The quantized GEMV row kernels (two rows per loop at 512 bits: Q4_0 in {@code VectorGemv},
     * Q4_K/Q6_K in {@code KQuantGemv}; F16/BF16 run the dot per row) allocate only their per-call scratch (lane-sum and scale
     * arrays, the range task: 0.3 KB measured for Q4_0), not boxed vectors: boxing would cost several vectors per block,
     * here 32 row pairs × 16 blocks (Q4_0) or × 2 super-blocks of 16 chunks (K-quants), tens of KB
     * per call.
     */
    void quantizedGemvRowKernelsDoNotBox() {
        int rows = 64, cols = 512;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment x = arena.allocate(4L * cols, 64);
            MemorySegment y = arena.allocate(4L * rows, 64);
            for (int i = 0; i < cols; i++) {
                x.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i, (i % 11) * 0.125f - 0.5f);
            }
            for (DType t : new DType[] {DType.Q4_0, DType.Q8_0, DType.Q4_K, DType.Q6_K, DType.F16, DType.BF16}) {
                MemorySegment w = arena.allocate(t.byteSize(cols) * rows, 64); // zero bytes: valid blocks of scale 0
                Tensor wt = Tensor.wrap(w, 0, t, rows, cols);
                SteadyAllocation.assertUnder("gemv " + t, 4L * 1024 * SteadyAllocation.CALLS, () -> k.gemv(wt, x, 0, y, 0));
            }
        }
    }

    /**
     * The interleaved Q4_0, Q8_0, Q4_K and Q6_K kernels (16-bit lanes, full-width short vectors) allocate only their
     * per-call bookkeeping (the range task, two small arrays), not boxed vectors: a boxed chunk
     * step costs several vectors per 4 columns, here 2 row groups × 16 blocks × 8 chunks, tens of
     * KB per call. This kernel's full-width shorts ({@link VectorWidths#S}) are the second short
     * species next to the F16 widening's half-width one, so the F16 kernels run before and after it
     * here: neither may leave a profile that makes the other box.
     */
    void interleavedQ4_0KernelDoesNotBox() {
        int rows = 64, cols = 512;
        try (Arena arena = Arena.ofShared()) {
            MemorySegment xs = arena.allocate(4L * 4 * cols, 64);
            MemorySegment ys = arena.allocate(4L * 4 * rows, 64);
            for (int i = 0; i < 4 * cols; i++) {
                xs.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i, (i % 11) * 0.125f - 0.5f);
            }
            Tensor half = Tensor.wrap(arena.allocate(DType.F16.byteSize(cols) * rows, 64), 0, DType.F16, rows, cols);
            SteadyAllocation.assertUnder("gemv F16", 4L * 1024 * SteadyAllocation.CALLS, () -> k.gemv(half, xs, 0, ys, 0));
            Tensor q4 = Tensor.wrap(arena.allocate(DType.Q4_0.byteSize(cols) * rows, 64), 0, DType.Q4_0, rows, cols);
            InterleavedQ4_0 iw = InterleavedQ4_0.of(q4, arena, KernelExecutor.singleThread());
            for (int b : new int[] {1, 4}) {
                SteadyAllocation.assertUnder("interleaved Q4_0 b=" + b, 2L * 1024 * SteadyAllocation.CALLS,
                        () -> k.gemvBatch(iw, xs, 0, b, ys, 0));
            }
            Tensor q6 = Tensor.wrap(arena.allocate(DType.Q6_K.byteSize(cols) * rows, 64), 0, DType.Q6_K, rows, cols);
            InterleavedQ6_K i6 = InterleavedQ6_K.of(q6, arena, KernelExecutor.singleThread());
            for (int b : new int[] {1, 4}) {
                SteadyAllocation.assertUnder("interleaved Q6_K b=" + b, 2L * 1024 * SteadyAllocation.CALLS,
                        () -> k.gemvBatch(i6, xs, 0, b, ys, 0));
            }
            Tensor q4k = Tensor.wrap(arena.allocate(DType.Q4_K.byteSize(cols) * rows, 64), 0, DType.Q4_K, rows, cols);
            InterleavedQ4_K i4k = InterleavedQ4_K.of(q4k, arena, KernelExecutor.singleThread());
            for (int b : new int[] {1, 4}) {
                SteadyAllocation.assertUnder("interleaved Q4_K b=" + b, 2L * 1024 * SteadyAllocation.CALLS,
                        () -> k.gemvBatch(i4k, xs, 0, b, ys, 0));
            }
            Tensor q8 = Tensor.wrap(arena.allocate(DType.Q8_0.byteSize(cols) * rows, 64), 0, DType.Q8_0, rows, cols);
            InterleavedQ8_0 i8 = InterleavedQ8_0.of(q8, arena, KernelExecutor.singleThread());
            for (int b : new int[] {1, 4}) {
                SteadyAllocation.assertUnder("interleaved Q8_0 b=" + b, 2L * 1024 * SteadyAllocation.CALLS,
                        () -> k.gemvBatch(i8, xs, 0, b, ys, 0));
            }
            // 1536 columns: row groups long enough to be read two at a time (the paired kernels)
            int wide = 1536;
            MemorySegment wx = arena.allocate(4L * wide, 64);
            Tensor q4w = Tensor.wrap(arena.allocate(DType.Q4_0.byteSize(wide) * rows, 64), 0, DType.Q4_0, rows, wide);
            InterleavedQ4_0 i4w = InterleavedQ4_0.of(q4w, arena, KernelExecutor.singleThread());
            SteadyAllocation.assertUnder("interleaved Q4_0 paired", 2L * 1024 * SteadyAllocation.CALLS,
                    () -> k.gemvBatch(i4w, wx, 0, 1, ys, 0));
            Tensor q8w = Tensor.wrap(arena.allocate(DType.Q8_0.byteSize(wide) * rows, 64), 0, DType.Q8_0, rows, wide);
            InterleavedQ8_0 i8w = InterleavedQ8_0.of(q8w, arena, KernelExecutor.singleThread());
            SteadyAllocation.assertUnder("interleaved Q8_0 paired", 2L * 1024 * SteadyAllocation.CALLS,
                    () -> k.gemvBatch(i8w, wx, 0, 1, ys, 0));
            Tensor q6w = Tensor.wrap(arena.allocate(DType.Q6_K.byteSize(wide) * rows, 64), 0, DType.Q6_K, rows, wide);
            InterleavedQ6_K i6w = InterleavedQ6_K.of(q6w, arena, KernelExecutor.singleThread());
            SteadyAllocation.assertUnder("interleaved Q6_K paired", 2L * 1024 * SteadyAllocation.CALLS,
                    () -> k.gemvBatch(i6w, wx, 0, 1, ys, 0));
            Tensor q4kw = Tensor.wrap(arena.allocate(DType.Q4_K.byteSize(wide) * rows, 64), 0, DType.Q4_K, rows, wide);
            InterleavedQ4_K i4kw = InterleavedQ4_K.of(q4kw, arena, KernelExecutor.singleThread());
            SteadyAllocation.assertUnder("interleaved Q4_K paired", 2L * 1024 * SteadyAllocation.CALLS,
                    () -> k.gemvBatch(i4kw, wx, 0, 1, ys, 0));
            SteadyAllocation.assertUnder("gemv F16 after", 4L * 1024 * SteadyAllocation.CALLS, () -> k.gemv(half, xs, 0, ys, 0));
            SteadyAllocation.assertUnder("gemvBatchF32 F16 b=4 after", 4L * 1024 * SteadyAllocation.CALLS,
                    () -> k.gemvBatchF32(half, xs, 0, 4, ys, 0));
        }
    }
}
