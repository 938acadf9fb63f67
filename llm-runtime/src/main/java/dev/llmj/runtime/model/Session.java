package dev.llmj.runtime.model;

import dev.llmj.rope.ResolvedRope;
import dev.llmj.rope.RopeGeometry;
import dev.llmj.rope.RopeScheme;
import dev.llmj.rope.attention.AttentionShape;
import dev.llmj.rope.attention.KvCache;
import dev.llmj.rope.attention.KvType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * One sequence being evaluated or generated: its KV cache, scratch buffers and token history,
 * all off-heap in an arena the session owns. A session is used by one thread at a time (the
 * kernels it calls may fan out internally); {@link #close()} frees everything.
 *
 * <p>The rope scheme is resolved once for the session's context length: schemes whose frequencies
 * depend on the length (dynamic NTK, or a scheme whose factor defaults to n/L) use n = the
 * context length for every position, which is what scoring a window of n tokens needs.
 */
public final class Session implements AutoCloseable {
    /** Largest number of tokens one forward call processes; longer prompts go in chunks. */
    public static final int MAX_BATCH = 256;

    private final Model model;
    private final Arena arena;
    private final int capacity;
    private final ResolvedRope rope;
    private final KvCache[] caches;
    private final KvType kvType;
    private final ForwardPass pass;
    private final int[] tokens;
    private int length;

    Session(Model model, int capacity, RopeScheme scheme, int ropeTrainingLength, KvType kvType) {
        ModelConfig c = model.config();
        if (capacity < 1) {
            throw new IllegalArgumentException("context length must be ≥ 1, got " + capacity);
        }
        if (ropeTrainingLength < 1) {
            throw new IllegalArgumentException("rope training length must be ≥ 1, got " + ropeTrainingLength);
        }
        this.model = model;
        this.capacity = capacity;
        this.kvType = kvType;
        RopeGeometry geometry = new RopeGeometry(c.ropeDims(), c.ropeBase(), ropeTrainingLength, c.pairLayout());
        this.rope = scheme.resolve(geometry, capacity);
        this.arena = Arena.ofShared();
        try {
            AttentionShape shape = new AttentionShape(c.nHeads(), c.nKvHeads(), c.headDim());
            this.caches = new KvCache[c.nLayers()];
            for (int l = 0; l < caches.length; l++) {
                caches[l] = KvCache.allocate(arena, shape, rope, capacity, kvType);
            }
            this.pass = new ForwardPass(model, arena, Math.min(MAX_BATCH, capacity));
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
        this.tokens = new int[capacity];
    }

    public Model model() {
        return model;
    }

    public RopeScheme scheme() {
        return rope.scheme();
    }

    public int capacity() {
        return capacity;
    }

    /** The KV cache's element type. */
    public KvType kvType() {
        return kvType;
    }

    /** Off-heap bytes of the KV cache, all layers. */
    public long kvCacheBytes() {
        long bytes = 0;
        for (KvCache cache : caches) {
            bytes += cache.byteSize();
        }
        return bytes;
    }

    /** Number of tokens evaluated so far (the next token's position). */
    public int length() {
        return length;
    }

    /** The tokens evaluated so far. */
    public int[] tokens() {
        return Arrays.copyOf(tokens, length);
    }

    /**
     * Evaluates {@code ids} after the tokens already held and returns the logits predicting the
     * next token (a fresh array).
     *
     * @throws ContextFullException when the context cannot hold them
     * @throws IllegalArgumentException for an id outside the vocabulary
     */
    public float[] append(int... ids) {
        // copied straight into the array returned (a staging array and its clone copied 125 KB a
        // token twice at a 32000-token vocabulary)
        float[] logits = new float[model.config().vocabSize()];
        append(ids, false, (pos, seg, off) -> MemorySegment.copy(seg, ValueLayout.JAVA_FLOAT, off, logits, 0, logits.length));
        return logits;
    }

    /**
     * Evaluates {@code ids}, handing every position's logits (the prediction of the token after it)
     * to {@code sink} in order; for perplexity and the extrapolation lab.
     */
    public void appendAll(int[] ids, LogitsSink sink) {
        append(ids, true, sink);
    }

    private void append(int[] ids, boolean allLogits, LogitsSink sink) {
        if (ids.length == 0) {
            throw new IllegalArgumentException("no tokens to evaluate");
        }
        if (ids.length > capacity - length) {
            throw new ContextFullException(capacity, length, ids.length);
        }
        int vocab = model.config().vocabSize();
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] >= vocab) {
                throw new IllegalArgumentException("token id " + ids[i] + " at index " + i
                        + " is outside the vocabulary of " + vocab + " tokens");
            }
        }
        for (int from = 0; from < ids.length; from += pass.maxBatch()) {
            int n = Math.min(pass.maxBatch(), ids.length - from);
            boolean last = from + n == ids.length;
            LogitsSink s = allLogits || last ? sink : (p, seg, off) -> { };
            pass.run(ids, from, n, length, caches, rope, allLogits, s);
            System.arraycopy(ids, from, tokens, length, n);
            length += n;
        }
    }

    // ---- for BatchDecoder: one decoded token at a time, evaluated outside this session ----------

    KvCache[] caches() {
        return caches;
    }

    ResolvedRope rope() {
        return rope;
    }

    /** Records a token whose keys and values a batched step just appended to this session's caches. */
    void recordDecoded(int id) {
        tokens[length++] = id;
    }

    /** Forgets every token from {@code newLength} on. */
    public void rewind(int newLength) {
        if (newLength < 0 || newLength > length) {
            throw new IllegalArgumentException("rewind to " + newLength + " outside 0.." + length);
        }
        for (KvCache cache : caches) {
            cache.truncate(newLength);
        }
        length = newLength;
    }

    @Override
    public void close() {
        arena.close();
    }
}
