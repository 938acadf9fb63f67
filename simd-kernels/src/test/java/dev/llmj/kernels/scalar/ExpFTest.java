package dev.llmj.kernels.scalar;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ExpFTest {
    /** Distance in ulps of the float result from the exact (double) value. */
    private static double ulps(float got, double exact) {
        return Math.abs(got - exact) / Math.ulp((float) exact);
    }

    @Test
    void withinTwoUlpsOverTheWholeNormalRange() {
        SplittableRandom rnd = new SplittableRandom(1);
        double worst = 0;
        float worstAt = 0;
        for (int i = 0; i < 2_000_000; i++) {
            float x = (float) rnd.nextDouble(-87.33f, ExpF.MAX_X);
            double u = ulps(ExpF.exp(x), Math.exp(x));
            if (u > worst) {
                worst = u;
                worstAt = x;
            }
        }
        assertTrue(worst <= 2.0, "worst error " + worst + " ulp at x = " + worstAt);
        // Small arguments, where softmax of near-equal logits lives.
        for (float x = -1f; x <= 1f; x += 1f / 4096) {
            assertTrue(ulps(ExpF.exp(x), Math.exp(x)) <= 2.0, "x = " + x);
        }
    }

    @Test
    void exactAndSpecialValues() {
        assertEquals(1f, ExpF.exp(0f));
        assertEquals(1f, ExpF.exp(-0f));
        assertEquals(0f, ExpF.exp(Float.NEGATIVE_INFINITY), "masked logits become exactly 0");
        assertEquals(Float.POSITIVE_INFINITY, ExpF.exp(Float.POSITIVE_INFINITY));
        assertTrue(Float.isNaN(ExpF.exp(Float.NaN)));
        for (float x = -103.9f; x < -87.4f; x += 0.37f) {
            // Subnormal results: within one unit of the last place (2^-149) of the exact value.
            assertEquals(Math.exp(x), ExpF.exp(x), 0x1p-149, "subnormal exp(" + x + ")");
        }
        assertEquals(0f, ExpF.exp(-104f), "exp(-104) < 2^-150 rounds to 0");
        assertEquals(Float.POSITIVE_INFINITY, ExpF.exp(89f));
        assertTrue(ulps(ExpF.exp(88.72283f), Math.exp(88.72283f)) <= 2.0, "largest finite result");
        assertEquals(Float.POSITIVE_INFINITY, ExpF.exp(88.7229f), "just above ln(FLT_MAX) overflows by itself");
        assertTrue(ulps(ExpF.exp(-87.33f), Math.exp(-87.33f)) <= 2.0, "smallest normal result");
        assertEquals((float) Math.E, ExpF.exp(1f), Math.ulp((float) Math.E));
    }
}
