package dev.llmj.kernels.vector;

import static dev.llmj.kernels.scalar.ExpF.COEFFS;
import static dev.llmj.kernels.scalar.ExpF.LN2_HI;
import static dev.llmj.kernels.scalar.ExpF.LN2_LO;
import static dev.llmj.kernels.scalar.ExpF.LOG2E;
import static dev.llmj.kernels.scalar.ExpF.MAX_X;
import static dev.llmj.kernels.scalar.ExpF.MIN_X;
import static dev.llmj.kernels.scalar.ExpF.SHIFTER;
import static dev.llmj.kernels.scalar.ExpF.SHIFTER_BITS;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Lane-wise twin of {@link dev.llmj.kernels.scalar.ExpF#exp}: the same operations in the same
 * order, so every lane equals the scalar result bit for bit, compiled or not. Branch-free (see
 * {@link dev.llmj.kernels.scalar.ExpF#MAX_X}) and small, so C2 inlines it into the kernels' loops;
 * a version with masks and blends grew softmax past C2's inlining budget, and every vector in it
 * was then boxed.
 */
public final class VectorExp {
    private VectorExp() {}

    public static FloatVector exp(FloatVector x) {
        FloatVector xc = x.max(MIN_X).min(MAX_X);
        FloatVector t = xc.fma(LOG2E, SHIFTER);
        FloatVector n = t.sub(SHIFTER);
        var species = x.species();
        FloatVector r = n.fma(FloatVector.broadcast(species, -LN2_HI), xc);
        r = n.fma(FloatVector.broadcast(species, -LN2_LO), r);
        FloatVector p = FloatVector.broadcast(species, COEFFS[0]);
        for (int k = 1; k < COEFFS.length; k++) {
            p = p.fma(r, FloatVector.broadcast(species, COEFFS[k]));
        }
        IntVector ni = t.reinterpretAsInts().sub(SHIFTER_BITS);
        IntVector e1 = ni.lanewise(VectorOperators.ASHR, 1);
        IntVector e2 = ni.sub(e1);
        FloatVector s1 = e1.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        FloatVector s2 = e2.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        return p.mul(s1).mul(s2);
    }
}
