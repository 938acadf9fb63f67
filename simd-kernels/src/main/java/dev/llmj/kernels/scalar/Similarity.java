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
}
