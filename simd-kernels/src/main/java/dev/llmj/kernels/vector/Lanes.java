package dev.llmj.kernels.vector;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Horizontal sums in one fixed order. {@code reduceLanes(ADD)} leaves the order of the additions
 * to the implementation, and compiled and interpreted code do differ in the last bit, so a
 * kernel's result would depend on whether the JIT had compiled it yet. Folding by rotations of
 * N/2, N/4, …, 1 lanes fixes the tree: the same input gives the same bits, always.
 */
public final class Lanes {
    private Lanes() {}

    private static final VectorShuffle<Float>[] F_FOLDS = folds(dev.llmj.kernels.VectorWidths.F);

    @SuppressWarnings("unchecked")
    private static VectorShuffle<Float>[] folds(VectorSpecies<Float> species) {
        int lanes = species.length();
        VectorShuffle<Float>[] f = new VectorShuffle[Integer.numberOfTrailingZeros(lanes)];
        for (int i = 0, s = lanes / 2; s >= 1; i++, s /= 2) {
            int shift = s;
            f[i] = VectorShuffle.fromOp(species, lane -> (lane + shift) % lanes);
        }
        return f;
    }

    /** Σ lanes of a vector of the kernels' float species, in the fixed tree order. */
    public static float sum(FloatVector v) {
        assert v.species() == dev.llmj.kernels.VectorWidths.F;
        for (VectorShuffle<Float> fold : F_FOLDS) {
            v = v.add(v.rearrange(fold));
        }
        return v.lane(0);
    }
}
