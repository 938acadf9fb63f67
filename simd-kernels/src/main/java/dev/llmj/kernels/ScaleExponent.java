package dev.llmj.kernels;

import dev.llmj.tensor.HalfFloats;
import dev.llmj.tensor.LE;
import dev.llmj.tensor.Tensor;

/**
 * A power of two by which an interleaved copy multiplies a matrix's binary16 scales, so that
 * none of them is subnormal.
 *
 * <p>Why: the vector kernels widen a binary16 scale by moving its bits into a float and
 * multiplying by 2^112. A subnormal binary16 becomes a subnormal float there, and on this machine
 * (AMD Zen 4) every multiply with a subnormal operand takes a microcode assist. A Q6_K file's
 * super-scales are all subnormal: llama-quantize divides the largest sub-block scale by 127, so
 * d is about 1e−5, below binary16's least normal value 2^−14. That made the kernels' per-block
 * scale multiply cost more than the block's integer work (a stand-alone copy of the Q4_0 block
 * loop: 27 ps per weight without scales, 30 with normal ones, 54 with subnormal ones).
 *
 * <p>A copy made with exponent k holds d·2^k for each scale d (exact: a subnormal has fewer
 * significant bits than a normal, and no scale overflows), and the kernels multiply by 2^(112−k)
 * instead of 2^112. The products they form are the same real numbers, so every result keeps its
 * bits.
 */
public final class ScaleExponent {
    private ScaleExponent() {}

    /** Least exponent of a normal binary16 (2^−14). */
    private static final int MIN_NORMAL = -14;
    /** Exponent of the largest finite binary16 (65504 = 1.999… · 2^15). */
    private static final int MAX_FINITE = 15;
    /** Exponent of the least subnormal binary16 (2^−24). */
    private static final int LEAST = -24;

    /** Tracks the exponent range of a matrix's nonzero scales. */
    public static final class Range {
        private int least = Integer.MAX_VALUE;
        private int greatest = Integer.MIN_VALUE;

        /** Takes binary16 scale {@code bits} (finite) into account. */
        public void add(short bits) {
            int magnitude = bits & 0x7FFF;
            if (magnitude == 0) {
                return;
            }
            int e = ScaleExponent.exponent(magnitude);
            least = Math.min(least, e);
            greatest = Math.max(greatest, e);
        }

        /**
         * The exponent k ≥ 0 that makes every scale seen normal, or, when their range is wider
         * than binary16's normal range, the largest k under which none overflows (some stay
         * subnormal: slower, still exact).
         */
        public int exponent() {
            if (least == Integer.MAX_VALUE || least >= MIN_NORMAL) {
                return 0;
            }
            return Math.max(0, Math.min(MIN_NORMAL - least, MAX_FINITE - greatest));
        }
    }

    /**
     * The exponent for a copy of K-quant matrix {@code w} (viewed as {@code wm}): {@code requested}
     * when it is ≥ 0, else the one {@link Range#exponent} picks (−1). Each 256-column super-block
     * of {@code blockBytes} holds a binary16 scale at every offset in {@code offsets}, named for
     * errors by {@code names}; every one is read.
     *
     * @throws IllegalArgumentException when a scale is infinite or NaN (the kernels widen finite
     *     binary16 values only), or when k is not −1 and is negative or would overflow a scale
     */
    static int forMatrix(WeightMatrix wm, Tensor w, int blockBytes, int[] offsets, String[] names, int requested) {
        Range range = new Range();
        for (int r = 0; r < wm.rows(); r++) {
            long row = wm.row(r);
            for (int sb = 0; sb < wm.cols() / 256; sb++) {
                for (int i = 0; i < offsets.length; i++) {
                    short d = wm.base().get(LE.SHORT, row + (long) blockBytes * sb + offsets[i]);
                    if ((d & 0x7C00) == 0x7C00) {   // the message is built only for a scale that fails
                        Checks.finiteScale(d, names[i], "row " + r + ", super-block " + sb, w);
                    }
                    range.add(d);
                }
            }
        }
        int k = requested == -1 ? range.exponent() : requested;
        check(range, k, w);
        return k;
    }

    /** e with 2^e ≤ |h| < 2^(e+1), for the nonzero finite binary16 magnitude {@code magnitude}. */
    static int exponent(int magnitude) {
        int biased = magnitude >> 10;
        if (biased > 0) {
            return biased - 15;
        }
        return (31 - Integer.numberOfLeadingZeros(magnitude)) + LEAST;
    }

    /** Binary16 {@code bits} times 2^k, exactly (the caller's k keeps it finite). */
    public static short scaled(short bits, int k) {
        if (k == 0) {
            return bits;
        }
        return HalfFloats.floatToF16(Math.scalb(HalfFloats.f16ToFloat(bits), k));
    }

    /** 2^(112 − k): what the kernels multiply a widened scale of a copy with exponent k by. */
    public static float rebias(int k) {
        return Math.scalb(1f, 112 - k);
    }

    /**
     * Checks that {@code k} can be a copy's exponent at all: 0 .. 39 (2^−24, the least binary16,
     * times 2^40 overflows).
     *
     * @throws IllegalArgumentException otherwise
     */
    static void checkRange(int k) {
        if (k < 0 || k > MAX_FINITE - LEAST) {
            throw new IllegalArgumentException("a scale exponent is 0 .. " + (MAX_FINITE - LEAST) + ", got " + k);
        }
    }

    /**
     * Checks that {@code k} scales every one of the range's scales to a finite binary16.
     *
     * @throws IllegalArgumentException when one would overflow
     */
    static void check(Range range, int k, Object source) {
        checkRange(k);
        if (range.greatest != Integer.MIN_VALUE && range.greatest + k > MAX_FINITE) {
            throw new IllegalArgumentException("scale exponent " + k + " would overflow a binary16 scale of " + source
                    + " (largest scale ≥ 2^" + range.greatest + ")");
        }
    }
}
