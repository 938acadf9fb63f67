package dev.llmj.rope.attention;

import dev.llmj.rope.ResolvedRope;
import java.lang.foreign.MemorySegment;

/**
 * Causal grouped-query attention with a KV cache, applying any rotary scheme.
 *
 * <p>{@code forward} appends the new tokens' keys and values to the cache at positions
 * startPos..startPos+nTokens−1 (rotating keys as the scheme requires, see {@link KvCache}), then for
 * each new query at position i computes softmax(q·kᵀ·s/√headDim) over cache positions 0..i (the
 * last w only for {@code local:w}) and the weighted sum of values. s is the {@code +logn} query
 * scale; YaRN's factor is already inside the rotated q and k. Heads are concatenated into
 * {@code out}; the output projection is the caller's job. The same call serves prefill
 * (nTokens &gt; 1) and decode (nTokens = 1), with identical results per position.
 *
 * <p>Layouts (F32, little-endian, from byte 0 of each segment): q and out [nTokens][heads·headDim],
 * k and v [nTokens][kvHeads·headDim]; q, k, v are un-rotated and left unchanged. {@code out} may be
 * the same memory as {@code q} (each (token, head) block of q is read before that block of out is
 * written). With a multi-threaded {@link ParallelFor}, every segment (and the cache's arena) must be
 * accessible from the worker threads: allocate them in a shared or global arena, not a confined one.
 */
public final class Attention {
    private Attention() {}

    /** {@link #forward(ResolvedRope, KvCache, MemorySegment, MemorySegment, MemorySegment, int, int, MemorySegment, ParallelFor)} on the calling thread. */
    public static void forward(ResolvedRope rope, KvCache cache, MemorySegment q, MemorySegment k, MemorySegment v,
                               int startPos, int nTokens, MemorySegment out) {
        forward(rope, cache, q, k, v, startPos, nTokens, out, ParallelFor.SERIAL);
    }

    /** Vector kernels; the heads are spread over {@code parallel}. */
    public static void forward(ResolvedRope rope, KvCache cache, MemorySegment q, MemorySegment k, MemorySegment v,
                               int startPos, int nTokens, MemorySegment out, ParallelFor parallel) {
        validate(rope, cache, q, k, v, startPos, nTokens, out, parallel);
        AttentionEngine.run(VectorAttentionKernels.INSTANCE, rope, cache, q, k, v, startPos, nTokens, out, parallel);
    }

    /** Scalar twin of {@link #forward}: the same algorithm on plain scalar loops. */
    public static void forwardScalar(ResolvedRope rope, KvCache cache, MemorySegment q, MemorySegment k,
                                     MemorySegment v, int startPos, int nTokens, MemorySegment out, ParallelFor parallel) {
        validate(rope, cache, q, k, v, startPos, nTokens, out, parallel);
        AttentionEngine.run(ScalarAttentionKernels.INSTANCE, rope, cache, q, k, v, startPos, nTokens, out, parallel);
    }

    private static void validate(ResolvedRope rope, KvCache cache, MemorySegment q, MemorySegment k, MemorySegment v,
                                 int startPos, int nTokens, MemorySegment out, ParallelFor parallel) {
        if (rope == null || cache == null || q == null || k == null || v == null || out == null || parallel == null) {
            throw new IllegalArgumentException("attention arguments must not be null");
        }
        if (cache.rope() != rope) {
            throw new IllegalArgumentException("the cache was allocated for rope state " + cache.rope()
                    + ", not " + rope + " (keys are cached rotated with their state's frequencies)");
        }
        if (nTokens < 1) {
            throw new IllegalArgumentException("nTokens must be >= 1, got " + nTokens);
        }
        if (startPos < 0 || startPos > cache.size()) {
            throw new IllegalArgumentException("startPos " + startPos + " outside 0.." + cache.size()
                    + " (the cache holds positions 0.." + (cache.size() - 1) + "; new tokens must follow them)");
        }
        if ((long) startPos + nTokens > cache.capacity()) {
            throw new IllegalArgumentException("positions " + startPos + ".." + (startPos + nTokens - 1)
                    + " exceed the cache capacity " + cache.capacity());
        }
        AttentionShape shape = cache.shape();
        checkSize("q", q, (long) nTokens * shape.queryDim());
        checkSize("k", k, (long) nTokens * shape.kvDim());
        checkSize("v", v, (long) nTokens * shape.kvDim());
        checkSize("out", out, (long) nTokens * shape.queryDim());
        if (out.isReadOnly()) {
            throw new IllegalArgumentException("out is read-only");
        }
    }

    private static void checkSize(String name, MemorySegment s, long floats) {
        if (s.byteSize() < floats * Float.BYTES) {
            throw new IllegalArgumentException(name + " holds " + s.byteSize() + " bytes, needs " + floats * Float.BYTES
                    + " (" + floats + " floats)");
        }
    }
}
