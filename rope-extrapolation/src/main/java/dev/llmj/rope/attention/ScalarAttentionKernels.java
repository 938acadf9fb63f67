package dev.llmj.rope.attention;

import dev.llmj.kernels.scalar.ExpF;
import dev.llmj.rope.PairLayout;
import dev.llmj.rope.RotaryScalar;
import dev.llmj.tensor.LE;
import java.lang.foreign.MemorySegment;

/**
 * Scalar twin of {@link VectorAttentionKernels}: plain sequential float loops with the same fma
 * policy (one rounding per multiply-add), so axpy agrees bit for bit and dot differs only in the
 * order of its sum.
 */
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
            sum = Math.fma(a.get(LE.FLOAT, aOff + 4L * i), b.get(LE.FLOAT, bOff + 4L * i), sum);
        }
        return sum;
    }

    @Override
    public void axpy(float alpha, MemorySegment x, long xOff, MemorySegment y, long yOff, int n) {
        for (int i = 0; i < n; i++) {
            long o = yOff + 4L * i;
            y.set(LE.FLOAT, o, Math.fma(alpha, x.get(LE.FLOAT, xOff + 4L * i), y.get(LE.FLOAT, o)));
        }
    }

    @Override
    public void scores(MemorySegment q, long qOff, MemorySegment keys, long kOff, long kStride, int count, int n,
                       float scale, float[] out, int outOff) {
        for (int j = 0; j < count; j++) {
            out[outOff + j] = dot(q, qOff, keys, kOff + j * kStride, n) * scale;
        }
    }

    @Override
    public void weightedSum(float[] w, int wOff, int wStride, int queries, MemorySegment values, long vOff,
                            long vStride, int count, MemorySegment acc, long accOff, long accStride, int n) {
        for (int t = 0; t < queries; t++) {
            for (int j = 0; j < count; j++) {
                axpy(w[wOff + t * wStride + j], values, vOff + j * vStride, acc, accOff + t * accStride, n);
            }
        }
    }

    @Override
    public void scoresHalf(MemorySegment q, long qOff, MemorySegment keys, long kOff, long kStride, int count, int n,
                           float scale, float[] out, int outOff) {
        for (int j = 0; j < count; j++) {
            float sum = 0;
            for (int i = 0; i < n; i++) {
                sum = Math.fma(q.get(LE.FLOAT, qOff + 4L * i), half(keys, kOff + j * kStride + 2L * i), sum);
            }
            out[outOff + j] = sum * scale;
        }
    }

    @Override
    public void weightedSumHalf(float[] w, int wOff, int wStride, int queries, MemorySegment values, long vOff,
                                long vStride, int count, MemorySegment acc, long accOff, long accStride, int n) {
        for (int t = 0; t < queries; t++) {
            for (int j = 0; j < count; j++) {
                float alpha = w[wOff + t * wStride + j];
                for (int i = 0; i < n; i++) {
                    long o = accOff + t * accStride + 4L * i;
                    acc.set(LE.FLOAT, o, Math.fma(alpha, half(values, vOff + j * vStride + 2L * i), acc.get(LE.FLOAT, o)));
                }
            }
        }
    }

    @Override
    public void scoresQ8(MemorySegment q, long qOff, MemorySegment keys, long kOff, long kStride, MemorySegment scales,
                         int count, int n, float scale, float[] out, int outOff) {
        for (int j = 0; j < count; j++) {
            float sum = 0;
            for (int i = 0; i < n; i++) {
                sum = Math.fma(q.get(LE.FLOAT, qOff + 4L * i), Q8Rows.widened(keys, scales, kOff + j * kStride + i), sum);
            }
            out[outOff + j] = sum * scale;
        }
    }

    @Override
    public void weightedSumQ8(float[] w, int wOff, int wStride, int queries, MemorySegment values, long vOff,
                              long vStride, MemorySegment scales, int count, MemorySegment acc, long accOff,
                              long accStride, int n) {
        for (int t = 0; t < queries; t++) {
            for (int j = 0; j < count; j++) {
                float alpha = w[wOff + t * wStride + j];
                for (int i = 0; i < n; i++) {
                    long o = accOff + t * accStride + 4L * i;
                    acc.set(LE.FLOAT, o, Math.fma(alpha, Q8Rows.widened(values, scales, vOff + j * vStride + i),
                            acc.get(LE.FLOAT, o)));
                }
            }
        }
    }

    private static float half(MemorySegment s, long off) {
        return Float.float16ToFloat(s.get(LE.SHORT, off));
    }

    @Override
    public double softmaxNumerators(float[] s, int from, int to) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = from; i < to; i++) {
            max = Math.max(max, s[i]);
        }
        for (int i = from; i < to; i++) {
            s[i] = ExpF.exp(s[i] - max);
        }
        return SoftmaxSum.of(s, from, to);
    }

    @Override
    public void scaleTo(float alpha, MemorySegment x, long xOff, MemorySegment y, long yOff, int n) {
        for (int i = 0; i < n; i++) {
            y.set(LE.FLOAT, yOff + 4L * i, x.get(LE.FLOAT, xOff + 4L * i) * alpha);
        }
    }
}
