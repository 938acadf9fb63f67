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
 * Quantize → dequantize error per block stays within the bound each codec's javadoc states, and the
 * bound is tight (the worst observed error comes close to it), so a codec that rounds badly,
 * truncates, or picks a wrong scale fails.
 */
class QuantErrorBoundTest {
    private static final int BLOCKS = 4000;
    /**
     * Slack for float32 arithmetic inside the codec (x·(1/d) instead of x/d, the product d·q):
     * a few ulps of values ≤ 127, i.e. relative ≤ 1e-5 of the bound.
     */
    private static final double SLACK = 1 + 1e-5;

    /** Per-block worst |x − x̂| / max|x| over random blocks, checked against {@code bound}. */
    private static double worstRatio(DType dtype, double bound, long seed) {
        BlockCodec codec = Codecs.forType(dtype);
        Random rnd = new Random(seed);
        float[] x = new float[32];
        float[] back = new float[32];
        double worst = 0;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment block = arena.allocate(dtype.blockBytes(), 64);
            for (int b = 0; b < BLOCKS; b++) {
                // Scales from 0.1 to 1000 keep the fp16 scale normal (d ≥ 2^-14 needs max|x| ≥
                // 127·2^-14 ≈ 0.008 for Q8_0) and finite; below that d is subnormal and the
                // relative bound does not hold (the absolute error is then ≤ d/2 + 2^-25·127).
                double scale = Math.pow(10, rnd.nextDouble() * 4 - 1);
                float amax = 0;
                for (int i = 0; i < 32; i++) {
                    x[i] = (float) (rnd.nextGaussian() * scale);
                    amax = Math.max(amax, Math.abs(x[i]));
                }
                codec.quantize(x, 0, block, 0, 32);
                codec.dequantize(block, 0, back, 0, 32);
                for (int i = 0; i < 32; i++) {
                    double ratio = Math.abs(x[i] - back[i]) / amax;
                    assertTrue(ratio <= bound * SLACK, dtype + " block " + b + " element " + i + ": |" + x[i] + " − "
                            + back[i] + "| = " + ratio + "·max|x| exceeds the bound " + bound + "·max|x|");
                    worst = Math.max(worst, ratio);
                }
            }
        }
        return worst;
    }

    @Test
    void q8_0WithinItsBoundAndTheBoundIsTight() {
        // Q8_0Codec javadoc: |x − x̂| ≤ max|x|·(1/254 + 2^-11): half a step of d = max|x|/127, plus
        // fp16 rounding of d (relative 2^-11) times |q| ≤ 127.
        double bound = 1.0 / 254 + Math.scalb(1.0, -11);
        double worst = worstRatio(DType.Q8_0, bound, 1);
        // Over 128,000 elements some sit almost exactly between two steps: worst ≥ 0.45 of a step.
        // A codec with a scale twice too large, or truncating, would exceed the bound; one that
        // were somehow better than rounding cannot exist, so this shows the bound is not vacuous.
        assertTrue(worst >= 0.9 / 254, "worst error " + worst + "·max|x| is far below half a step");
    }

    @Test
    void q4_0WithinItsBoundAndTheBoundIsTight() {
        // Q4_0Codec javadoc: |x − x̂| ≤ max|x|·(1/8)·(1 + 7·2^-11): a value opposite to the extreme
        // is clamped from +8 to +7 steps (a whole step |d| = max|x|/8), plus fp16 rounding of d
        // times 7 steps. Elsewhere the error is at most half a step.
        double bound = (1.0 / 8) * (1 + 7 * Math.scalb(1.0, -11));
        double worst = worstRatio(DType.Q4_0, bound, 2);
        assertTrue(worst >= 0.45 / 8, "worst error " + worst + "·max|x| is far below half a step");
    }

    @Test
    void q4_0ClampsTheOppositeExtremeLikeLlamaCpp() {
        // max = +1 (first of the largest magnitudes), d = −1/8; −1 would need q = 16, gets 15.
        float[] x = new float[32];
        for (int i = 0; i < 32; i++) {
            x[i] = i % 2 == 0 ? 1f : -1f;
        }
        float[] back = roundTrip(DType.Q4_0, x);
        assertEquals(1f, back[0]);
        assertEquals(-0.875f, back[1]);
    }

    @Test
    void zeroBlocksStayZero() {
        for (DType t : new DType[] {DType.Q8_0, DType.Q4_0}) {
            // Q4_0 gives −0.0 (d = 0/−8 = −0), as llama.cpp does; compare numerically.
            assertArrayEquals(new float[32], roundTrip(t, new float[32]), 0f, t.name());
        }
    }

    @Test
    void q8_0ExactOnItsGrid() {
        // Values that are integer multiples of a power-of-two step with max 127 steps round-trip exactly.
        float[] x = new float[32];
        for (int i = 0; i < 32; i++) {
            x[i] = (i * 8 - 127) * 0.25f;
        }
        x[31] = 127 * 0.25f;
        assertArrayEquals(x, roundTrip(DType.Q8_0, x));
    }

    private static float[] roundTrip(DType t, float[] x) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment block = arena.allocate(t.blockBytes(), 64);
            float[] back = new float[32];
            Codecs.forType(t).quantize(x, 0, block, 0, 32);
            Codecs.forType(t).dequantize(block, 0, back, 0, 32);
            return back;
        }
    }
}
