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
 *
 * <p>Prefill takes the queries of a head {@value #QUERY_TILE} at a time (a tile): each query's
 * scores row is computed and turned into softmax numerators, then the value rows every query of
 * the tile attends are read once for all of them ({@link AttentionKernels#weightedSum} keeps the
 * accumulators in registers); the keys only some of them attend (the causal diagonal, the
 * sliding window's left edge) are added one query at a time, in the same ascending key order.
 * The batched kernels are bit-identical to their one-key / one-query forms, so the tiling changes
 * no result; decode is a tile of one.
 */
final class AttentionEngine {
    private AttentionEngine() {}

    /** Queries processed together: their scores rows are kept so the value rows are read once per tile. */
    static final int QUERY_TILE = 4;

    /**
     * Per-thread scratch. Off-heap (an automatic arena, freed with the thread's scratch): vector
     * loads from native segments are cheaper than from byte[]-backed heap segments. Sizes are
     * O(tile · (headDim + keys)): no n×n buffer.
     */
    private static final class Scratch {
        MemorySegment qNear = MemorySegment.NULL;
        MemorySegment qFar = qNear;
        MemorySegment acc = qNear;      // QUERY_TILE rows of headDim
        float[] scores = new float[0];  // QUERY_TILE rows of ≤ maxKeys
        final float[] inv = new float[QUERY_TILE];
        final HalfRows half = new HalfRows();
        MemorySegment row = qNear;      // one head's key, rotated before it is stored

        Scratch ensure(int headDim, int maxKeys) {
            if (qNear.byteSize() < 4L * headDim) {
                Arena arena = Arena.ofAuto();
                qNear = arena.allocate(4L * headDim, 64);
                qFar = arena.allocate(4L * headDim, 64);
                acc = arena.allocate(4L * headDim * QUERY_TILE, 64);
            }
            if (row.byteSize() < 4L * headDim) {
                row = Arena.ofAuto().allocate(4L * headDim, 64);
            }
            if (scores.length < QUERY_TILE * maxKeys) {
                scores = new float[Math.max(QUERY_TILE * maxKeys, scores.length * 2)];
            }
            return this;
        }
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    static void run(AttentionKernels kern, ResolvedRope rope, KvCache cache, MemorySegment q, MemorySegment k,
                    MemorySegment v, int startPos, int nTokens, MemorySegment out, ParallelFor parallel) {
        if (nTokens >= 2 * APPEND_CHUNK) {
            // a prefill's keys rotated and stored by every thread, a chunk of positions each: on the
            // calling thread alone this was 2.6 % of a two-thread Q4_0 prefill, the other thread idle
            int chunks = (nTokens + APPEND_CHUNK - 1) / APPEND_CHUNK;
            parallel.forEach(chunks, c -> {
                int t0 = c * APPEND_CHUNK;
                append(kern, rope, cache, k, v, startPos, t0, Math.min(nTokens, t0 + APPEND_CHUNK));
            });
        } else {
            append(kern, rope, cache, k, v, startPos, 0, nTokens);
        }
        cache.setSize(startPos + nTokens);
        int heads = cache.shape().heads();
        int tiles = (nTokens + QUERY_TILE - 1) / QUERY_TILE;
        int chunks = Math.max(1, Math.min(MAX_CHUNKS, tiles / MIN_CHUNK_TILES));
        // task i: head i mod heads, query chunk chunks−1 − i / heads, so the costliest chunks
        // (the last queries attend the most keys) are handed out first and the cheap ones fill
        // the gaps at the end
        parallel.forEach(heads * chunks, i -> {
            int chunk = chunks - 1 - i / heads;
            int t0 = (int) ((long) tiles * chunk / chunks) * QUERY_TILE;
            int t1 = Math.min(nTokens, (int) ((long) tiles * (chunk + 1) / chunks) * QUERY_TILE);
            head(kern, rope, cache, q, startPos, nTokens, t0, t1, out, i % heads);
        });
    }

    /**
     * A prefill's queries are cut into up to this many chunks per head, each a task of its own:
     * with only one task per head, 12 heads on two threads left one thread idle for 10–20 % of the
     * attention time (the other still on its last head).
     */
    static final int MAX_CHUNKS = 4;
    /** Query tiles a chunk has at least: shorter chunks would cost more in hand-offs than they balance. */
    static final int MIN_CHUNK_TILES = 4;

    /** Positions a task of a prefill's {@link #append} takes. */
    static final int APPEND_CHUNK = 16;

    /**
     * Writes the new keys (rotated; far copy for the ReRoPE family) and values of tokens
     * tFrom..tTo−1 at startPos + t. Keys are rotated in F32 scratch and then stored, so an F16
     * cache rounds the rotated key once. Positions are independent, so ranges may run on
     * different threads; the caller sets the cache's size once all are written.
     */
    private static void append(AttentionKernels kern, ResolvedRope rope, KvCache cache, MemorySegment k,
                               MemorySegment v, int startPos, int tFrom, int tTo) {
        AttentionShape shape = cache.shape();
        int hd = shape.headDim();
        long rowBytes = 4L * shape.kvDim();
        long headBytes = 4L * hd;
        RopeTable table = rope.table();
        RopeTable farTable = rope.farKeyTable();
        boolean rotateFar = rope.policy() instanceof PositionPolicy.Windowed win && win.slope() != 0.0;
        int d = table.rotaryDims();
        PairLayout layout = table.layout();
        Scratch s = SCRATCH.get().ensure(hd, 0);
        MemorySegment row = s.row;
        for (int t = tFrom; t < tTo; t++) {
            int pos = startPos + t;
            for (int g = 0; g < shape.kvHeads(); g++) {
                long src = t * rowBytes + g * headBytes;
                long dst = cache.offset(pos, g);
                MemorySegment.copy(k, src, row, 0, headBytes);
                kern.rotate(row, 0, table.cos(), table.sin(), table.offset(pos), d, layout);
                store(cache, row, 0, cache.keys(), dst, hd);
                store(cache, v, src, cache.values(), dst, hd);
                if (cache.farKeys() != null) {
                    MemorySegment.copy(k, src, row, 0, headBytes);
                    if (rotateFar) {    // ReRoPE's far keys stay un-rotated (slope 0)
                        kern.rotate(row, 0, farTable.cos(), farTable.sin(), farTable.offset(pos), d, layout);
                    }
                    store(cache, row, 0, cache.farKeys(), dst, hd);
                }
            }
        }
    }

    /**
     * n F32 elements at {@code src} into the cache's {@code dst}, as the cache's type; an F16
     * cache is marked when a value becomes infinite or NaN (exponent field all ones). C2 compiles
     * the conversion to one masked {@code vcvtps2ph} per element, not a vector loop (seen in the
     * disassembly); a token brings a few hundred elements per layer.
     */
    private static void store(KvCache cache, MemorySegment src, long srcOff, MemorySegment dst, long dstOff, int n) {
        if (cache.type() == KvType.F32) {
            MemorySegment.copy(src, srcOff, dst, dstOff, 4L * n);
            return;
        }
        if (cache.type() == KvType.Q8_0) {
            Q8Rows.quantize(src, srcOff, dst, dstOff, cache.scales(dst), n);
            return;
        }
        boolean nonFinite = false;
        for (int i = 0; i < n; i++) {
            short h = Float.floatToFloat16(src.get(LE.FLOAT, srcOff + 4L * i));
            dst.set(LE.SHORT, dstOff + 2L * i, h);
            nonFinite |= (h & 0x7C00) == 0x7C00;
        }
        if (nonFinite) {
            cache.markNonFinite();
        }
    }

    /** {@link AttentionKernels#scores} over {@code count} cached key rows from byte {@code off} of {@code keys}. */
    private static void scores(AttentionKernels kern, Scratch s, KvCache cache, MemorySegment q, MemorySegment keys,
                               long off, int count, float scale, float[] out, int outOff) {
        int hd = cache.shape().headDim();
        if (cache.type() == KvType.Q8_0) {
            kern.scoresQ8(q, 0, keys, off, cache.positionStride(), cache.scales(keys), count, hd, scale, out, outOff);
        } else if (cache.type() == KvType.F16 && cache.holdsNonFinite()) {
            s.half.scores(kern, q, 0, keys, off, count, hd, scale, out, outOff);
        } else if (cache.type() == KvType.F16) {
            kern.scoresHalf(q, 0, keys, off, cache.positionStride(), count, hd, scale, out, outOff);
        } else {
            kern.scores(q, 0, keys, off, cache.positionStride(), count, hd, scale, out, outOff);
        }
    }

    /** {@link AttentionKernels#weightedSum} over {@code count} cached value rows from byte {@code off}. */
    private static void weightedSum(AttentionKernels kern, Scratch s, KvCache cache, float[] w, int wOff, int wStride,
                                    int queries, long off, int count, MemorySegment acc, long accOff) {
        int hd = cache.shape().headDim();
        long accStride = 4L * hd;
        if (cache.type() == KvType.Q8_0) {
            kern.weightedSumQ8(w, wOff, wStride, queries, cache.values(), off, cache.positionStride(),
                    cache.scales(cache.values()), count, acc, accOff, accStride, hd);
        } else if (cache.type() == KvType.F16 && cache.holdsNonFinite()) {
            s.half.weightedSum(kern, w, wOff, wStride, queries, cache.values(), off, count, acc, accOff, accStride, hd);
        } else if (cache.type() == KvType.F16) {
            kern.weightedSumHalf(w, wOff, wStride, queries, cache.values(), off, cache.positionStride(), count, acc,
                    accOff, accStride, hd);
        } else {
            kern.weightedSum(w, wOff, wStride, queries, cache.values(), off, cache.positionStride(), count, acc, accOff,
                    accStride, hd);
        }
    }

    /** Queries tFrom..tTo−1 (tFrom a multiple of {@link #QUERY_TILE}) of head h. */
    private static void head(AttentionKernels kern, ResolvedRope rope, KvCache cache, MemorySegment q,
                             int startPos, int nTokens, int tFrom, int tTo, MemorySegment out, int h) {
        AttentionShape shape = cache.shape();
        int hd = shape.headDim();
        int g = h / shape.group();
        RopeTable table = rope.table();
        RopeTable farTable = rope.farQueryTable();
        int d = table.rotaryDims();
        PairLayout layout = table.layout();
        PositionPolicy policy = rope.policy();
        int window = policy.window();
        boolean local = policy instanceof PositionPolicy.LocalWindow;
        boolean far = policy instanceof PositionPolicy.Windowed;
        Scratch s = SCRATCH.get().ensure(hd, startPos + nTokens);
        float[] scores = s.scores;
        long headBytes = 4L * hd;
        double invSqrt = 1.0 / Math.sqrt(hd);
        MemorySegment keys = cache.keys();
        MemorySegment farKeys = cache.farKeys();

        for (int t0 = tFrom; t0 < tTo; t0 += QUERY_TILE) {
            int tn = Math.min(QUERY_TILE, tTo - t0);
            int firstPos = startPos + t0, lastPos = firstPos + tn - 1;
            // the attended range [lo, pos] of a query only moves right with pos
            int tileLo = local ? Math.max(0, firstPos - window + 1) : 0;
            int maxLo = local ? Math.max(0, lastPos - window + 1) : 0;
            int row = lastPos - tileLo + 1;  // scores of tile query u, key j: scores[u·row + j − tileLo]

            for (int u = 0; u < tn; u++) {
                int pos = firstPos + u;
                long qOff = (long) (t0 + u) * 4 * shape.queryDim() + h * headBytes;
                // Keys j in [lo, nearFrom) use the far score, [nearFrom, pos] the near one.
                int lo = local ? Math.max(0, pos - window + 1) : 0;
                int nearFrom = far ? Math.max(lo, pos - window + 1) : lo;
                float scale = (float) (rope.queryScale(pos) * invSqrt);
                int base = u * row - tileLo;

                MemorySegment.copy(q, qOff, s.qNear, 0, headBytes);
                kern.rotate(s.qNear, 0, table.cos(), table.sin(), table.offset(pos), d, layout);
                if (nearFrom > lo) {
                    MemorySegment.copy(q, qOff, s.qFar, 0, headBytes);
                    kern.rotate(s.qFar, 0, farTable.cos(), farTable.sin(), farTable.offset(pos), d, layout);
                    scores(kern, s, cache, s.qFar, farKeys, cache.offset(lo, g), nearFrom - lo, scale, scores,
                            base + lo);
                }
                scores(kern, s, cache, s.qNear, keys, cache.offset(nearFrom, g), pos - nearFrom + 1, scale, scores,
                        base + nearFrom);
                // stable softmax: exponents ≤ 0
                double sum = kern.softmaxNumerators(scores, base + lo, base + pos + 1);
                s.inv[u] = (float) (1.0 / sum);
            }

            // out_u = Σ_j p_uj·v_j with j ascending from lo_u for every query: keys all of the tile
            // attends go through the register tile, the few only some attend one query at a time.
            s.acc.asSlice(0, headBytes * tn).fill((byte) 0);
            if (maxLo <= firstPos) {
                for (int u = 0; u < tn; u++) {          // [lo_u, maxLo)
                    int lo = local ? Math.max(0, firstPos + u - window + 1) : 0;
                    if (lo == maxLo) {
                        continue;   // (empty calls made C2's loop predicates trap and recompile)
                    }
                    weightedSum(kern, s, cache, scores, u * row + lo - tileLo, row, 1, cache.offset(lo, g), maxLo - lo,
                            s.acc, u * headBytes);
                }
                weightedSum(kern, s, cache, scores, maxLo - tileLo, row, tn, cache.offset(maxLo, g), firstPos - maxLo + 1,
                        s.acc, 0);
                for (int u = 1; u < tn; u++) {          // (firstPos, pos_u]
                    weightedSum(kern, s, cache, scores, u * row + firstPos + 1 - tileLo, row, 1,
                            cache.offset(firstPos + 1, g), u, s.acc, u * headBytes);
                }
            } else {                                      // window narrower than the tile: no shared keys
                for (int u = 0; u < tn; u++) {
                    int pos = firstPos + u;
                    int lo = local ? Math.max(0, pos - window + 1) : 0;
                    weightedSum(kern, s, cache, scores, u * row + lo - tileLo, row, 1, cache.offset(lo, g), pos - lo + 1,
                            s.acc, u * headBytes);
                }
            }
            for (int u = 0; u < tn; u++) {
                long qOff = (long) (t0 + u) * 4 * shape.queryDim() + h * headBytes;
                kern.scaleTo(s.inv[u], s.acc, u * headBytes, out, qOff, hd);
            }
        }
    }
}
