package dev.llmj.rope;

import dev.llmj.rope.attention.AttentionShape;
import dev.llmj.rope.attention.KvType;
import dev.llmj.tensor.LE;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * What attention over an F16 or Q8_0 cache must compute, in double: the cache holds each key
 * rotated in float by its own position (the F32 cache's bits, {@link RotaryScalar}) and then
 * rounded to the cache's type, and each value so rounded; queries are rotated in float the same
 * way; scores, softmax and the weighted sum are then exact arithmetic on those numbers. The
 * rounding is written here from the types' definitions ({@link #round}), not taken from the cache. Unlike
 * {@link ReferenceAttention} this follows the cache's absolute-position form (near keys, and the
 * ReRoPE family's far keys and far query), because the rounding happens on the cached rotated
 * keys; the schemes themselves are checked against {@link ReferenceAttention} on the F32 cache.
 */
final class RoundedCacheReference {
    private RoundedCacheReference() {}

    /** q [n][heads·hd], k and v [n][kvHeads·hd] → out [n][heads·hd]. */
    static double[] forward(ResolvedRope rope, AttentionShape shape, float[] q, float[] k, float[] v, int n, KvType type) {
        int hd = shape.headDim();
        PositionPolicy policy = rope.policy();
        int window = policy.window();
        boolean far = policy instanceof PositionPolicy.Windowed;
        boolean rotateFarKeys = policy instanceof PositionPolicy.Windowed w && w.slope() != 0.0;
        double[] out = new double[n * shape.queryDim()];
        for (int h = 0; h < shape.heads(); h++) {
            int g = h / shape.group();
            for (int i = 0; i < n; i++) {
                double[] qNear = rotated(q, i * shape.queryDim() + h * hd, hd, rope.table(), i, null);
                double[] qFar = far ? rotated(q, i * shape.queryDim() + h * hd, hd, rope.farQueryTable(), i, null) : null;
                double[] scores = new double[i + 1];
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j <= i; j++) {
                    scores[j] = Double.NEGATIVE_INFINITY;
                    if (!policy.attends(i - j)) continue;
                    int kOff = j * shape.kvDim() + g * hd;
                    double[] key = i - j < window || !far ? rotated(k, kOff, hd, rope.table(), j, type)
                            : rotateFarKeys ? rotated(k, kOff, hd, rope.farKeyTable(), j, type)
                            : round(Arrays.copyOfRange(k, kOff, kOff + hd), type);
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
                    int vOff = j * shape.kvDim() + g * hd;
                    double[] value = round(Arrays.copyOfRange(v, vOff, vOff + hd), type);
                    for (int e = 0; e < hd; e++) out[i * shape.queryDim() + h * hd + e] += scores[j] / sum * value[e];
                }
            }
        }
        return out;
    }

    /** x[off..off+hd) rotated in float by table row {@code pos}, then rounded to {@code type} (null: not rounded). */
    private static double[] rotated(float[] x, int off, int hd, RopeTable table, int pos, KvType type) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(4L * hd);
            MemorySegment.copy(x, off, s, LE.FLOAT, 0, hd);
            RotaryScalar.rotate(s, 0, table.cos(), table.sin(), table.offset(pos), table.rotaryDims(), table.layout());
            float[] r = s.toArray(LE.FLOAT);
            if (type == null) {
                double[] d = new double[hd];
                for (int e = 0; e < hd; e++) d[e] = r[e];
                return d;
            }
            return round(r, type);
        }
    }

    /**
     * A head's row as the cache holds it. F16: each element to the nearest binary16. Q8_0: per
     * 32-element block d = max|x| / 127 and q = x·(1/d) rounded half away from zero, read back as
     * the float d·q; a block with an infinity or NaN reads back as NaN.
     */
    static double[] round(float[] row, KvType type) {
        double[] r = new double[row.length];
        switch (type) {
            case F32 -> {
                for (int e = 0; e < row.length; e++) r[e] = row[e];
            }
            case F16 -> {
                for (int e = 0; e < row.length; e++) r[e] = Float.float16ToFloat(Float.floatToFloat16(row[e]));
            }
            case Q8_0 -> {
                for (int b = 0; b < row.length; b += 32) {
                    float amax = 0;
                    for (int e = b; e < b + 32; e++) amax = Math.max(amax, Math.abs(row[e]));
                    float d = amax / 127f;
                    float id = d == 0 ? 0 : 1f / d;
                    for (int e = b; e < b + 32; e++) {
                        float x = row[e] * id;
                        float q = Math.signum(x) * Math.min(127, (float) Math.floor(Math.abs(x) + 0.5));
                        r[e] = Float.isFinite(amax) ? d * q : Float.NaN;
                    }
                }
            }
        }
        return r;
    }
}
