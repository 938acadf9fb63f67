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
 * GEMM (C = A·Bᵀ) against a naive triple loop in double for random M, N, K in 1..300 with padded
 * leading dimensions and unaligned offsets; and the vector GEMM against the scalar twin, which must
 * agree bit for bit whenever M &gt; 1 (every C element is one sequential fma chain in both).
 */
class GemmProperties {

    @Property
    void sgemmMatchesNaiveTripleLoop(@ForAll @IntRange(min = 1, max = 300) int m,
            @ForAll @IntRange(min = 1, max = 300) int n, @ForAll @IntRange(min = 1, max = 300) int k,
            @ForAll @IntRange(max = 5) int pad, @ForAll @IntRange(max = 7) int off, @ForAll long seed) {
        Random r = new Random(seed);
        int lda = k + pad;
        int ldb = k + (pad + 1) % 4;
        int ldc = n + pad;
        float[] a = TestData.gaussian(r, m * lda, 1);
        float[] b = TestData.gaussian(r, n * ldb, 1);
        try (Arena arena = Arena.ofShared()) {
            MemorySegment sa = TestData.f32(arena, a, off);
            MemorySegment sb = TestData.f32(arena, b, off + 1);
            float[] first = null;
            for (Kernels kn : TestData.implementations()) {
                MemorySegment sc = arena.allocate(4L * m * ldc + 8, 64);
                kn.sgemm(m, n, k, sa, off, lda, sb, off + 1, ldb, sc, 8, ldc);
                float[] c = TestData.read(sc, 8, m * ldc);
                for (int i = 0; i < m; i++) {
                    for (int j = 0; j < n; j++) {
                        double s = 0;
                        double mag = 0;
                        for (int p = 0; p < k; p++) {
                            double prod = (double) a[i * lda + p] * b[j * ldb + p];
                            s += prod;
                            mag += Math.abs(prod);
                        }
                        assertEquals(s, c[i * ldc + j], TestData.dotBound(k, mag),
                                kn + " C[" + i + "][" + j + "] of " + m + "×" + n + "×" + k);
                    }
                }
                if (first == null) {
                    first = c;
                } else if (m > 1) {
                    for (int i = 0; i < m; i++) {
                        for (int j = 0; j < n; j++) {
                            assertEquals(first[i * ldc + j], c[i * ldc + j], 0f, "scalar vs vector C[" + i + "][" + j + "]");
                        }
                    }
                }
            }
        }
    }

    @Property
    void quantizedGemmEqualsScalarTwinAndDequantizedProduct(@ForAll @IntRange(max = 6) int typeIndex,
            @ForAll @IntRange(min = 1, max = 70) int m, @ForAll @IntRange(min = 1, max = 110) int n,
            @ForAll @IntRange(min = 1, max = 3) int blocks, @ForAll long seed) {
        DType t = new DType[] {DType.F32, DType.F16, DType.BF16, DType.Q8_0, DType.Q4_0, DType.Q4_K, DType.Q6_K}[typeIndex];
        int k = t.isQuantized() ? t.blockSize() * blocks : 37 * blocks;
        Random r = new Random(seed);
        try (Arena arena = Arena.ofShared()) {
            Tensor w = TestData.randomWeights(arena, r, t, n, k);
            float[] wf = w.toFloatArray();
            float[] a = TestData.gaussian(r, m * k, 1);
            MemorySegment sa = TestData.f32(arena, a, 4);
            float[] first = null;
            for (Kernels kn : TestData.implementations()) {
                MemorySegment sc = arena.allocate(4L * m * n, 64);
                kn.gemm(w, sa, 4, m, sc, 0);
                float[] c = TestData.read(sc, 0, m * n);
                for (int i = 0; i < m; i++) {
                    for (int j = 0; j < n; j++) {
                        double s = 0;
                        double mag = 0;
                        for (int p = 0; p < k; p++) {
                            double prod = (double) a[i * k + p] * wf[j * k + p];
                            s += prod;
                            mag += Math.abs(prod);
                        }
                        assertEquals(s, c[i * n + j], TestData.dotBound(k, mag), kn + " " + t + " C[" + i + "][" + j + "]");
                    }
                }
                boolean exact = m > 1 || t.isQuantized();
                if (first == null) {
                    first = c;
                } else if (exact) {
                    for (int i = 0; i < m * n; i++) {
                        assertEquals(first[i], c[i], 0f, "scalar vs vector " + t + " at " + i);
                    }
                }
            }
        }
    }
}
