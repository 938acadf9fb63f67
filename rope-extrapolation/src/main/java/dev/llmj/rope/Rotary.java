package dev.llmj.rope;

import dev.llmj.kernels.VectorWidths;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Rotates the first d elements of a head in place (vector kernel; scalar twin {@link RotaryScalar}).
 *
 * <p>ADJACENT: one vector holds whole pairs [x0 x1 x2 x3 ...]; swapping neighbours gives
 * [x1 x0 x3 x2 ...], and with the expanded tables x' = x·cos + swap(x)·sin, i.e.
 * (x0·c − x1·s, x1·c + x0·s) per pair. HALVES: the two halves are loaded as separate vectors.
 * Both use the scalar twin's exact operations (mul, mul, add; no fma), so results agree bit for bit.
 */
public final class Rotary {
    private Rotary() {}

    private static final VectorSpecies<Float> F = VectorWidths.F;
    private static final int LANES = F.length();
    private static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;
    /** Lane i takes lane i^1: swaps the two elements of every adjacent pair. */
    private static final VectorShuffle<Float> SWAP_PAIRS = VectorShuffle.fromOp(F, i -> i ^ 1);

    /** Same contract as {@link RotaryScalar#rotate}. */
    public static void rotate(MemorySegment x, long byteOffset, float[] cos, float[] sin, int tableOffset,
                              int d, PairLayout layout) {
        assert (d & 1) == 0 && tableOffset + d <= cos.length && tableOffset + d <= sin.length;
        if (layout == PairLayout.ADJACENT) {
            int e = 0;
            for (; e + LANES <= d; e += LANES) {
                long off = byteOffset + 4L * e;
                FloatVector v = FloatVector.fromMemorySegment(F, x, off, ORDER);
                FloatVector c = FloatVector.fromArray(F, cos, tableOffset + e);
                FloatVector s = FloatVector.fromArray(F, sin, tableOffset + e);
                v.mul(c).add(v.rearrange(SWAP_PAIRS).mul(s)).intoMemorySegment(x, off, ORDER);
            }
            RotaryScalar.rotatePairs(x, byteOffset, cos, sin, tableOffset, d, layout, e / 2, d / 2);
        } else {
            int half = d / 2;
            int j = 0;
            for (; j + LANES <= half; j += LANES) {
                long offLo = byteOffset + 4L * j;
                long offHi = byteOffset + 4L * (j + half);
                FloatVector lo = FloatVector.fromMemorySegment(F, x, offLo, ORDER);
                FloatVector hi = FloatVector.fromMemorySegment(F, x, offHi, ORDER);
                FloatVector cLo = FloatVector.fromArray(F, cos, tableOffset + j);
                FloatVector cHi = FloatVector.fromArray(F, cos, tableOffset + j + half);
                FloatVector sLo = FloatVector.fromArray(F, sin, tableOffset + j);
                FloatVector sHi = FloatVector.fromArray(F, sin, tableOffset + j + half);
                lo.mul(cLo).add(hi.mul(sLo)).intoMemorySegment(x, offLo, ORDER);
                hi.mul(cHi).add(lo.mul(sHi)).intoMemorySegment(x, offHi, ORDER);
            }
            RotaryScalar.rotatePairs(x, byteOffset, cos, sin, tableOffset, d, layout, j, half);
        }
    }

    /** Rotates every head of one token ({@code heads} heads of {@code headDim}) at table position m. */
    public static void rotateHeads(MemorySegment x, long byteOffset, int heads, int headDim, RopeTable table, int m) {
        int off = table.offset(m);
        for (int h = 0; h < heads; h++) {
            rotate(x, byteOffset + 4L * h * headDim, table.cos(), table.sin(), off, table.rotaryDims(), table.layout());
        }
    }
}
