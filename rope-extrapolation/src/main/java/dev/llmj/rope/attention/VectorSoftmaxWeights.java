package dev.llmj.rope.attention;

import dev.llmj.kernels.VectorWidths;
import dev.llmj.kernels.vector.VectorExp;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Softmax numerators on vectors: s[i] = exp(s[i] − max) with the kernels' float exp
 * ({@link VectorExp}, lane for lane the bits of {@code ExpF.exp}, within 2 ulp of e^x), so the
 * scalar twin gets the same bits.
 *
 * <p>This used to be {@code (float) Math.exp} exactly: exp in double on half as many lanes, with a
 * fallback to Math.exp for lanes near a float rounding boundary, and a sum chained in index order.
 * It cost about 20 cycles per score, as much as a 64-dim score itself, and the float exp changes
 * a weight by at most 2 ulp.
 */
final class VectorSoftmaxWeights {
    private VectorSoftmaxWeights() {}

    private static final VectorSpecies<Float> F = VectorWidths.F;
    private static final int L = F.length();

    /**
     * s[i] = exp(s[i] − max) for i in from..to−1, max the largest of them; returns
     * {@link SoftmaxSum#of} the results.
     */
    static double expAndSum(float[] s, int from, int to) {
        // max is exact in any order (lanewise MAX has Math.max's NaN and ±0 rules)
        FloatVector maxes = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        int i = from;
        for (; i + L <= to; i += L) {
            maxes = maxes.max(FloatVector.fromArray(F, s, i));
        }
        float max = maxes.reduceLanes(VectorOperators.MAX);
        for (; i < to; i++) {
            max = Math.max(max, s[i]);
        }
        i = from;
        for (; i + L <= to; i += L) {
            VectorExp.exp(FloatVector.fromArray(F, s, i).sub(max)).intoArray(s, i);
        }
        if (i < to) {
            // the row's last lanes under a mask: a scalar tail cost as much as the vector loop
            // (fromLong: indexInRange was not intrinsified)
            VectorMask<Float> rest = VectorMask.fromLong(F, (1L << (to - i)) - 1);
            VectorExp.exp(FloatVector.fromArray(F, s, i, rest).sub(max)).intoArray(s, i, rest);
        }
        return SoftmaxSum.of(s, from, to);
    }
}
