package dev.llmj.kernels.vector;

import static dev.llmj.kernels.VectorWidths.F;
import static dev.llmj.kernels.VectorWidths.F_LANES;

import dev.llmj.kernels.ActivationKernels;
import dev.llmj.kernels.scalar.ExpF;
import dev.llmj.kernels.scalar.ScalarActivations;
import dev.llmj.kernels.scalar.TopKHeap;
import dev.llmj.tensor.LE;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * Vector twin of {@link ScalarActivations}. Each kernel: a vector loop up to
 * {@code F.loopBound(n)}, then the scalar twin's formula for the tail. exp is {@link ExpF}'s in
 * both (lane-wise through {@link VectorExp}), so every exp is bit-identical to the scalar twin's
 * and no result depends on which JIT tier ran it; sums differ from the scalar twin only in their
 * (fixed) association order.
 */
final class VectorActivations implements ActivationKernels {
    private static final ByteOrder LITTLE = ByteOrder.LITTLE_ENDIAN;
    private static final int L = F_LANES;
    /**
     * Elements summed in float lanes before a chunk's total goes into the double sum: 16 additions
     * per lane at any width, so a softmax denominator is within ~20ε of exact (16 lane additions,
     * at most 4 fold steps), not (n / lanes)·ε.
     */
    private static final int SUM_CHUNK = 16 * L;

    private static FloatVector load(MemorySegment s, long off, int i) {
        return FloatVector.fromMemorySegment(F, s, off + 4L * i, LITTLE);
    }

    private static void store(FloatVector v, MemorySegment s, long off, int i) {
        v.intoMemorySegment(s, off + 4L * i, LITTLE);
    }

    private static float f(MemorySegment s, long off, int i) {
        return s.get(LE.FLOAT, off + 4L * i);
    }

    private static void put(MemorySegment s, long off, int i, float v) {
        s.set(LE.FLOAT, off + 4L * i, v);
    }

    public void rmsnorm(MemorySegment out, long outOff, MemorySegment x, long xOff, MemorySegment w, long wOff, int n,
            float eps) {
        FloatVector acc0 = FloatVector.zero(F);
        FloatVector acc1 = FloatVector.zero(F);
        int i = 0;
        int upper2 = n - n % (2 * L);
        for (; i < upper2; i += 2 * L) {
            FloatVector v0 = load(x, xOff, i);
            FloatVector v1 = load(x, xOff, i + L);
            acc0 = v0.fma(v0, acc0);
            acc1 = v1.fma(v1, acc1);
        }
        int upper = F.loopBound(n);
        for (; i < upper; i += L) {
            FloatVector v0 = load(x, xOff, i);
            acc0 = v0.fma(v0, acc0);
        }
        FloatVector total = acc0.add(acc1);
        total = L >= 16 ? total.add(total.rearrange(Lanes.FOLD8)) : total;
        total = L >= 8 ? total.add(total.rearrange(Lanes.FOLD4)) : total;
        total = total.add(total.rearrange(Lanes.FOLD2));
        float ss = total.add(total.rearrange(Lanes.FOLD1)).lane(0);
        for (; i < n; i++) {
            float v = f(x, xOff, i);
            ss = Math.fma(v, v, ss);
        }
        float inv = ScalarActivations.rmsScale(ss, n, eps);
        int j = 0;
        for (; j < upper; j += L) {
            store(load(w, wOff, j).mul(load(x, xOff, j).mul(inv)), out, outOff, j);
        }
        for (; j < n; j++) {
            put(out, outOff, j, f(w, wOff, j) * (inv * f(x, xOff, j)));
        }
    }

    /**
     * Four passes, each a method of its own that only scalars and segments enter and leave: when
     * the whole softmax was one method, C2 inlined the exp and sum passes into it, ran out of its
     * inlining node budget ("NodeCountInliningCutoff") and left the loads, stores and lane folds
     * that came after as calls, so every vector they passed was boxed (55 KB per call at n = 4099).
     * Now a pass that is not inlined is simply called, and each pass's loop is small.
     */
    public void softmax(MemorySegment x, long off, int n, float temperature, MemorySegment mask, long maskOff) {
        float max = (1f / temperature != 1f || mask != null)
                ? scaleMaskMax(x, off, n, 1f / temperature, mask, maskOff)
                : max(x, off, n);
        expShiftedInPlace(x, off, n, max);
        float inv = (float) (1.0 / sumInChunks(x, off, n));
        scaleInPlace(x, off, n, inv);
    }

