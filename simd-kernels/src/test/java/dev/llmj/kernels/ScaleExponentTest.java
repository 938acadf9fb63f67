package dev.llmj.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.llmj.tensor.HalfFloats;
import org.junit.jupiter.api.Test;

class ScaleExponentTest {

    private static ScaleExponent.Range rangeOf(float... scales) {
        ScaleExponent.Range range = new ScaleExponent.Range();
        for (float s : scales) {
            range.add(HalfFloats.floatToF16(s));
        }
        return range;
    }

    @Test
    void exponentsOfNormalAndSubnormalHalves() {
        assertEquals(0, ScaleExponent.exponent(0x3C00));           // 1.0
        assertEquals(15, ScaleExponent.exponent(0x7BFF));          // 65504
        assertEquals(-14, ScaleExponent.exponent(0x0400));         // least normal
        assertEquals(-15, ScaleExponent.exponent(0x03FF));         // greatest subnormal
        assertEquals(-24, ScaleExponent.exponent(0x0001));         // least subnormal
    }

    @Test
    void normalScalesNeedNoExponent() {
        assertEquals(0, rangeOf(0.001f, -2f, 0f).exponent());
        assertEquals(0, rangeOf().exponent());
        assertEquals(0, rangeOf(0f, -0f).exponent());
    }

    @Test
    void theLeastScaleIsMadeNormal() {
        // llama-quantize's Q6_K super-scales: about 1e−5, i.e. 2^−17
        assertEquals(3, rangeOf(1e-5f, 3e-5f).exponent());
        assertEquals(10, rangeOf(0x1p-24f, 0.5f).exponent());
    }

    @Test
    void aRangeWiderThanTheNormalOnesKeepsTheLargestFinite() {
        // 2^−24 .. 2^15 cannot all be normal; the largest must not overflow
        assertEquals(0, rangeOf(0x1p-24f, 60000f).exponent());
        assertEquals(2, rangeOf(0x1p-24f, 0x1p13f).exponent());
    }

    @Test
    void scalingIsExactAndOverflowIsRefused() {
        for (int bits = 1; bits < 0x7C00; bits++) {
            short h = (short) bits;
            int k = Math.max(0, 15 - ScaleExponent.exponent(bits));
            k = Math.min(k, 12);
            short scaled = ScaleExponent.scaled(h, k);
            assertEquals(HalfFloats.f16ToFloat(h), Math.scalb(HalfFloats.f16ToFloat(scaled), -k), "bits " + bits);
            assertEquals(HalfFloats.f16ToFloat((short) (bits | 0x8000)),
                    Math.scalb(HalfFloats.f16ToFloat(ScaleExponent.scaled((short) (bits | 0x8000), k)), -k));
        }
        assertEquals(0x1p92f, ScaleExponent.rebias(20));
        ScaleExponent.Range range = rangeOf(0.01f);
        ScaleExponent.check(range, 22, "w");
        assertThrows(IllegalArgumentException.class, () -> ScaleExponent.check(range, 23, "w"));
        assertThrows(IllegalArgumentException.class, () -> ScaleExponent.check(range, -1, "w"));
        ScaleExponent.checkRange(0);
        ScaleExponent.checkRange(39);
        assertThrows(IllegalArgumentException.class, () -> ScaleExponent.checkRange(40));
        assertThrows(IllegalArgumentException.class, () -> ScaleExponent.checkRange(-1));
    }
}
