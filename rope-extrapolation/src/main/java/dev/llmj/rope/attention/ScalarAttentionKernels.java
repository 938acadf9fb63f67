package dev.llmj.rope.attention;

import dev.llmj.rope.PairLayout;
import dev.llmj.rope.RotaryScalar;
import dev.llmj.tensor.LE;
import java.lang.foreign.MemorySegment;

/** Scalar twin of {@link VectorAttentionKernels}: plain sequential float loops. */
final class ScalarAttentionKernels implements AttentionKernels {
    static final ScalarAttentionKernels INSTANCE = new ScalarAttentionKernels();

    @Override
    public void rotate(MemorySegment x, long off, float[] cos, float[] sin, int tableOffset, int d, PairLayout layout) {
        RotaryScalar.rotate(x, off, cos, sin, tableOffset, d, layout);
    }

    @Override
    public float dot(MemorySegment a, long aOff, MemorySegment b, long bOff, int n) {
        float sum = 0;
        for (int i = 0; i < n; i++) {
            sum += a.get(LE.FLOAT, aOff + 4L * i) * b.get(LE.FLOAT, bOff + 4L * i);
        }
        return sum;
    }

    @Override
    public void axpy(float alpha, MemorySegment x, long xOff, MemorySegment y, long yOff, int n) {
        for (int i = 0; i < n; i++) {
            long o = yOff + 4L * i;
            y.set(LE.FLOAT, o, y.get(LE.FLOAT, o) + alpha * x.get(LE.FLOAT, xOff + 4L * i));
        }
    }
}
