package dev.llmj.kernels.vector;

import static dev.llmj.kernels.VectorWidths.F;
import static dev.llmj.kernels.VectorWidths.F_LANES;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;

/**
 * Horizontal sums in one fixed order. {@code reduceLanes(ADD)} leaves the order of the additions
 * to the implementation, and compiled and interpreted code do differ in the last bit, so a
 * kernel's result would depend on whether the JIT had compiled it yet (and a batched kernel would
 * disagree with its one-vector twin). Folding by rotations of L/2, L/4, …, 1 lanes fixes the
 * tree: the same input gives the same bits, always.
 */
public final class Lanes {
    private Lanes() {}

    // One constant shuffle per step (L ≤ 16 floats), so C2 sees each as a constant.
    private static final VectorShuffle<Float> FOLD8 = fold(8);
    private static final VectorShuffle<Float> FOLD4 = fold(4);
    private static final VectorShuffle<Float> FOLD2 = fold(2);
    private static final VectorShuffle<Float> FOLD1 = fold(1);

    /** Lane i takes lane (i + shift) mod L; null when the species has no more than shift lanes. */
    private static VectorShuffle<Float> fold(int shift) {
        return F_LANES > shift ? VectorShuffle.fromOp(F, lane -> (lane + shift) % F_LANES) : null;
    }

    /** Σ lanes of a vector of the kernels' float species, in the fixed tree order. */
    public static float sum(FloatVector v) {
        if (F_LANES >= 16) {
            v = v.add(v.rearrange(FOLD8));
        }
        if (F_LANES >= 8) {
            v = v.add(v.rearrange(FOLD4));
        }
        v = v.add(v.rearrange(FOLD2));
        v = v.add(v.rearrange(FOLD1));
        return v.lane(0);
    }
}
