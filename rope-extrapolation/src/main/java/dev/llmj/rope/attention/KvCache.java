package dev.llmj.rope.attention;

import dev.llmj.rope.PositionPolicy;
import dev.llmj.rope.ResolvedRope;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * One layer's key/value cache, off-heap in a caller-owned arena: rows of {@link KvType} elements
 * (F32, or F16 rounded once when stored, or Q8_0 bytes with a float scale per 32 elements in a
 * segment beside them, see {@link #scales}), kv head by kv head (see {@link #offset}).
 *
 * <pre>
 * keys     row p = k_p rotated by position p        (every scheme; YaRN's factor included)
 * farKeys  row p = k_p rotated by position p·slope  (ReRoPE family only; slope 0 = un-rotated k_p,
 *                                                    Leaky ReRoPE slope 1/k = k_p rotated by p/k)
 * values   row p = v_p
 * </pre>
 *
 * ReRoPE's scores for keys ≥ w back are q rotated by the fixed angle w dotted with the un-rotated
 * key; Leaky ReRoPE's are q rotated by w + (i−w)/k dotted with the key rotated by j/k (their
 * difference is the leaky relative position w + (i−j−w)/k). Keeping both key copies makes every
 * score one dot product, so decode stays O(n·d) per token, at the price of one more key row per
 * position. The cache is bound to the {@link ResolvedRope} it was made for: keys are cached rotated
 * with that state's frequencies (a dynamic-NTK state at another length needs a fresh cache).
 */
public final class KvCache {
    private final AttentionShape shape;
    private final ResolvedRope rope;
    private final int capacity;
    private final KvType type;
    private final MemorySegment keys;
    private final MemorySegment farKeys;
    private final MemorySegment values;
    /** Q8_0 only, else null: the scales of keys, far keys and values (see {@link #scales}). */
    private final MemorySegment keyScales;
    private final MemorySegment farKeyScales;
    private final MemorySegment valueScales;
    private int size;
    private boolean nonFinite;

    private KvCache(AttentionShape shape, ResolvedRope rope, int capacity, KvType type, Arena arena) {
        this.shape = shape;
        this.rope = rope;
        this.capacity = capacity;
        this.type = type;
        long elements = (long) capacity * shape.kvDim();
        // Q8_0: the vector kernels widen a row's bytes one float vector at a time; at 128 bits
        // that load is 8 bytes for 4 lanes, so the last row's last load reads 4 bytes past it
        long bytes = elements * type.bytes() + (type == KvType.Q8_0 ? 8 : 0);
        boolean windowed = rope.policy() instanceof PositionPolicy.Windowed;
        this.keys = arena.allocate(bytes, 64);
        this.values = arena.allocate(bytes, 64);
        this.farKeys = windowed ? arena.allocate(bytes, 64) : null;
        long scaleBytes = elements / KvType.Q8_0_BLOCK * Float.BYTES;
        boolean q8 = type == KvType.Q8_0;
        this.keyScales = q8 ? arena.allocate(scaleBytes, 64) : null;
        this.valueScales = q8 ? arena.allocate(scaleBytes, 64) : null;
        this.farKeyScales = q8 && windowed ? arena.allocate(scaleBytes, 64) : null;
    }

    /**
     * Allocates a cache of {@code capacity} positions (at most {@code rope.length()}, the positions
     * its table serves) for attention of {@code shape} under {@code rope}, holding {@code type}
     * elements.
     */
    public static KvCache allocate(Arena arena, AttentionShape shape, ResolvedRope rope, int capacity, KvType type) {
        if (arena == null || shape == null || rope == null || type == null) {
            throw new IllegalArgumentException("arena, shape, rope and type must not be null");
        }
        if (capacity < 1 || capacity > rope.length()) {
            throw new IllegalArgumentException("capacity must be in 1.." + rope.length()
                    + " (the length the rope state was resolved at), got " + capacity);
        }
        type.checkHeadDim(shape.headDim());
        if (rope.geometry().rotaryDims() > shape.headDim()) {
            throw new IllegalArgumentException("rotary dims " + rope.geometry().rotaryDims()
                    + " exceed the head dim " + shape.headDim());
        }
        return new KvCache(shape, rope, capacity, type, arena);
    }

    /** An F32 cache of {@code capacity} positions. */
    public static KvCache allocate(Arena arena, AttentionShape shape, ResolvedRope rope, int capacity) {
        return allocate(arena, shape, rope, capacity, KvType.F32);
    }

    /** A cache for every position {@code rope} serves (capacity = {@code rope.length()}). */
    public static KvCache allocate(Arena arena, AttentionShape shape, ResolvedRope rope) {
        return allocate(arena, shape, rope, rope == null ? 0 : rope.length());
    }

    public AttentionShape shape() { return shape; }

    public ResolvedRope rope() { return rope; }

    public int capacity() { return capacity; }

    public KvType type() { return type; }

    /** Off-heap bytes the cache holds (keys, values and, for the ReRoPE family, far keys). */
    public long byteSize() {
        return keys.byteSize() + values.byteSize() + (farKeys == null ? 0 : farKeys.byteSize())
                + (keyScales == null ? 0 : keyScales.byteSize() + valueScales.byteSize())
                + (farKeyScales == null ? 0 : farKeyScales.byteSize());
    }

    /** Number of positions filled (0..size−1). */
    public int size() { return size; }

    /** Forgets positions from {@code newSize} on (e.g. to re-score from there); 0 empties the cache. */
    public void truncate(int newSize) {
        if (newSize < 0 || newSize > size) {
            throw new IllegalArgumentException("truncate to " + newSize + " outside 0.." + size);
        }
        size = newSize;
    }

    void setSize(int size) { this.size = size; }

    /**
     * Whether an infinity or NaN was ever stored in this F16 cache. The F16 kernels' fast widening
     * is exact only for finite values; such a cache is read through exact conversion instead.
     */
    boolean holdsNonFinite() { return nonFinite; }

    /** Called by any of a prefill's append tasks (they only ever set it); read after they have joined. */
    void markNonFinite() { nonFinite = true; }

    MemorySegment keys() { return keys; }

    /** Null unless the policy is {@link PositionPolicy.Windowed}. */
    MemorySegment farKeys() { return farKeys; }

    MemorySegment values() { return values; }

    /**
     * The scales of a Q8_0 cache's {@code rows} (its keys, far keys or values): the element at byte
     * e of {@code rows} has its block's scale, a float, at byte 4·⌊e / 32⌋ of the segment returned
     * (rows and blocks are contiguous, so this one rule serves every offset). Null for F32 and F16.
     */
    MemorySegment scales(MemorySegment rows) {
        return rows == keys ? keyScales : rows == values ? valueScales : rows == farKeys ? farKeyScales : null;
    }

    /**
     * Byte offset of (pos, kv head) in keys/farKeys/values. Head-major: each kv head's positions
     * are contiguous, so attention over one head reads its keys and values as one sequential run
     * (position-major, each key's 256-byte head slice sat at a kvDim stride, a pattern the
     * hardware prefetcher follows poorly).
     */
    long offset(int pos, int kvHead) {
        return ((long) kvHead * capacity + pos) * shape.headDim() * type.bytes();
    }

    /** Bytes from one position to the next within a kv head (its rows are contiguous). */
    long positionStride() {
        return (long) shape.headDim() * type.bytes();
    }
}
