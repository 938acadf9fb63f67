package dev.llmj.rope.attention;

import dev.llmj.kernels.VectorWidths;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Softmax weights (float) Math.exp(s − max) on vectors, bit-identical to the scalar loop.
 *
 * <p>Math.exp is a scalar call; here exp runs in double on vectors and is rounded to float. That
 * rounding equals {@code (float) Math.exp(d)} whenever both doubles lie on the same side of the
 * float rounding boundary nearest them:
 * <pre>
 *   our p:       |p − e^d| ≤ 2^−46·e^d   (Cody–Waite reduction, degree-11 Taylor on |r| ≤ ln2/2:
 *                                         truncation 0.347^12/12! ≈ 2^−47, ~10 roundings of 2^−53)
 *   Math.exp(d): within 1 ulp (2^−52 relative) of e^d, by its specification
 *   double bits: | sign | exponent | 23 float fraction bits | 29 bits below the float precision |
 *   boundary:    the 29 low bits = 2^28 (half a float ulp); p is "safe" when they are more than
 *                2^13 double ulps (2^−40 relative, far above both errors) away from 2^28
 * </pre>
 * A safe p rounds to the same float as e^d and as Math.exp(d). Lanes that are not safe (about
 * one in 2^15), or where the result is subnormal (−104 &lt; d &lt; −87) or NaN, are recomputed with
 * Math.exp itself; d ≤ −104 (e.g. a far-off score, or −∞) gives +0 as Math.exp does. So the result is always exactly the scalar one.
 */
final class VectorSoftmaxWeights {
    private VectorSoftmaxWeights() {}

    private static final VectorSpecies<Double> D =
            DoubleVector.SPECIES_PREFERRED.withShape(VectorShape.forBitSize(VectorWidths.BITS));
    private static final int N = D.length();

    private static final double LOG2E = 1.4426950408889634;
    private static final double LN2_HI = 0.6931471803691238;      // 33 significant bits: k·LN2_HI exact
    private static final double LN2_LO = 1.9082149292705877e-10;  // ln2 − LN2_HI
    /** 1.5·2^52: adding it rounds to an integer held in the low fraction bits. */
    private static final double SHIFTER = 0x1.8p52;
    private static final long SHIFTER_BITS = Double.doubleToRawLongBits(SHIFTER);
    /** Below this e^d is no longer a normal float (e^−87 ≈ 1.6e−38 &gt; 2^−126). */
    private static final double LOWEST = -87.0;
    /**
     * At or below this e^d &lt; 2^−150 (half the smallest subnormal) by a wide margin (e^−104 ≈
     * 6.8e−46 vs 7.0e−46): the float is +0 whatever Math.exp's last bit. Covers −∞. Between
     * −104 and −87 the float is subnormal: Math.exp.
     */
    private static final double UNDERFLOW = -104.0;
    private static final long LOW29 = (1L << 29) - 1;
    private static final long BAND_START = (1L << 28) - (1L << 13);
    private static final long BAND_WIDTH = 1L << 14;
    private static final VectorSpecies<Float> F = VectorWidths.F;
    /**
     * The first N float lanes, one per double lane. The floats stay in the kernels' one float
     * species (masked to N lanes) rather than a half-width species: a second float species in the
     * process gives the JDK's shared FloatVector code two receiver types, and a kernel compiled
     * against that profile (the Q4_0 pair decoder, in one JVM run in three) kept a guarded path
     * that boxed its accumulators on every block: 140 MB of garbage per token, 2.4× slower.
     */
    private static final VectorMask<Float> FIRST_N = F.indexInRange(0, N);

    /**
     * s[i] = (float) Math.exp(s[i] − max) for i in from..to−1, where max is the largest of them;
     * returns Σ s[i] summed in double in index order. Same bits as the scalar loop.
     */
    static double expAndSum(float[] s, int from, int to) {
        // max is exact in any order (lanewise MAX has Math.max's NaN and ±0 rules)
        FloatVector maxes = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        int i = from;
        for (; i + F.length() <= to; i += F.length()) {
            maxes = maxes.max(FloatVector.fromArray(F, s, i));
        }
        float max = maxes.reduceLanes(VectorOperators.MAX);
        for (; i < to; i++) {
            max = Math.max(max, s[i]);
        }
        i = from;
        if (N >= 2) {
            DoubleVector c9 = DoubleVector.broadcast(D, 1.0 / 362880), c8 = DoubleVector.broadcast(D, 1.0 / 40320);
            DoubleVector c7 = DoubleVector.broadcast(D, 1.0 / 5040), c6 = DoubleVector.broadcast(D, 1.0 / 720);
            DoubleVector c5 = DoubleVector.broadcast(D, 1.0 / 120), c4 = DoubleVector.broadcast(D, 1.0 / 24);
            DoubleVector c3 = DoubleVector.broadcast(D, 1.0 / 6), c2 = DoubleVector.broadcast(D, 0.5);
            DoubleVector one = DoubleVector.broadcast(D, 1.0), minusLn2Hi = DoubleVector.broadcast(D, -LN2_HI);
            for (; i + N <= to; i += N) {
                FloatVector xf = FloatVector.fromArray(F, s, i, FIRST_N).sub(max);   // the scalar float subtraction
                DoubleVector x = (DoubleVector) xf.convertShape(VectorOperators.F2D, D, 0);
                VectorMask<Double> inRange = x.compare(VectorOperators.GE, LOWEST);
                VectorMask<Double> zero = x.compare(VectorOperators.LE, UNDERFLOW);
                x = x.blend(0.0, inRange.not());
                DoubleVector t = x.fma(LOG2E, SHIFTER);
                DoubleVector k = t.sub(SHIFTER);
                DoubleVector r = k.fma(minusLn2Hi, x).add(k.mul(-LN2_LO));   // x − k·ln2, |r| ≤ ln2/2
                // Σ r^n/n! for n ≤ 11, Horner from the top
                DoubleVector p = r.fma(1.0 / 39916800, 1.0 / 3628800);
                p = p.fma(r, c9).fma(r, c8).fma(r, c7).fma(r, c6).fma(r, c5).fma(r, c4).fma(r, c3).fma(r, c2)
                        .fma(r, one).fma(r, one);
                LongVector twoK = ((LongVector) t.reinterpretAsLongs()).sub(SHIFTER_BITS).add(1023)
                        .lanewise(VectorOperators.LSHL, 52);
                DoubleVector y = p.mul(twoK.reinterpretAsDoubles()).blend(0.0, zero);
                LongVector band = ((LongVector) y.reinterpretAsLongs()).and(LOW29).sub(BAND_START);
                VectorMask<Long> unsafe = band.compare(VectorOperators.GE, 0).and(band.compare(VectorOperators.LT, BAND_WIDTH));
                ((FloatVector) y.convertShape(VectorOperators.D2F, F, 0)).intoArray(s, i, FIRST_N);
                VectorMask<Double> redo = unsafe.cast(D).or(inRange.or(zero).not());
                if (redo.anyTrue()) {
                    for (int l = 0; l < N; l++) {
                        if (redo.laneIsSet(l)) {
                            s[i + l] = (float) Math.exp(xf.lane(l));
                        }
                    }
                }
            }
        }
        for (; i < to; i++) {
            s[i] = (float) Math.exp(s[i] - max);
        }
        double sum = 0;
        for (int j = from; j < to; j++) {
            sum += s[j];
        }
        return sum;
    }
}
