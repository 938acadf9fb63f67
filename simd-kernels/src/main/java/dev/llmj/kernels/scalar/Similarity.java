package dev.llmj.kernels.scalar;

/** Small scalar helpers shared by the scalar and vector twins (no incubator import). */
public final class Similarity {
    private Similarity() {}

    /** Cosine from its three sums, computed in double; 0 when either norm is 0. */
    public static float cosine(float ab, float aa, float bb) {
        if (aa == 0f || bb == 0f) {
            return 0f;
        }
        return (float) (ab / Math.sqrt((double) aa * bb));
    }

    /**
     * C {@code roundf} (nearest, halves away from zero) as the GGML quantizers use it; same as the
     * codecs' rounding. Exact in double for every float input.
     */
    public static int roundf(float v) {
        return (int) Math.copySign(Math.floor(Math.abs((double) v) + 0.5), v);
    }
}
