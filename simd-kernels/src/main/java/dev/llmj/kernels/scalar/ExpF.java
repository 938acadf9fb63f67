package dev.llmj.kernels.scalar;

/**
 * exp(x) in float from IEEE basic operations and fma only, so that every JIT tier and the vector
 * twin ({@code VectorExp}) produce the same bits. ({@code Math.exp} and the Vector API's
 * {@code EXP} are each accurate to an ulp or so, but they are different functions: compiled
 * vector code calls a SIMD math library while the fallback calls {@code Math.exp}, so a kernel's
 * result would depend on whether it had been compiled yet.)
 *
 * <pre>
 *   n = round(x · log2 e)                  (the 1.5·2^23 shifter rounds to nearest in one fma)
 *   r = x − n·ln2                           (ln2 split hi + lo: r exact to ~2^-32)
 *   p = Σ_{k=0..7} r^k / k!                 (|r| ≤ ln2/2: truncation error r^8/8! &lt; 6e-9 relative)
 *   exp(x) = p · 2^⌊n/2⌋ · 2^(n − ⌊n/2⌋)    (two normal factors for n = −150..128: the product
 *                                           rounds once, also to a subnormal result)
 * </pre>
 * Within 2 ulp of the true value for x in [−87.33, 88.72], correctly scaled subnormals down to
 * x = −103.97 (below which exp(x) rounds to 0), +∞ above 88.72; NaN gives NaN. A NaN input's
 * bits give a meaningless n, but p is already NaN, and NaN times anything is NaN.
 */
public final class ExpF {
    private ExpF() {}

    public static final float LOG2E = 1.44269504088896341f;
    public static final float LN2_HI = 0.693359375f;
    public static final float LN2_LO = -2.12194440e-4f;
    public static final float SHIFTER = 0x1.8p23f;
    public static final int SHIFTER_BITS = 0x4B400000;
    /**
     * Inputs are clamped to [MIN_X, MAX_X] and need no other special case: above ln(FLT_MAX) ≈ 88.72
     * the final product overflows to +∞ by itself, below ln(2^-150) ≈ −103.97 it rounds to 0, and a
     * NaN passes through every step. (Branch-free, so the vector twin needs no masks or blends,
     * which keeps it small enough for C2 to inline into the kernels.)
     */
    public static final float MAX_X = 88.8f;
    public static final float MIN_X = -104f;
    /** 1/k! for k = 7 down to 0, in Horner order. */
    public static final float[] COEFFS = {
        1f / 5040, 1f / 720, 1f / 120, 1f / 24, 1f / 6, 1f / 2, 1f, 1f};

    public static float exp(float x) {
        float xc = Math.min(Math.max(x, MIN_X), MAX_X);
        float t = Math.fma(xc, LOG2E, SHIFTER);
        float n = t - SHIFTER;
        float r = Math.fma(n, -LN2_HI, xc);
        r = Math.fma(n, -LN2_LO, r);
        float p = COEFFS[0];
        for (int k = 1; k < COEFFS.length; k++) {
            p = Math.fma(p, r, COEFFS[k]);
        }
        int ni = Float.floatToRawIntBits(t) - SHIFTER_BITS;
        int e1 = ni >> 1;
        int e2 = ni - e1;
        return p * Float.intBitsToFloat((e1 + 127) << 23) * Float.intBitsToFloat((e2 + 127) << 23);
    }
}
