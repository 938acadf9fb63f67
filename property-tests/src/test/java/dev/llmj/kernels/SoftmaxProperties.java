package dev.llmj.kernels;

import static dev.llmj.kernels.TestData.EPS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.FloatRange;
import net.jqwik.api.constraints.IntRange;

/**
 * Softmax and log-softmax: normalisation, shift invariance, −∞ and NaN rules, temperature and mask,
 * against a double reference.
 */
class SoftmaxProperties {

    private static float[] softmaxed(Kernels k, float[] x, int off, float temperature, float[] mask) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = TestData.f32(arena, x, off);
            MemorySegment ms = mask == null ? null : TestData.f32(arena, mask, 2);
            k.softmax(s, off, x.length, temperature, ms, 2);
            return TestData.read(s, off, x.length);
        }
    }

    @Property
    void sumsToOneAndMatchesDouble(@ForAll @IntRange(min = 1, max = 5000) int n, @ForAll @IntRange(max = 13) int off,
            @ForAll @FloatRange(min = 0.05f, max = 5f) float temperature, @ForAll boolean masked, @ForAll long seed) {
        Random r = new Random(seed);
        float[] x = TestData.gaussian(r, n, 1 + r.nextInt(20));
        float[] mask = null;
        if (masked) {
            mask = new float[n];
            for (int i = 1; i < n; i++) {
                mask[i] = r.nextInt(3) == 0 ? Float.NEGATIVE_INFINITY : 0f;
            }
        }
        // reference: the same float logits v = x·(1/T) + mask, then exp and normalise in double
        float invT = 1f / temperature;
        double[] v = new double[n];
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            float f = invT != 1f ? x[i] * invT : x[i];
            v[i] = mask != null ? f + mask[i] : f;
            max = Math.max(max, v[i]);
        }
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += Math.exp(v[i] - max);
        }
        for (Kernels k : TestData.implementations()) {
            float[] p = softmaxed(k, x, off, temperature, mask);
            double total = 0;
            for (int i = 0; i < n; i++) {
                total += p[i];
                if (v[i] == Double.NEGATIVE_INFINITY) {
                    assertEquals(0f, p[i], 0f, k + " masked entries are exactly 0");
                    continue;
                }
                double expected = Math.exp(v[i] - max) / sum;
                // x − max rounds once in float (ε·|x − max| relative after exp), exp is within 2 ulp
                // (4ε), 1/sum and the final scaling round once each; the vector sum adds ≤ 16 float
                // terms per lane and folds ≤ 16 lanes before each chunk goes to double (≤ 20ε on
                // the denominator, which every p_i shares).
                double rel = (28 + Math.abs(v[i] - max)) * EPS;
                assertEquals(expected, p[i], rel * expected + 0x1p-140, k + " p[" + i + "] n=" + n);
            }
            // Each p_i is within ~4ε of its true value relative to itself, and the true values sum to 1.
            assertEquals(1.0, total, 1e-6, k + " sum n=" + n);
        }
    }

    @Property
    void invariantToAddingAConstant(@ForAll @IntRange(min = 1, max = 3000) int n, @ForAll @IntRange(min = -1000, max = 1000) int shift,
            @ForAll long seed) {
        // Logits on a 2^-8 grid within ±16 and an integer shift: x + c is exact in float, so the
        // shifted softmax sees the same x − max and must give bit-identical probabilities.
        Random r = new Random(seed);
        float[] x = new float[n];
        float[] y = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (r.nextInt(8193) - 4096) / 256f;
            y[i] = x[i] + shift;
        }
        for (Kernels k : TestData.implementations()) {
            float[] p = softmaxed(k, x, 0, 1f, null);
            float[] q = softmaxed(k, y, 0, 1f, null);
            for (int i = 0; i < n; i++) {
                assertEquals(p[i], q[i], 0f, k + " shift " + shift + " at " + i);
            }
        }
    }

    @Property
    void negativeInfinityGivesExactlyZeroAndNaNPropagates(@ForAll @IntRange(min = 2, max = 700) int n,
            @ForAll long seed) {
        Random r = new Random(seed);
        float[] x = TestData.gaussian(r, n, 4);
        int inf = r.nextInt(n);
        x[inf] = Float.NEGATIVE_INFINITY;
        x[(inf + 1) % n] = 0; // at least one finite value
        for (Kernels k : TestData.implementations()) {
            float[] p = softmaxed(k, x, 1, 1f, null);
            assertEquals(0f, p[inf], 0f, k + " exp(−∞) must be exactly 0");
            float[] withNaN = x.clone();
            withNaN[r.nextInt(n)] = Float.NaN;
            // Documented: any NaN input makes the whole output NaN (the max is NaN).
            for (float v : softmaxed(k, withNaN, 1, 1f, null)) {
                assertTrue(Float.isNaN(v), k + " NaN in → NaN out");
            }
            float[] allInf = new float[n];
            java.util.Arrays.fill(allInf, Float.NEGATIVE_INFINITY);
            // Documented: a row of only −∞ has no distribution: NaN.
            for (float v : softmaxed(k, allInf, 1, 1f, null)) {
                assertTrue(Float.isNaN(v), k + " all −∞ → NaN");
            }
        }
    }

    @Property
    void logSoftmaxMatchesDouble(@ForAll @IntRange(min = 1, max = 5000) int n, @ForAll @IntRange(max = 9) int off,
            @ForAll long seed) {
        Random r = new Random(seed);
        float[] x = TestData.gaussian(r, n, 1 + r.nextInt(30));
        double max = Double.NEGATIVE_INFINITY;
        for (float v : x) {
            max = Math.max(max, v);
        }
        double sum = 0;
        for (float v : x) {
            sum += Math.exp(v - max);
        }
        double logSum = Math.log(sum);
        for (Kernels k : TestData.implementations()) {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment s = TestData.f32(arena, x, off);
                k.logSoftmax(s, off, n);
                float[] got = TestData.read(s, off, n);
                for (int i = 0; i < n; i++) {
                    double expected = (x[i] - max) - logSum;
                    // two float subtractions (ε relative each) and log of a sum carrying a few ε
                    double tol = 4 * EPS * (Math.abs(x[i] - max) + Math.abs(logSum)) + 8 * EPS;
                    assertEquals(expected, got[i], tol, k + " at " + i + " n=" + n);
                }
            }
        }
    }
}
