package dev.llmj.rope.attention;

/**
 * Grouped-query attention shape: {@code heads} query heads share {@code kvHeads} key/value heads
 * (query head h reads kv head h / (heads/kvHeads)), each of {@code headDim} floats.
 */
public record AttentionShape(int heads, int kvHeads, int headDim) {
    public AttentionShape {
        if (heads < 1 || kvHeads < 1 || headDim < 1) {
            throw new IllegalArgumentException("heads, kvHeads and headDim must be >= 1, got " + heads + ", "
                    + kvHeads + ", " + headDim);
        }
        if (heads % kvHeads != 0) {
            throw new IllegalArgumentException("heads (" + heads + ") must be a multiple of kvHeads (" + kvHeads + ")");
        }
    }

    /** Floats per token of q and out: heads·headDim. */
    public int queryDim() { return heads * headDim; }

    /** Floats per token of k and v: kvHeads·headDim. */
    public int kvDim() { return kvHeads * headDim; }

    /** Query heads per kv head. */
    public int group() { return heads / kvHeads; }
}
