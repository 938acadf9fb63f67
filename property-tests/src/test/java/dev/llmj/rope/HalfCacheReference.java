package dev.llmj.rope;

import dev.llmj.rope.attention.AttentionShape;
import dev.llmj.tensor.LE;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * What attention over an F16 cache must compute, in double: the cache holds each key rotated in
 * float by its own position (the F32 cache's bits, {@link RotaryScalar}) and then rounded to
 * binary16, and each value rounded to binary16; queries are rotated in float the same way; scores,
 * softmax and the weighted sum are then exact arithmetic on those numbers. Unlike
 * {@link ReferenceAttention} this follows the cache's absolute-position form (near keys, and the
 * ReRoPE family's far keys and far query), because the rounding happens on the cached rotated
 * keys; the schemes themselves are checked against {@link ReferenceAttention} on the F32 cache.
 */
final class HalfCacheReference {
    private HalfCacheReference() {}

    /** q [n][heads·hd], k and v [n][kvHeads·hd] → out [n][heads·hd]. */
    static double[] forward(ResolvedRope rope, AttentionShape shape, float[] q, float[] k, float[] v, int n) {
        int hd = shape.headDim();
        PositionPolicy policy = rope.policy();
        int window = policy.window();
        boolean far = policy instanceof PositionPolicy.Windowed;
        boolean rotateFarKeys = policy instanceof PositionPolicy.Windowed w && w.slope() != 0.0;
        double[] out = new double[n * shape.queryDim()];
        for (int h = 0; h < shape.heads(); h++) {
            int g = h / shape.group();
            for (int i = 0; i < n; i++) {
                double[] qNear = rotated(q, i * shape.queryDim() + h * hd, hd, rope.table(), i, false);
                double[] qFar = far ? rotated(q, i * shape.queryDim() + h * hd, hd, rope.farQueryTable(), i, false) : null;
                double[] scores = new double[i + 1];
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j <= i; j++) {
                    scores[j] = Double.NEGATIVE_INFINITY;
                    if (!policy.attends(i - j)) continue;
                    int kOff = j * shape.kvDim() + g * hd;
                    double[] key = i - j < window || !far ? rotated(k, kOff, hd, rope.table(), j, true)
                            : rotateFarKeys ? rotated(k, kOff, hd, rope.farKeyTable(), j, true) : half(k, kOff, hd);
                    double[] query = i - j < window || !far ? qNear : qFar;
                    double dot = 0;
                    for (int e = 0; e < hd; e++) dot += query[e] * key[e];
                    scores[j] = dot * rope.queryScale(i) / Math.sqrt(hd);
                    max = Math.max(max, scores[j]);
                }
                double sum = 0;
                for (int j = 0; j <= i; j++) {
                    scores[j] = scores[j] == Double.NEGATIVE_INFINITY ? 0 : Math.exp(scores[j] - max);
                    sum += scores[j];
                }
                for (int j = 0; j <= i; j++) {
                    if (scores[j] == 0) continue;
                    double[] value = half(v, j * shape.kvDim() + g * hd, hd);
                    for (int e = 0; e < hd; e++) out[i * shape.queryDim() + h * hd + e] += scores[j] / sum * value[e];
                }
            }
        }
        return out;
    }

    /** x[off..off+hd) rotated in float by table row {@code pos}, then rounded to binary16 if asked. */
    private static double[] rotated(float[] x, int off, int hd, RopeTable table, int pos, boolean roundToHalf) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(4L * hd);
            MemorySegment.copy(x, off, s, LE.FLOAT, 0, hd);
            RotaryScalar.rotate(s, 0, table.cos(), table.sin(), table.offset(pos), table.rotaryDims(), table.layout());
            double[] r = new double[hd];
            for (int e = 0; e < hd; e++) {
                float f = s.getAtIndex(LE.FLOAT, e);
                r[e] = roundToHalf ? Float.float16ToFloat(Float.floatToFloat16(f)) : f;
            }
            return r;
        }
    }

    private static double[] half(float[] x, int off, int hd) {
        double[] r = new double[hd];
        for (int e = 0; e < hd; e++) r[e] = Float.float16ToFloat(Float.floatToFloat16(x[off + e]));
        return r;
    }
}
