package dev.llmj.tensor.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmj.tensor.DType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Q4_K and Q6_K encoders on random and degenerate super-blocks. That they are llama.cpp's reference
 * quantizers byte for byte is {@code GgufQuantReferenceTest}'s job (it needs the shared files);
 * these bounds hold without them and fail on a misplaced nibble, a wrong scale or a dropped min.
 */
class KQuantCodecTest {
    private static final int BLOCKS = 3000;

    /** [mean relative RMS error, worst relative RMS error, worst |x − x̂| / max|x|] over Gaussian super-blocks. */
    private static double[] errors(DType t, long seed) {
        Random rnd = new Random(seed);
        float[] x = new float[256];
        float[] back = new float[256];
        double sumRms = 0;
        double worstRms = 0;
        double worstMax = 0;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment block = arena.allocate(t.blockBytes());
            for (int b = 0; b < BLOCKS; b++) {
                // σ from 0.1 to 1000: d and dmin stay normal, finite float16s
                double sigma = Math.pow(10, rnd.nextDouble() * 4 - 1);
                double energy = 0;
                float amax = 0;
                for (int i = 0; i < 256; i++) {
                    x[i] = (float) (rnd.nextGaussian() * sigma);
                    energy += (double) x[i] * x[i];
                    amax = Math.max(amax, Math.abs(x[i]));
                }
                Codecs.forType(t).quantize(x, 0, block, 0, 256);
                Codecs.forType(t).dequantize(block, 0, back, 0, 256);
                double err = 0;
                double max = 0;
                for (int i = 0; i < 256; i++) {
                    double e = x[i] - back[i];
                    err += e * e;
                    max = Math.max(max, Math.abs(e));
                }
                double rms = Math.sqrt(err / energy);
                sumRms += rms;
                worstRms = Math.max(worstRms, rms);
                worstMax = Math.max(worstMax, max / amax);
            }
        }
        return new double[] {sumRms / BLOCKS, worstRms, worstMax};
    }

    @Test
    void q6_KErrorIsAboutHalfASixBitStep() {
        // Each group of 16 is rounded to a grid of 64 steps spanning it (step ≈ max|x_group|/32,
        // ≈ 0.055σ for 16 Gaussians), so the RMS error is ≈ step/√12 ≈ 0.016σ; measured 0.018 mean,
        // 0.021 worst. The worst element: half a step of the largest group (≈ max|x|/64) plus, in
        // a group whose int8 scale rounded down, values clamped at 31 steps (≈ max|x|/32 more);
        // measured 0.016·max|x|.
        double[] e = errors(DType.Q6_K, 1);
        assertTrue(e[0] >= 0.01 && e[1] <= 0.03, "Q6_K relative RMS error mean " + e[0] + ", worst " + e[1]);
        assertTrue(e[2] <= 1.0 / 16, "Q6_K worst |x − x̂| = " + e[2] + "·max|x|");
    }

    @Test
    void q4_KErrorIsAboutHalfAFourBitStep() {
        // Each sub-block of 32 is rounded to 16 levels across its range (≈ 4.1σ for 32 Gaussians,
        // step ≈ 0.27σ): RMS ≈ step/√12 ≈ 0.079σ before the fit, which lowers it; measured 0.071
        // mean, 0.084 worst. Worst element measured 0.099·max|x|; a quarter of max|x| would mean a
        // lost min or scale.
        double[] e = errors(DType.Q4_K, 2);
        assertTrue(e[0] >= 0.05 && e[1] <= 0.1, "Q4_K relative RMS error mean " + e[0] + ", worst " + e[1]);
        assertTrue(e[2] <= 0.25, "Q4_K worst |x − x̂| = " + e[2] + "·max|x|");
    }

    @Test
    void zeroSuperBlocksStayZero() {
        for (DType t : new DType[] {DType.Q4_K, DType.Q6_K}) {
            assertArrayEquals(new float[256], roundTrip(t, new float[256]), 0f, t.name());
        }
    }

    @Test
    void q4_KKeepsAConstantNegativeSubBlockInItsMin() {
        // All equal and negative: the fit has max == min, scale 0, the value lives in the min alone.
        float[] x = new float[256];
        java.util.Arrays.fill(x, -0.75f);
        float[] back = roundTrip(DType.Q4_K, x);
        for (int i = 0; i < 256; i++) {
            assertEquals(-0.75f, back[i], 0.75f / 1024, "element " + i);
        }
    }

    @Test
    void q6_KPlacesEveryElementInItsOwnSlot() {
        // one spike per position, the rest small: a misplaced low or high bit moves the spike
        for (int pos = 0; pos < 256; pos += 37) {
            float[] x = new float[256];
            for (int i = 0; i < 256; i++) {
                x[i] = (i % 7 - 3) * 0.01f;
            }
            x[pos] = 1f;
            float[] back = roundTrip(DType.Q6_K, x);
            for (int i = 0; i < 256; i++) {
                // the spike's group has steps of 1/32; the others' steps are ≈ 0.03/32
                assertEquals(x[i], back[i], i / 16 == pos / 16 ? 1f / 60 : 0.002f, "spike at " + pos + ", element " + i);
            }
        }
    }

    private static float[] roundTrip(DType t, float[] x) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment block = arena.allocate(t.blockBytes());
            float[] back = new float[256];
            Codecs.forType(t).quantize(x, 0, block, 0, 256);
            Codecs.forType(t).dequantize(block, 0, back, 0, 256);
            return back;
        }
    }
}
