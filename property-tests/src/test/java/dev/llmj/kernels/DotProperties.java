package dev.llmj.kernels;

import static dev.llmj.kernels.TestData.EPS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmj.tensor.DType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * F32, F16 and BF16 dots and the similarity trio, both implementations against a double-precision
 * reference, over every length 0..5000 (so every tail length for every width) at unaligned byte
 * offsets.
 */
class DotProperties {

    @Property
    void f32DotIsWithinTheSummationBound(@ForAll @IntRange(max = 5000) int n, @ForAll @IntRange(max = 67) int aOff,
            @ForAll @IntRange(max = 67) int bOff, @ForAll long seed) {
        Random r = new Random(seed);
        float[] a = TestData.mixedFloats(r, n);
        float[] b = TestData.mixedFloats(r, n);
        double[] ref = TestData.dotAndMagnitude(a, b);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment sa = TestData.f32(arena, a, aOff);
            MemorySegment sb = TestData.f32(arena, b, bOff);
            for (Kernels k : TestData.implementations()) {
                float got = k.dot(sa, aOff, sb, bOff, n);
                assertEquals(ref[0], got, TestData.dotBound(n, ref[1]), k + " n=" + n);
            }
        }
    }

    @Property
    void halfDotsAreWithinTheSummationBound(@ForAll @IntRange(max = 3000) int n, @ForAll @IntRange(max = 33) int aOff,
            @ForAll @IntRange(max = 33) int bOff, @ForAll boolean bf16, @ForAll long seed) {
        Random r = new Random(seed);
        DType t = bf16 ? DType.BF16 : DType.F16;
        // F16 overflows above 65504: keep weights moderate (the decode is what is under test).
        float[] a = TestData.gaussian(r, n, 100);
        float[] b = TestData.mixedFloats(r, n);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment sa = TestData.halves(arena, t, a, aOff); // a now holds the decoded values
            MemorySegment sb = TestData.f32(arena, b, bOff);
            double[] ref = TestData.dotAndMagnitude(a, b);
            for (Kernels k : TestData.implementations()) {
                float got = bf16 ? k.dotBf16(sa, aOff, sb, bOff, n) : k.dotF16(sa, aOff, sb, bOff, n);
                assertEquals(ref[0], got, TestData.dotBound(n, ref[1]), k + " " + t + " n=" + n);
            }
        }
    }

    @Property
    void f16DecodingCoversSubnormalsInfinitiesAndNaN(@ForAll short bits, @ForAll @IntRange(max = 40) int lane) {
        // One special value among ones: the dot with a one-hot vector returns exactly that value.
        int n = 41;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment h = arena.allocate(2L * n + 1, 64);
            for (int i = 0; i < n; i++) {
                h.set(dev.llmj.tensor.LE.SHORT, 1 + 2L * i, (short) 0x3C00); // 1.0
            }
            h.set(dev.llmj.tensor.LE.SHORT, 1 + 2L * lane, bits);
            float[] oneHot = new float[n];
            oneHot[lane] = 1f;
            MemorySegment x = TestData.f32(arena, oneHot, 0);
            float expected = Float.float16ToFloat(bits);
            for (Kernels k : TestData.implementations()) {
                float got = k.dotF16(h, 1, x, 0, n);
                // 1·0 terms add +0; a −0 value plus +0 terms gives +0, so compare numerically.
                if (Float.isNaN(expected)) {
                    assertTrue(Float.isNaN(got), k + " bits " + Integer.toHexString(bits & 0xFFFF));
                } else {
                    assertEquals(expected == 0 ? 0f : expected, got == 0 ? 0f : got, 0f,
                            k + " bits " + Integer.toHexString(bits & 0xFFFF));
                }
            }
        }
    }

    @Property
    void cosineAndEuclideanMatchDouble(@ForAll @IntRange(max = 5000) int n, @ForAll @IntRange(max = 31) int aOff,
            @ForAll @IntRange(max = 31) int bOff, @ForAll long seed) {
        Random r = new Random(seed);
        float[] a = TestData.gaussian(r, n, 3);
        float[] b = TestData.gaussian(r, n, 3);
        if (n > 0 && r.nextInt(8) == 0) {
            b[r.nextInt(n)] = 0; // zeros inside the data
        }
        double ab = 0;
        double aa = 0;
        double bb = 0;
        double dd = 0;
        for (int i = 0; i < n; i++) {
            ab += (double) a[i] * b[i];
            aa += (double) a[i] * a[i];
            bb += (double) b[i] * b[i];
            double d = (double) a[i] - b[i];
            dd += d * d;
        }
        double cos = aa == 0 || bb == 0 ? 0 : ab / Math.sqrt(aa * bb);
        double dist = Math.sqrt(dd);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment sa = TestData.f32(arena, a, aOff);
            MemorySegment sb = TestData.f32(arena, b, bOff);
            for (Kernels k : TestData.implementations()) {
                // cosine: the three sums each carry ≤ (n+8)ε relative to their magnitude Σ|a||b| ≤ |a||b|
                // (Cauchy–Schwarz), so the error of cos is ≤ ~2(n+8)ε + rounding of the final ops.
                assertEquals(cos, k.cosine(sa, aOff, sb, bOff, n), 2.5 * (n + 8) * EPS + 4 * EPS, k + " cos n=" + n);
                // distance: the differences round once (ε relative each), the sum of squares carries
                // (n+8)ε relative, the square root halves it.
                assertEquals(dist, k.euclidean(sa, aOff, sb, bOff, n), ((n + 8) * EPS + 4 * EPS) * dist + 1e-30,
                        k + " dist n=" + n);
            }
        }
    }
}
