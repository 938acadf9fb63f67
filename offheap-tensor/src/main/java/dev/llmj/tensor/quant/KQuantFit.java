package dev.llmj.tensor.quant;

/**
 * The scale searches of llama.cpp's reference K-quant quantizers (no importance matrix), which
 * {@link Q4_KCodec} and {@link Q6_KCodec} use so that our files carry the bytes
 * {@code llama-quantize} writes. Every float operation is the one the reference performs, in its
 * order, each product rounded on its own: fusing the sums' products into fma (as a C compiler
 * allowed to contract would) changed 1–2 % of the blocks against files made by
 * {@code llama-quantize}, which {@code GgufQuantReferenceTest} compares byte for byte.
 */
final class KQuantFit {
    private KQuantFit() {}

    /** Groups whose largest magnitude is below this quantize to all zeros (GGML's GROUP_MAX_EPS). */
    static final float GROUP_MAX_EPS = 1e-15f;

    /**
     * The nearest integer, halves to even: what GGML's {@code nearest_int} computes with its
     * 1.5·2^23 bias trick (exact for |v| ≤ 2^22; the callers clamp far larger values anyway).
     */
    static int nearestInt(float v) {
        return (int) Math.rint(v);
    }

    /**
     * Asymmetric fit of one group (GGML {@code make_qkx2_quants}, squared error): levels
     * L[i] ∈ [0, nmax] with x ≈ scale·L + min, min ≤ 0, weighted by {@code w}. Starts from the
     * (min, max) grid and tries nmax + rmin + rdelta·is (is = 0..nstep) levels across the range,
     * each refined by weighted least squares; keeps the lowest weighted squared error.
     *
     * @param levels receives L at {@code lo..lo+n}
     * @param negMin receives −min (≥ 0) at {@code mi}
     * @return scale (≥ 0)
     */
    static float scaleAndMin(float[] x, int xo, int n, int nmax, float[] w, int[] levels, int lo, int[] scratch,
            float rmin, float rdelta, int nstep, float[] negMin, int mi) {
        float min = x[xo];
        float max = x[xo];
        float sumW = w[0];
        float sumX = sumW * x[xo];
        for (int i = 1; i < n; i++) {
            float v = x[xo + i];
            if (v < min) {
                min = v;
            }
            if (v > max) {
                max = v;
            }
            sumW += w[i];
            sumX += w[i] * v;
        }
        if (min > 0) {
            min = 0;
        }
        if (max == min) {
            java.util.Arrays.fill(levels, lo, lo + n, 0);
            negMin[mi] = -min;
            return 0f;
        }
        float iscale = nmax / (max - min);
        float scale = 1 / iscale;
        float bestError = 0;
        for (int i = 0; i < n; i++) {
            int l = Math.max(0, Math.min(nmax, nearestInt(iscale * (x[xo + i] - min))));
            levels[lo + i] = l;
            float diff = scale * l + min - x[xo + i];
            bestError += w[i] * (diff * diff);
        }
        for (int is = 0; is <= nstep; is++) {
            iscale = (rmin + rdelta * is + nmax) / (max - min);
            float sumL = 0;
            float sumL2 = 0;
            float sumXL = 0;
            for (int i = 0; i < n; i++) {
                int l = Math.max(0, Math.min(nmax, nearestInt(iscale * (x[xo + i] - min))));
                scratch[i] = l;
                sumL += w[i] * l;
                sumL2 += w[i] * l * l;
                sumXL += w[i] * l * x[xo + i];
            }
            float det = sumW * sumL2 - sumL * sumL;
            if (det > 0) {
                float thisScale = (sumW * sumXL - sumX * sumL) / det;
                float thisMin = (sumL2 * sumX - sumL * sumXL) / det;
                if (thisMin > 0) {
                    thisMin = 0;
                    thisScale = sumXL / sumL2;
                }
                float error = 0;
                for (int i = 0; i < n; i++) {
                    float diff = thisScale * scratch[i] + thisMin - x[xo + i];
                    error += w[i] * (diff * diff);
                }
                if (error < bestError) {
                    System.arraycopy(scratch, 0, levels, lo, n);
                    bestError = error;
                    scale = thisScale;
                    min = thisMin;
                }
            }
        }
        negMin[mi] = -min;
        return scale;
    }

    /**
     * Symmetric fit of one group (GGML {@code make_qx_quants} with x² weights): levels
     * l ∈ [−nmax, nmax − 1], stored as l + nmax, with x ≈ scale·l. The value of largest magnitude
     * maps to −nmax; 18 nearby grids (nmax ± 0.1·is) are tried, each scale the weighted
     * least-squares one, keeping the best.
     *
     * @param levels receives l + nmax at {@code lo..lo+n}
     * @return scale (of either sign; 0 for an all-but-zero group)
     */
    static float symmetricScale(float[] x, int xo, int n, int nmax, int[] levels, int lo) {
        float max = 0;
        float amax = 0;
        for (int i = 0; i < n; i++) {
            float ax = Math.abs(x[xo + i]);
            if (ax > amax) {
                amax = ax;
                max = x[xo + i];
            }
        }
        if (amax < GROUP_MAX_EPS) {
            java.util.Arrays.fill(levels, lo, lo + n, 0);
            return 0f;
        }
        float iscale = -nmax / max;
        float sumLX = 0;
        float sumL2 = 0;
        for (int i = 0; i < n; i++) {
            float v = x[xo + i];
            int l = Math.max(-nmax, Math.min(nmax - 1, nearestInt(iscale * v)));
            levels[lo + i] = l + nmax;
            float w = v * v;
            sumLX += w * v * l;
            sumL2 += w * l * l;
        }
        float scale = sumL2 != 0 ? sumLX / sumL2 : 0f;
        float best = scale * sumLX;
        for (int is = -9; is <= 9; is++) {
            if (is == 0) {
                continue;
            }
            iscale = -(nmax + 0.1f * is) / max;
            sumLX = 0;
            sumL2 = 0;
            for (int i = 0; i < n; i++) {
                float v = x[xo + i];
                int l = Math.max(-nmax, Math.min(nmax - 1, nearestInt(iscale * v)));
                float w = v * v;
                sumLX += w * v * l;
                sumL2 += w * l * l;
            }
            if (sumL2 > 0 && sumLX * sumLX > best * sumL2) {
                for (int i = 0; i < n; i++) {
                    levels[lo + i] = nmax + Math.max(-nmax, Math.min(nmax - 1, nearestInt(iscale * x[xo + i])));
                }
                scale = sumLX / sumL2;
                best = scale * sumLX;
            }
        }
        return scale;
    }
}