    /** max over x[0, n); vector lanes and scalar tail, as in the scalar twin up to order (max is exact). */
    private static float max(MemorySegment x, long off, int n) {
        int upper = F.loopBound(n);
        FloatVector maxV = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        int i = 0;
        for (; i < upper; i += L) {
            maxV = maxV.max(FloatVector.fromMemorySegment(F, x, off + 4L * i, LITTLE));
        }
        float max = maxV.reduceLanes(VectorOperators.MAX);
        for (; i < n; i++) {
            max = Math.max(max, f(x, off, i));
        }
        return max;
    }

    /** x[i] = x[i]·invT + mask[i] (each part only when it applies), returning the new maximum. */
    private static float scaleMaskMax(MemorySegment x, long off, int n, float invT, MemorySegment mask, long maskOff) {
        int upper = F.loopBound(n);
        FloatVector maxV = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        int i = 0;
        for (; i < upper; i += L) {
            FloatVector v = FloatVector.fromMemorySegment(F, x, off + 4L * i, LITTLE);
            if (invT != 1f) {
                v = v.mul(invT);
            }
            if (mask != null) {
                v = v.add(FloatVector.fromMemorySegment(F, mask, maskOff + 4L * i, LITTLE));
            }
            v.intoMemorySegment(x, off + 4L * i, LITTLE);
            maxV = maxV.max(v);
        }
        float max = maxV.reduceLanes(VectorOperators.MAX);
        for (; i < n; i++) {
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
        return max;
    }

    /**
     * x[i] = exp(x[i] − max). A method of its own, as small as SiLU's loop, so that C2 inlines
     * {@link VectorExp#exp} into it: inside a larger caller the inlining budget ran out and every
     * vector was boxed (4× slower than the scalar twin).
     */
    private static void expShiftedInPlace(MemorySegment x, long off, int n, float max) {
        int upper = F.loopBound(n);
        FloatVector m = FloatVector.broadcast(F, max);
        for (int i = 0; i < upper; i += L) {
            store(VectorExp.exp(load(x, off, i).sub(m)), x, off, i);
        }
        for (int i = upper; i < n; i++) {
            put(x, off, i, ExpF.exp(f(x, off, i) - max));
        }
    }

    /**
     * Σ x[i] in float lanes per {@link #SUM_CHUNK} and double across chunks; each chunk's lanes are
     * folded in {@link Lanes#sum}'s tree, written out here (see {@link Lanes#FOLD8}).
     */
    private static double sumInChunks(MemorySegment x, long off, int n) {
        int upper = F.loopBound(n);
        double sum = 0;
        int i = 0;
        while (i < upper) {
            int chunkEnd = Math.min(upper, i + SUM_CHUNK);
            FloatVector acc = FloatVector.zero(F);
            for (; i < chunkEnd; i += L) {
                acc = acc.add(FloatVector.fromMemorySegment(F, x, off + 4L * i, LITTLE));
            }
            if (L >= 16) {
                acc = acc.add(acc.rearrange(Lanes.FOLD8));
            }
            if (L >= 8) {
                acc = acc.add(acc.rearrange(Lanes.FOLD4));
            }
            acc = acc.add(acc.rearrange(Lanes.FOLD2));
            sum += acc.add(acc.rearrange(Lanes.FOLD1)).lane(0);
        }
        for (; i < n; i++) {
            sum += f(x, off, i);
        }
        return sum;
    }

    /** x[i] *= s. */
    private static void scaleInPlace(MemorySegment x, long off, int n, float s) {
        int upper = F.loopBound(n);
        int j = 0;
        for (; j < upper; j += L) {
            FloatVector.fromMemorySegment(F, x, off + 4L * j, LITTLE).mul(s).intoMemorySegment(x, off + 4L * j, LITTLE);
        }
        for (; j < n; j++) {
            put(x, off, j, f(x, off, j) * s);
        }
    }

    /** Σ exp(x[i] − max), in float lanes per chunk and double across chunks (logSoftmax). */
    private static double expAndSum(MemorySegment x, long off, int n, float max) {
        int upper = F.loopBound(n);
        double sum = 0;
        int i = 0;
        while (i < upper) {
            int chunkEnd = Math.min(upper, i + SUM_CHUNK);
            FloatVector acc = FloatVector.zero(F);
            for (; i < chunkEnd; i += L) {
                acc = acc.add(VectorExp.exp(load(x, off, i).sub(max)));
            }
            acc = L >= 16 ? acc.add(acc.rearrange(Lanes.FOLD8)) : acc;
            acc = L >= 8 ? acc.add(acc.rearrange(Lanes.FOLD4)) : acc;
            acc = acc.add(acc.rearrange(Lanes.FOLD2));
            sum += acc.add(acc.rearrange(Lanes.FOLD1)).lane(0);
        }
        for (; i < n; i++) {
            sum += ExpF.exp(f(x, off, i) - max);
        }
        return sum;
    }

    public void logSoftmax(MemorySegment x, long off, int n) {
        int upper = F.loopBound(n);
        FloatVector maxV = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        int i = 0;
        for (; i < upper; i += L) {
            maxV = maxV.max(load(x, off, i));
        }
        float max = maxV.reduceLanes(VectorOperators.MAX);
        for (; i < n; i++) {
            max = Math.max(max, f(x, off, i));
        }
        float logSum = (float) Math.log(expAndSum(x, off, n, max));
        int j = 0;
        for (; j < upper; j += L) {
            store(load(x, off, j).sub(max).sub(logSum), x, off, j);
        }
        for (; j < n; j++) {
            put(x, off, j, (f(x, off, j) - max) - logSum);
        }
    }

    private static FloatVector silu(FloatVector v) {
        return v.div(VectorExp.exp(v.neg()).add(1f));
    }

    public void silu(MemorySegment out, long outOff, MemorySegment x, long xOff, int n) {
        int upper = F.loopBound(n);
        int i = 0;
        for (; i < upper; i += L) {
            store(silu(load(x, xOff, i)), out, outOff, i);
        }
        for (; i < n; i++) {
            float v = f(x, xOff, i);
            put(out, outOff, i, v / (1f + ExpF.exp(-v)));
        }
    }

    /**
     * silu(g)·u with {@link VectorExp#exp}'s operations written out in the loop (same operations,
     * same order: bit-identical). Through the helpers, C2 compiled silu and VectorExp.exp on their
     * own (they are hot from other kernels too) and then called them from here, boxing every
     * vector passed in and returned; a prefill profile showed swiglu's time inside those calls.
     */
    public void swiglu(MemorySegment out, long outOff, MemorySegment gate, long gateOff, MemorySegment up, long upOff,
            int n) {
        int upper = F.loopBound(n);
        int i = 0;
        FloatVector minusLn2Hi = FloatVector.broadcast(F, -ExpF.LN2_HI);
        FloatVector minusLn2Lo = FloatVector.broadcast(F, -ExpF.LN2_LO);
        for (; i < upper; i += L) {
            FloatVector g = load(gate, gateOff, i);
            // e = VectorExp.exp(−g)
            FloatVector xc = g.neg().max(ExpF.MIN_X).min(ExpF.MAX_X);
            FloatVector t = xc.fma(ExpF.LOG2E, ExpF.SHIFTER);
            FloatVector nn = t.sub(ExpF.SHIFTER);
            FloatVector r = nn.fma(minusLn2Hi, xc);
            r = nn.fma(minusLn2Lo, r);
            FloatVector p = FloatVector.broadcast(F, ExpF.COEFFS[0]);
            for (int k = 1; k < ExpF.COEFFS.length; k++) {
                p = p.fma(r, FloatVector.broadcast(F, ExpF.COEFFS[k]));
            }
            IntVector ni = t.reinterpretAsInts().sub(ExpF.SHIFTER_BITS);
            IntVector e1 = ni.lanewise(VectorOperators.ASHR, 1);
            IntVector e2 = ni.sub(e1);
            FloatVector s1 = e1.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
            FloatVector s2 = e2.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
            FloatVector e = p.mul(s1).mul(s2);
            // silu(g)·u = g / (1 + e) · u
            g.div(e.add(1f)).mul(load(up, upOff, i)).intoMemorySegment(out, outOff + 4L * i, LITTLE);
        }
        for (; i < n; i++) {
            float g = f(gate, gateOff, i);
            put(out, outOff, i, g / (1f + ExpF.exp(-g)) * f(up, upOff, i));
        }
    }

    public void add(MemorySegment out, long outOff, MemorySegment a, long aOff, MemorySegment b, long bOff, int n) {
        int upper = F.loopBound(n);
        int i = 0;
        for (; i < upper; i += L) {
            store(load(a, aOff, i).add(load(b, bOff, i)), out, outOff, i);
        }
        for (; i < n; i++) {
            put(out, outOff, i, f(a, aOff, i) + f(b, bOff, i));
        }
    }

    public void mul(MemorySegment out, long outOff, MemorySegment a, long aOff, MemorySegment b, long bOff, int n) {
        int upper = F.loopBound(n);
        int i = 0;
        for (; i < upper; i += L) {
            store(load(a, aOff, i).mul(load(b, bOff, i)), out, outOff, i);
        }
        for (; i < n; i++) {
            put(out, outOff, i, f(a, aOff, i) * f(b, bOff, i));
        }
    }

    public void scale(MemorySegment out, long outOff, MemorySegment x, long xOff, float s, int n) {
        int upper = F.loopBound(n);
        int i = 0;
        for (; i < upper; i += L) {
            store(load(x, xOff, i).mul(s), out, outOff, i);
        }
        for (; i < n; i++) {
            put(out, outOff, i, s * f(x, xOff, i));
        }
    }

    /**
     * Two passes: the largest non-NaN value (lanes only move on a strict GT, which is false for
     * NaN), then the first index holding it. Same answer as the scalar twin's single pass.
     */
    public int argmax(MemorySegment x, long off, int n) {
        int upper = F.loopBound(n);
        FloatVector maxV = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        int i = 0;
        for (; i < upper; i += L) {
            FloatVector v = load(x, off, i);
            maxV = maxV.blend(v, v.compare(VectorOperators.GT, maxV));
        }
        float max = maxV.reduceLanes(VectorOperators.MAX);
        for (; i < n; i++) {
            float v = f(x, off, i);
            if (v > max) {
                max = v;
            }
        }
        int j = 0;
        for (; j < upper; j += L) {
            VectorMask<Float> hit = load(x, off, j).compare(VectorOperators.EQ, max);
            if (hit.anyTrue()) {
                return j + hit.firstTrue();
            }
        }
        for (; j < n; j++) {
            if (f(x, off, j) == max) {
                return j;
            }
        }
        return -1;
    }

    /** The scalar heap, fed only from vectors that hold a value above its current threshold. */
    public int topK(MemorySegment x, long off, int n, int k, int[] out) {
        TopKHeap heap = new TopKHeap(k);
        if (k == 0) {
            return 0;
        }
        int upper = F.loopBound(n);
        int i = 0;
        for (; i < upper; i += L) {
            FloatVector v = load(x, off, i);
            if (!heap.full()) {
                for (int l = 0; l < L; l++) {
                    heap.offer(i + l, f(x, off, i + l));
                }
            } else {
                // only lanes above the threshold; the heap re-checks, as the threshold rises on the way
                long above = v.compare(VectorOperators.GT, heap.threshold()).toLong();
                while (above != 0) {
                    int l = Long.numberOfTrailingZeros(above);
                    above &= above - 1;
                    heap.offer(i + l, f(x, off, i + l));
                }
            }
        }
        for (; i < n; i++) {
            heap.offer(i, f(x, off, i));
        }
        return heap.drainDescending(out);
    }
}
