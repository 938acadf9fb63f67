package dev.llmj.kernels;

import static dev.llmj.kernels.TestData.EPS;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Random;
import java.util.stream.IntStream;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * Element-wise kernels, RMSNorm, argmax and top-k. Single-rounding operations (add, mul, scale)
 * must match the IEEE result exactly; selections must match exactly; exp-based ones within a few
 * ulps of double.
 */
class ElementwiseProperties {

    @Property
    void addMulScaleAreExact(@ForAll @IntRange(max = 5000) int n, @ForAll @IntRange(max = 11) int off,
            @ForAll long seed) {
        Random r = new Random(seed);
        float[] a = TestData.mixedFloats(r, n);
        float[] b = TestData.mixedFloats(r, n);
        float s = (float) r.nextGaussian();
        for (Kernels k : TestData.implementations()) {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment sa = TestData.f32(arena, a, off);
                MemorySegment sb = TestData.f32(arena, b, 3);
                MemorySegment out = arena.allocate(4L * n + 5, 64);
                k.add(out, 5, sa, off, sb, 3, n);
                float[] sum = TestData.read(out, 5, n);
                k.mul(out, 5, sa, off, sb, 3, n);
                float[] prod = TestData.read(out, 5, n);
                k.scale(sa, off, sa, off, s, n); // in place
                float[] scaled = TestData.read(sa, off, n);
                for (int i = 0; i < n; i++) {
                    assertEquals(a[i] + b[i], sum[i], 0f, k + " add " + i);
                    assertEquals(a[i] * b[i], prod[i], 0f, k + " mul " + i);
                    assertEquals(s * a[i], scaled[i], 0f, k + " scale " + i);
                }
            }
        }
    }

    @Property
    void siluAndSwigluMatchDouble(@ForAll @IntRange(max = 5000) int n, @ForAll @IntRange(max = 11) int off,
            @ForAll long seed) {
        Random r = new Random(seed);
        float[] x = TestData.gaussian(r, n, 1 + r.nextInt(40));
        float[] up = TestData.gaussian(r, n, 2);
        for (Kernels k : TestData.implementations()) {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment sx = TestData.f32(arena, x, off);
                MemorySegment su = TestData.f32(arena, up, 1);
                MemorySegment out = arena.allocate(4L * n + 2, 64);
                k.silu(out, 2, sx, off, n);
                float[] si = TestData.read(out, 2, n);
                k.swiglu(out, 2, sx, off, su, 1, n);
                float[] sw = TestData.read(out, 2, n);
                for (int i = 0; i < n; i++) {
                    double e = x[i] / (1 + Math.exp(-(double) x[i]));
                    // ExpF is within 2 ulp, 1 + e and the division round once each. Below x ≈ −88.7
                    // exp(−x) overflows float and the result is −0 where the true value is below
                    // 89·e^−88 < 1e-36 in magnitude: that is the absolute term.
                    assertEquals(e, si[i], 8 * EPS * Math.abs(e) + 1e-36, k + " silu " + x[i]);
                    assertEquals(e * up[i], sw[i], 10 * EPS * Math.abs(e * up[i]) + 1e-35, k + " swiglu " + i);
                }
            }
        }
    }

    /**
     * exp is one function (ExpF) in both implementations, so SiLU, an element-wise formula, is
     * bit-identical between the vector kernels and the scalar twin at every length and offset.
     */
    @Property
    void siluIsBitIdenticalToTheScalarTwin(@ForAll @IntRange(max = 3000) int n, @ForAll @IntRange(max = 11) int off,
            @ForAll long seed) {
        Random r = new Random(seed);
        float[] x = TestData.gaussian(r, n, 1 + r.nextInt(100));
        if (n > 3) {
            x[0] = Float.NEGATIVE_INFINITY;
            x[1] = Float.NaN;
            x[2] = -95f;
            x[3] = 95f;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment sx = TestData.f32(arena, x, off);
            MemorySegment a = arena.allocate(4L * n + 1, 64);
            MemorySegment b = arena.allocate(4L * n + 1, 64);
            Kernels.scalar().silu(a, 0, sx, off, n);
            Kernels.get().silu(b, 0, sx, off, n);
            for (int i = 0; i < n; i++) {
                assertEquals(Float.floatToRawIntBits(a.get(dev.llmj.tensor.LE.FLOAT, 4L * i)),
                        Float.floatToRawIntBits(b.get(dev.llmj.tensor.LE.FLOAT, 4L * i)), "x = " + x[i]);
            }
        }
    }

    @Property
    void rmsnormMatchesDouble(@ForAll @IntRange(min = 1, max = 5000) int n, @ForAll @IntRange(max = 11) int off,
            @ForAll long seed) {
        Random r = new Random(seed);
        float[] x = TestData.gaussian(r, n, Math.pow(10, r.nextInt(7) - 3));
        float[] w = TestData.gaussian(r, n, 1);
        float eps = 1e-5f;
        double ss = 0;
        for (float v : x) {
            ss += (double) v * v;
        }
        double inv = 1 / Math.sqrt(ss / n + eps);
        for (Kernels k : TestData.implementations()) {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment sx = TestData.f32(arena, x, off);
                MemorySegment sw = TestData.f32(arena, w, 0);
                k.rmsnorm(sx, off, sx, off, sw, 0, n, eps); // in place
                float[] got = TestData.read(sx, off, n);
                for (int i = 0; i < n; i++) {
                    double expected = w[i] * (inv * x[i]);
                    // Σx² carries ≤ (n+8)ε relative (all terms positive); 1/sqrt halves that; two
                    // products and the final rounding add 3ε.
                    double tol = ((n + 8) * EPS / 2 + 4 * EPS) * Math.abs(expected) + 0x1p-140;
                    assertEquals(expected, got[i], tol, k + " at " + i + " n=" + n);
                }
            }
        }
    }

    @Property
    void argmaxAndTopKMatchASortedReference(@ForAll @IntRange(max = 5000) int n, @ForAll @IntRange(max = 40) int k,
            @ForAll @IntRange(max = 9) int off, @ForAll long seed) {
        Random r = new Random(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            // few distinct values, so ties are common; some NaN and infinities
            int kind = r.nextInt(50);
            x[i] = kind == 0 ? Float.NaN : kind == 1 ? Float.NEGATIVE_INFINITY : kind == 2 ? Float.POSITIVE_INFINITY
                    : r.nextInt(200) - 100;
        }
        Integer[] order = IntStream.range(0, n).filter(i -> !Float.isNaN(x[i])).boxed().toArray(Integer[]::new);
        Arrays.sort(order, Comparator.<Integer>comparingDouble(i -> -x[i]).thenComparingInt(i -> i));
        int expectedArgmax = order.length == 0 ? -1 : order[0];
        int kk = Math.min(k, n);
        int[] expectedTop = Arrays.stream(order).limit(kk).mapToInt(Integer::intValue).toArray();
        for (Kernels kn : TestData.implementations()) {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment s = TestData.f32(arena, x, off);
                assertEquals(expectedArgmax, kn.argmax(s, off, n), kn + " argmax");
                int[] out = new int[kk];
                int count = kn.topK(s, off, n, kk, out);
                assertArrayEquals(expectedTop, Arrays.copyOf(out, count), kn + " topK k=" + kk);
            }
        }
    }
}
