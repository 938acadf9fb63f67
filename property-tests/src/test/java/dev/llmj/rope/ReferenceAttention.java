package dev.llmj.rope;

import dev.llmj.rope.attention.AttentionShape;

/**
 * Naive reference attention in double, written from the definitions and not from the runtime's
 * decomposition: for every (query i, key j) it rotates q_i by the scheme's RELATIVE position
 * policy.effectiveDistance(i−j) (R(i)q·R(j)k = R(i−j)q·k), scales the rotary dims of q and k by the
 * attention factor, multiplies by queryScale(i)/√headDim, fills a full n×n score matrix per head,
 * then softmax and the weighted sum of v. Only the frequencies and scales come from {@link ResolvedRope}
 * (they have their own unit tests).
 */
final class ReferenceAttention {
    private ReferenceAttention() {}

    /** q [n][heads·hd], k and v [n][kvHeads·hd] → out [n][heads·hd], in double. */
    static double[] forward(ResolvedRope rope, AttentionShape shape, float[] q, float[] k, float[] v, int n) {
        int hd = shape.headDim();
        int d = rope.geometry().rotaryDims();
        PairLayout layout = rope.geometry().layout();
        double[] theta = rope.inverseFrequencies();
        double mscale = rope.attentionFactor();
        PositionPolicy policy = rope.policy();
        double[] out = new double[n * shape.queryDim()];
        double[][] scores = new double[n][n];
        for (int h = 0; h < shape.heads(); h++) {
            int g = h / shape.group();
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    scores[i][j] = Double.NEGATIVE_INFINITY;
                    if (j > i || !policy.attends(i - j)) continue;
                    double r = policy.effectiveDistance(i - j);
                    double[] qi = new double[hd];
                    double[] kj = new double[hd];
                    for (int e = 0; e < hd; e++) {
                        qi[e] = q[i * shape.queryDim() + h * hd + e];
                        kj[e] = k[j * shape.kvDim() + g * hd + e];
                        if (e < d) {
                            qi[e] *= mscale;
                            kj[e] *= mscale;
                        }
                    }
                    for (int p = 0; p < d / 2; p++) {
                        int a = layout.first(p, d), b = layout.second(p, d);
                        double c = Math.cos(r * theta[p]), s = Math.sin(r * theta[p]);
                        double x0 = qi[a], x1 = qi[b];
                        qi[a] = x0 * c - x1 * s;
                        qi[b] = x1 * c + x0 * s;
                    }
                    double dot = 0;
                    for (int e = 0; e < hd; e++) dot += qi[e] * kj[e];
                    scores[i][j] = dot * rope.queryScale(i) / Math.sqrt(hd);
                }
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j <= i; j++) max = Math.max(max, scores[i][j]);
                double sum = 0;
                double[] p = new double[i + 1];
                for (int j = 0; j <= i; j++) {
                    p[j] = scores[i][j] == Double.NEGATIVE_INFINITY ? 0 : Math.exp(scores[i][j] - max);
                    sum += p[j];
                }
                for (int j = 0; j <= i; j++) {
                    if (p[j] == 0) continue;
                    for (int e = 0; e < hd; e++) {
                        out[i * shape.queryDim() + h * hd + e] += p[j] / sum * v[j * shape.kvDim() + g * hd + e];
                    }
                }
            }
        }
        return out;
    }
}
