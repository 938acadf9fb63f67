package dev.llmj.rope.attention;

import dev.llmj.kernels.VectorWidths;
import dev.llmj.rope.PairLayout;
import dev.llmj.rope.Rotary;
import dev.llmj.tensor.LE;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/** Vector kernels of attention (lanes of {@link VectorWidths#F}, fma accumulation, scalar tails). */
final class VectorAttentionKernels implements AttentionKernels {
    static final VectorAttentionKernels INSTANCE = new VectorAttentionKernels();

    private static final VectorSpecies<Float> F = VectorWidths.F;
    private static final int LANES = F.length();
    private static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;

    @Override
    public void rotate(MemorySegment x, long off, float[] cos, float[] sin, int tableOffset, int d, PairLayout layout) {
        Rotary.rotate(x, off, cos, sin, tableOffset, d, layout);
    }

    @Override
    public float dot(MemorySegment a, long aOff, MemorySegment b, long bOff, int n) {
        // two accumulators hide the fma latency (head dims are 2–8 vectors long)
        FloatVector acc0 = FloatVector.zero(F), acc1 = FloatVector.zero(F);
        int i = 0;
        for (; i + 2 * LANES <= n; i += 2 * LANES) {
            acc0 = FloatVector.fromMemorySegment(F, a, aOff + 4L * i, ORDER)
                    .fma(FloatVector.fromMemorySegment(F, b, bOff + 4L * i, ORDER), acc0);
            acc1 = FloatVector.fromMemorySegment(F, a, aOff + 4L * (i + LANES), ORDER)
                    .fma(FloatVector.fromMemorySegment(F, b, bOff + 4L * (i + LANES), ORDER), acc1);
        }
        if (i + LANES <= n) {
            acc0 = FloatVector.fromMemorySegment(F, a, aOff + 4L * i, ORDER)
                    .fma(FloatVector.fromMemorySegment(F, b, bOff + 4L * i, ORDER), acc0);
            i += LANES;
        }
        float sum = sumLanes(acc0.add(acc1));
        for (; i < n; i++) {
            sum = Math.fma(a.get(LE.FLOAT, aOff + 4L * i), b.get(LE.FLOAT, bOff + 4L * i), sum);
        }
        return sum;
    }

    /**
     * Rotations by N/2, N/4, .., 1 lanes: after folding, lane 0 holds the sum in one fixed tree order.
     * {@code reduceLanes(ADD)} leaves the order to the implementation, and interpreted and compiled
     * code may then differ in the last bit; a fixed order keeps attention deterministic, so decode
     * and prefill (and every JIT tier) agree bit for bit.
     */
    private static final VectorShuffle<Float>[] FOLDS = folds();

    @SuppressWarnings("unchecked")
    private static VectorShuffle<Float>[] folds() {
        int steps = Integer.numberOfTrailingZeros(LANES);
        VectorShuffle<Float>[] f = new VectorShuffle[steps];
        for (int i = 0, s = LANES / 2; s >= 1; i++, s /= 2) {
            int shift = s;
            f[i] = VectorShuffle.fromOp(F, lane -> (lane + shift) % LANES);
        }
        return f;
    }

    private static float sumLanes(FloatVector v) {
        for (VectorShuffle<Float> fold : FOLDS) {
            v = v.add(v.rearrange(fold));
        }
        return v.lane(0);
    }

    @Override
    public void axpy(float alpha, MemorySegment x, long xOff, MemorySegment y, long yOff, int n) {
        FloatVector a = FloatVector.broadcast(F, alpha);
        int i = 0;
        for (; i + LANES <= n; i += LANES) {
            FloatVector vx = FloatVector.fromMemorySegment(F, x, xOff + 4L * i, ORDER);
            FloatVector vy = FloatVector.fromMemorySegment(F, y, yOff + 4L * i, ORDER);
            vx.fma(a, vy).intoMemorySegment(y, yOff + 4L * i, ORDER);
        }
        for (; i < n; i++) {
            long o = yOff + 4L * i;
            y.set(LE.FLOAT, o, Math.fma(alpha, x.get(LE.FLOAT, xOff + 4L * i), y.get(LE.FLOAT, o)));
        }
    }
}
