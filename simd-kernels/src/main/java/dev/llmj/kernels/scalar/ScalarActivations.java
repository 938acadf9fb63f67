package dev.llmj.kernels.scalar;

import dev.llmj.kernels.ActivationKernels;
import dev.llmj.tensor.LE;
import java.lang.foreign.MemorySegment;

/**
 * Reference softmax, normalisation and element-wise kernels, one element at a time.
 *
 * <p>Sums that normalise a distribution (softmax, log-softmax) are kept in double so the result
 * sums to 1 within a few float ulps whatever the length; the vector twin does the same per chunk.
 */
public final class ScalarActivations implements ActivationKernels {

    private static float f(MemorySegment s, long off, int i) {
        return s.get(LE.FLOAT, off + 4L * i);
    }

    private static void put(MemorySegment s, long off, int i, float v) {
        s.set(LE.FLOAT, off + 4L * i, v);
    }

    public void rmsnorm(MemorySegment out, long outOff, MemorySegment x, long xOff, MemorySegment w, long wOff, int n,
            float eps) {
        float ss = 0f;
        for (int i = 0; i < n; i++) {
            float v = f(x, xOff, i);
            ss = Math.fma(v, v, ss);
        }
        float inv = rmsScale(ss, n, eps);
        for (int i = 0; i < n; i++) {
            put(out, outOff, i, f(w, wOff, i) * (inv * f(x, xOff, i)));
        }
    }

    /** 1 / sqrt(ss/n + eps), in double then rounded once; shared with the vector twin. */
    public static float rmsScale(float ss, int n, float eps) {
        return n == 0 ? 0f : (float) (1.0 / Math.sqrt((double) ss / n + eps));
    }

    public void softmax(MemorySegment x, long off, int n, float temperature, MemorySegment mask, long maskOff) {
        float invT = 1f / temperature;
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            float v = f(x, off, i);
            if (invT != 1f) {
                v *= invT;
            }
            if (mask != null) {
                v += f(mask, maskOff, i);
            }
            put(x, off, i, v);
            max = Math.max(max, v);
        }
        double sum = 0;
        for (int i = 0; i < n; i++) {
            float e = ExpF.exp(f(x, off, i) - max);
            put(x, off, i, e);
            sum += e;
        }
        float inv = (float) (1.0 / sum);
        for (int i = 0; i < n; i++) {
            put(x, off, i, f(x, off, i) * inv);
        }
    }

    public void logSoftmax(MemorySegment x, long off, int n) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, f(x, off, i));
        }
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += ExpF.exp(f(x, off, i) - max);
        }
        float logSum = (float) Math.log(sum);
        for (int i = 0; i < n; i++) {
            put(x, off, i, (f(x, off, i) - max) - logSum);
        }
    }

    public void silu(MemorySegment out, long outOff, MemorySegment x, long xOff, int n) {
        for (int i = 0; i < n; i++) {
            float v = f(x, xOff, i);
            put(out, outOff, i, v / (1f + ExpF.exp(-v)));
        }
    }

    public void swiglu(MemorySegment out, long outOff, MemorySegment gate, long gateOff, MemorySegment up, long upOff,
            int n) {
        for (int i = 0; i < n; i++) {
            float g = f(gate, gateOff, i);
            put(out, outOff, i, g / (1f + ExpF.exp(-g)) * f(up, upOff, i));
        }
    }

    public void add(MemorySegment out, long outOff, MemorySegment a, long aOff, MemorySegment b, long bOff, int n) {
        for (int i = 0; i < n; i++) {
            put(out, outOff, i, f(a, aOff, i) + f(b, bOff, i));
        }
    }

    public void mul(MemorySegment out, long outOff, MemorySegment a, long aOff, MemorySegment b, long bOff, int n) {
        for (int i = 0; i < n; i++) {
            put(out, outOff, i, f(a, aOff, i) * f(b, bOff, i));
        }
    }

    public void scale(MemorySegment out, long outOff, MemorySegment x, long xOff, float s, int n) {
        for (int i = 0; i < n; i++) {
            put(out, outOff, i, s * f(x, xOff, i));
        }
    }

    public int argmax(MemorySegment x, long off, int n) {
        int best = -1;
        float bestValue = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            float v = f(x, off, i);
            if (best < 0 ? !Float.isNaN(v) : v > bestValue) {
                best = i;
                bestValue = v;
            }
        }
        return best;
    }

    public int topK(MemorySegment x, long off, int n, int k, int[] out) {
        TopKHeap heap = new TopKHeap(k);
        for (int i = 0; i < n; i++) {
            heap.offer(i, f(x, off, i));
        }
        return heap.drainDescending(out);
    }
}
