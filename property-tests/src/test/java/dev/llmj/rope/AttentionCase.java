package dev.llmj.rope;

import dev.llmj.rope.attention.Attention;
import dev.llmj.rope.attention.AttentionShape;
import dev.llmj.rope.attention.KvCache;
import dev.llmj.rope.attention.KvType;
import dev.llmj.rope.attention.ParallelFor;
import dev.llmj.tensor.LE;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Random;

/** A random small attention problem (shape, geometry, scheme, q/k/v in [−1, 1]) built from a seed. */
record AttentionCase(AttentionShape shape, RopeGeometry geometry, RopeScheme scheme, int n,
                     float[] q, float[] k, float[] v) {

    /** Scheme templates; W is a small window, F a factor, K a leak factor. */
    static final List<String> TEMPLATES = List.of("rope", "linear", "linear:factor=F", "ntk", "ntk:factor=F",
            "dynamic-ntk", "dynamic-ntk:factor=F", "ntk-mixed", "ntk-mixed:factor=F,b=0.5", "yarn", "yarn:factor=F",
            "llama3", "llama3:factor=F", "rerope:w=W", "leaky-rerope:w=W,k=K", "local:w=W");

    static String randomScheme(Random r) {
        String t = TEMPLATES.get(r.nextInt(TEMPLATES.size()))
                .replace("W", Integer.toString(1 + r.nextInt(12)))
                .replace("F", Integer.toString(1 + r.nextInt(8)))
                .replace("K", Integer.toString(1 + r.nextInt(16)));
        return r.nextInt(4) == 0 ? t + "+logn" : t;
    }

    static AttentionCase random(long seed) {
        Random r = new Random(seed);
        // up to 70 tokens: prefill cuts each head's queries into up to 4 chunks from 61 tokens on
        return random(r, RopeScheme.parse(randomScheme(r)), 1 + r.nextInt(70));
    }

    static AttentionCase random(Random r, RopeScheme scheme, int n) {
        int kv = 1 + r.nextInt(2);
        int heads = kv * (1 + r.nextInt(3));
        int hd = 2 + r.nextInt(35);
        int d = 2 * (1 + r.nextInt(hd / 2));
        double base = 100 + r.nextDouble() * 20000;
        int training = 4 + r.nextInt(28);
        PairLayout layout = r.nextBoolean() ? PairLayout.ADJACENT : PairLayout.HALVES;
        AttentionShape shape = new AttentionShape(heads, kv, hd);
        return new AttentionCase(shape, new RopeGeometry(d, base, training, layout), scheme, n,
                uniform(r, n * shape.queryDim()), uniform(r, n * shape.kvDim()), uniform(r, n * shape.kvDim()));
    }

    static float[] uniform(Random r, int count) {
        float[] a = new float[count];
        for (int i = 0; i < count; i++) a[i] = r.nextFloat() * 2 - 1;
        return a;
    }

    /** Same shape, geometry and scheme, fresh data of length n. */
    AttentionCase withLength(Random r, int length) {
        return new AttentionCase(shape, geometry, scheme, length, uniform(r, length * shape.queryDim()),
                uniform(r, length * shape.kvDim()), uniform(r, length * shape.kvDim()));
    }

    AttentionCase with(RopeScheme other) {
        return new AttentionCase(shape, geometry, other, n, q, k, v);
    }

    ResolvedRope resolve() {
        return scheme.resolve(geometry, n);
    }

    /** How the n tokens are fed: one prefill call, one call per token, or the given chunk sizes. */
    float[] run(int[] chunks, boolean scalar, ParallelFor parallel) {
        return run(chunks, scalar, parallel, KvType.F32);
    }

    /** {@link #run(int[], boolean, ParallelFor)} with a cache of {@code type}. */
    float[] run(int[] chunks, boolean scalar, ParallelFor parallel, KvType type) {
        ResolvedRope rope = resolve();
        // shared: a parallel ParallelFor reads the segments from other threads
        try (Arena arena = Arena.ofShared()) {
            KvCache cache = KvCache.allocate(arena, shape, rope, n, type);
            MemorySegment qs = segment(arena, q), ks = segment(arena, k), vs = segment(arena, v);
            MemorySegment out = arena.allocate(4L * n * shape.queryDim(), 64);
            int pos = 0;
            for (int c : chunks) {
                MemorySegment qc = qs.asSlice(4L * pos * shape.queryDim(), 4L * c * shape.queryDim());
                MemorySegment kc = ks.asSlice(4L * pos * shape.kvDim(), 4L * c * shape.kvDim());
                MemorySegment vc = vs.asSlice(4L * pos * shape.kvDim(), 4L * c * shape.kvDim());
                MemorySegment oc = out.asSlice(4L * pos * shape.queryDim(), 4L * c * shape.queryDim());
                if (scalar) {
                    Attention.forwardScalar(rope, cache, qc, kc, vc, pos, c, oc, parallel);
                } else {
                    Attention.forward(rope, cache, qc, kc, vc, pos, c, oc, parallel);
                }
                pos += c;
            }
            assert pos == n;
            float[] result = new float[n * shape.queryDim()];
            MemorySegment.copy(out, LE.FLOAT, 0, result, 0, result.length);
            return result;
        }
    }

    float[] prefill() {
        return run(new int[] {n}, false, ParallelFor.SERIAL);
    }

    float[] decode() {
        return run(ones(n), false, ParallelFor.SERIAL);
    }

    /** n chunks of one token: decode. */
    static int[] ones(int n) {
        int[] ones = new int[n];
        java.util.Arrays.fill(ones, 1);
        return ones;
    }

    /** Random chunk sizes adding up to n. */
    static int[] randomChunks(Random r, int n) {
        List<Integer> chunks = new java.util.ArrayList<>();
        for (int left = n; left > 0; ) {
            int take = 1 + r.nextInt(left);
            chunks.add(take);
            left -= take;
        }
        return chunks.stream().mapToInt(Integer::intValue).toArray();
    }

    static MemorySegment segment(Arena arena, float[] data) {
        MemorySegment s = arena.allocate(4L * Math.max(1, data.length), 64);
        MemorySegment.copy(data, 0, s, LE.FLOAT, 0, data.length);
        return s;
    }

    @Override
    public String toString() {
        return "AttentionCase[" + shape + ", " + geometry + ", scheme=" + scheme + ", n=" + n + "]";
    }
}
