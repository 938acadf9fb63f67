package dev.llmj.rope.attention;

import dev.llmj.kernels.VectorWidths;
import dev.llmj.kernels.vector.Lanes;
import dev.llmj.rope.PairLayout;
import dev.llmj.rope.Rotary;
import dev.llmj.tensor.LE;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
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
        float sum = Lanes.sum(acc0.add(acc1));
        for (; i < n; i++) {
            sum = Math.fma(a.get(LE.FLOAT, aOff + 4L * i), b.get(LE.FLOAT, bOff + 4L * i), sum);
        }
        return sum;
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
