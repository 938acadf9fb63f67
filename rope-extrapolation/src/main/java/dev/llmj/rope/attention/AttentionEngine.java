package dev.llmj.rope.attention;

import dev.llmj.rope.PairLayout;
import dev.llmj.rope.PositionPolicy;
import dev.llmj.rope.ResolvedRope;
import dev.llmj.rope.RopeTable;
import dev.llmj.tensor.LE;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The work of {@link Attention#forward}, on either kernel set. Inputs are validated by the caller.
 *
 * <p>Per query (token t at position i, head h, kv head g = h / group):
 * <pre>
 * qNear = R(i)·q                       (table row i)
 * qFar  = R(w + (i−w)·slope)·q         (ReRoPE family only)
 * s_j   = qNear·keys[j]    for i−j <  w  (or every j without a window)
 *       = qFar ·farKeys[j] for i−j >= w  (farKeys[j] = R(j·slope)·k_j)
 * s_j  *= queryScale(i)/√headDim;  p = softmax(s over attended j);  out = Σ p_j·v_j
 * </pre>
 * One dot product per (query, key) and one row of ≤ n scores per query: decode is O(n·d) per
 * head and token, prefill needs no n×n buffer. The same operations run on the same operands
 * whether a position arrives in a prefill batch or alone, so decode and prefill agree bit for bit.
 */
final class AttentionEngine {
    private AttentionEngine() {}

    /**
     * Per-thread scratch. Off-heap (an automatic arena, freed with the thread's scratch): vector
     * loads from native segments are cheaper than from byte[]-backed heap segments.
     */
    private static final class Scratch {
        MemorySegment qNear = MemorySegment.NULL;
        MemorySegment qFar = qNear;
        MemorySegment acc = qNear;
        float[] scores = new float[0];

        Scratch ensure(int headDim, int maxKeys) {
            if (qNear.byteSize() < 4L * headDim) {
                Arena arena = Arena.ofAuto();
                qNear = arena.allocate(4L * headDim, 64);
                qFar = arena.allocate(4L * headDim, 64);
                acc = arena.allocate(4L * headDim, 64);
            }
            if (scores.length < maxKeys) {
                scores = new float[Math.max(maxKeys, scores.length * 2)];
            }
            return this;
        }
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    static void run(AttentionKernels kern, ResolvedRope rope, KvCache cache, MemorySegment q, MemorySegment k,
                    MemorySegment v, int startPos, int nTokens, MemorySegment out, ParallelFor parallel) {
        append(kern, rope, cache, k, v, startPos, nTokens);
        parallel.forEach(cache.shape().heads(),
                h -> head(kern, rope, cache, q, startPos, nTokens, out, h));
    }

    /** Writes the new keys (rotated; far copy for the ReRoPE family) and values at startPos.. . */
    private static void append(AttentionKernels kern, ResolvedRope rope, KvCache cache, MemorySegment k,
                               MemorySegment v, int startPos, int nTokens) {
        AttentionShape shape = cache.shape();
        long rowBytes = 4L * shape.kvDim();
        RopeTable table = rope.table();
        RopeTable farTable = rope.farKeyTable();
        boolean rotateFar = rope.policy() instanceof PositionPolicy.Windowed win && win.slope() != 0.0;
        int d = table.rotaryDims();
        PairLayout layout = table.layout();
        for (int t = 0; t < nTokens; t++) {
            int pos = startPos + t;
            long src = t * rowBytes;
            MemorySegment.copy(k, src, cache.keys(), cache.offset(pos, 0), rowBytes);
            MemorySegment.copy(v, src, cache.values(), cache.offset(pos, 0), rowBytes);
            for (int g = 0; g < shape.kvHeads(); g++) {
                kern.rotate(cache.keys(), cache.offset(pos, g), table.cos(), table.sin(), table.offset(pos), d, layout);
            }
            if (cache.farKeys() != null) {
                MemorySegment.copy(k, src, cache.farKeys(), cache.offset(pos, 0), rowBytes);
                if (rotateFar) {    // ReRoPE's far keys stay un-rotated (slope 0)
                    for (int g = 0; g < shape.kvHeads(); g++) {
                        kern.rotate(cache.farKeys(), cache.offset(pos, g), farTable.cos(), farTable.sin(),
                                farTable.offset(pos), d, layout);
                    }
                }
            }
        }
        cache.setSize(startPos + nTokens);
    }

    private static void head(AttentionKernels kern, ResolvedRope rope, KvCache cache, MemorySegment q,
                             int startPos, int nTokens, MemorySegment out, int h) {
        AttentionShape shape = cache.shape();
        int hd = shape.headDim();
        int g = h / shape.group();
        RopeTable table = rope.table();
        RopeTable farTable = rope.farQueryTable();
        int d = table.rotaryDims();
        PairLayout layout = table.layout();
        PositionPolicy policy = rope.policy();
        int window = switch (policy) {
            case PositionPolicy.Windowed w -> w.window();
            case PositionPolicy.LocalWindow l -> l.window();
            case PositionPolicy.Absolute a -> Integer.MAX_VALUE;
        };
        boolean local = policy instanceof PositionPolicy.LocalWindow;
        boolean far = policy instanceof PositionPolicy.Windowed;
        Scratch s = SCRATCH.get().ensure(hd, startPos + nTokens);
        float[] scores = s.scores;
        long headBytes = 4L * hd;
        double invSqrt = 1.0 / Math.sqrt(hd);
        MemorySegment keys = cache.keys();
        MemorySegment farKeys = cache.farKeys();
        MemorySegment values = cache.values();

        for (int t = 0; t < nTokens; t++) {
            int pos = startPos + t;
            long qOff = (long) t * 4 * shape.queryDim() + h * headBytes;
            // Keys j in [lo, nearFrom) use the far score, [nearFrom, pos] the near one.
            int lo = local ? Math.max(0, pos - window + 1) : 0;
            int nearFrom = far ? Math.max(lo, pos - window + 1) : lo;
            float scale = (float) (rope.queryScale(pos) * invSqrt);

            MemorySegment.copy(q, qOff, s.qNear, 0, headBytes);
            kern.rotate(s.qNear, 0, table.cos(), table.sin(), table.offset(pos), d, layout);
            float max = Float.NEGATIVE_INFINITY;
            if (nearFrom > lo) {
                MemorySegment.copy(q, qOff, s.qFar, 0, headBytes);
                kern.rotate(s.qFar, 0, farTable.cos(), farTable.sin(), farTable.offset(pos), d, layout);
                for (int j = lo; j < nearFrom; j++) {
                    float sc = kern.dot(s.qFar, 0, farKeys, cache.offset(j, g), hd) * scale;
                    scores[j - lo] = sc;
                    max = Math.max(max, sc);
                }
            }
            for (int j = nearFrom; j <= pos; j++) {
                float sc = kern.dot(s.qNear, 0, keys, cache.offset(j, g), hd) * scale;
                scores[j - lo] = sc;
                max = Math.max(max, sc);
            }
            // Stable softmax: exponents ≤ 0. The normaliser is summed in double: the loop is scalar
            // anyway (Math.exp) and it keeps the sum exact to ~1e-16 for any n.
            int count = pos - lo + 1;
            double sum = 0;
            for (int i = 0; i < count; i++) {
                float e = (float) Math.exp(scores[i] - max);
                scores[i] = e;
                sum += e;
            }
            s.acc.asSlice(0, headBytes).fill((byte) 0);
            for (int j = lo; j <= pos; j++) {
                kern.axpy(scores[j - lo], values, cache.offset(j, g), s.acc, 0, hd);
            }
            float inv = (float) (1.0 / sum);
            for (int e = 0; e < hd; e++) {
                out.set(LE.FLOAT, qOff + 4L * e, s.acc.get(LE.FLOAT, 4L * e) * inv);
            }
        }
    }
}
