package dev.llmj.rope;

import dev.llmj.rope.attention.Attention;
import dev.llmj.rope.attention.AttentionShape;
import dev.llmj.rope.attention.KvCache;
import dev.llmj.rope.attention.ParallelFor;
import dev.llmj.tensor.LE;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/**
 * Test harness only: the smallest llama2.c forward pass (plain float loops) around this module's
 * {@link Attention}, so the schemes can be checked end to end against independent reference
 * numbers. It is not the runtime's forward pass and is not tuned; the runtime owns that.
 */
final class TinyLlamaHarness {
    final int dim, hidden, layers, heads, kvHeads, vocab, seqLen, headDim, kvDim;
    final float[] emb, rmsAtt, wq, wk, wv, wo, rmsFfn, w1, w2, w3, rmsFinal;
    private long cursor = 28;

    /** Loads a legacy (version 0) llama2.c checkpoint with a shared classifier. */
    TinyLlamaHarness(Path modelBin) throws IOException {
        try (Arena arena = Arena.ofConfined(); FileChannel ch = FileChannel.open(modelBin)) {
            MemorySegment m = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
            dim = m.get(LE.INT, 0);
            hidden = m.get(LE.INT, 4);
            layers = m.get(LE.INT, 8);
            heads = m.get(LE.INT, 12);
            kvHeads = m.get(LE.INT, 16);
            vocab = m.get(LE.INT, 20);
            seqLen = m.get(LE.INT, 24);
            if (vocab <= 0) throw new IllegalArgumentException("harness supports shared classifiers only");
            headDim = dim / heads;
            kvDim = kvHeads * headDim;
            emb = take(m, (long) vocab * dim);
            rmsAtt = take(m, (long) layers * dim);
            wq = take(m, (long) layers * dim * dim);
            wk = take(m, (long) layers * kvDim * dim);
            wv = take(m, (long) layers * kvDim * dim);
            wo = take(m, (long) layers * dim * dim);
            rmsFfn = take(m, (long) layers * dim);
            w1 = take(m, (long) layers * hidden * dim);
            w2 = take(m, (long) layers * dim * hidden);
            w3 = take(m, (long) layers * hidden * dim);
            rmsFinal = take(m, dim);
        }
    }

    private float[] take(MemorySegment m, long n) {
        float[] a = new float[Math.toIntExact(n)];
        MemorySegment.copy(m, LE.FLOAT, cursor, a, 0, a.length);
        cursor += 4 * n;
        return a;
    }

    /** out = W·x, W row-major d × n; four partial sums for speed (n is a multiple of 4 here). */
    private static void matmul(float[] out, int oOff, float[] x, int xOff, float[] w, int wOff, int n, int d) {
        assert n % 4 == 0;
        for (int i = 0; i < d; i++) {
            float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
            int row = wOff + i * n;
            for (int j = 0; j < n; j += 4) {
                s0 += w[row + j] * x[xOff + j];
                s1 += w[row + j + 1] * x[xOff + j + 1];
                s2 += w[row + j + 2] * x[xOff + j + 2];
                s3 += w[row + j + 3] * x[xOff + j + 3];
            }
            out[oOff + i] = (s0 + s1) + (s2 + s3);
        }
    }

    private static void rmsnorm(float[] out, int oOff, float[] x, int xOff, float[] w, int wOff, int n) {
        double ss = 0;
        for (int i = 0; i < n; i++) ss += x[xOff + i] * x[xOff + i];
        float s = (float) (1.0 / Math.sqrt(ss / n + 1e-5));
        for (int i = 0; i < n; i++) out[oOff + i] = w[wOff + i] * (s * x[xOff + i]);
    }

    /** Next-token natural-log losses for ids[1..n−1] (index t predicts ids[t+1]) and argmax hits. */
    record Scores(double[] nll, boolean[] hit) {}

    /** One prefill of the whole window under {@code scheme} (resolved at n = ids.length). */
    Scores score(RopeScheme scheme, int[] ids) {
        int n = ids.length;
        ResolvedRope rope = scheme.resolve(new RopeGeometry(headDim, 10000, seqLen, PairLayout.ADJACENT), n);
        AttentionShape shape = new AttentionShape(heads, kvHeads, headDim);
        float[] x = new float[n * dim];
        for (int t = 0; t < n; t++) System.arraycopy(emb, ids[t] * dim, x, t * dim, dim);
        float[] xn = new float[n * dim], q = new float[n * dim], k = new float[n * kvDim], v = new float[n * kvDim];
        float[] att = new float[n * dim], tmp = new float[dim], h1 = new float[hidden], h3 = new float[hidden];
        try (Arena arena = Arena.ofShared()) {    // shared: attention heads run on the common pool
            MemorySegment qs = arena.allocate(4L * q.length, 64), ks = arena.allocate(4L * k.length, 64);
            MemorySegment vs = arena.allocate(4L * v.length, 64), os = arena.allocate(4L * att.length, 64);
            for (int l = 0; l < layers; l++) {
                for (int t = 0; t < n; t++) {
                    rmsnorm(xn, t * dim, x, t * dim, rmsAtt, l * dim, dim);
                    matmul(q, t * dim, xn, t * dim, wq, l * dim * dim, dim, dim);
                    matmul(k, t * kvDim, xn, t * dim, wk, l * kvDim * dim, dim, kvDim);
                    matmul(v, t * kvDim, xn, t * dim, wv, l * kvDim * dim, dim, kvDim);
                }
                MemorySegment.copy(q, 0, qs, LE.FLOAT, 0, q.length);
                MemorySegment.copy(k, 0, ks, LE.FLOAT, 0, k.length);
                MemorySegment.copy(v, 0, vs, LE.FLOAT, 0, v.length);
                KvCache cache = KvCache.allocate(arena, shape, rope);
                Attention.forward(rope, cache, qs, ks, vs, 0, n, os, ParallelFor.COMMON_POOL);
                MemorySegment.copy(os, LE.FLOAT, 0, att, 0, att.length);
                for (int t = 0; t < n; t++) {
                    matmul(tmp, 0, att, t * dim, wo, l * dim * dim, dim, dim);
                    for (int i = 0; i < dim; i++) x[t * dim + i] += tmp[i];
                    rmsnorm(xn, t * dim, x, t * dim, rmsFfn, l * dim, dim);
                    matmul(h1, 0, xn, t * dim, w1, l * hidden * dim, dim, hidden);
                    matmul(h3, 0, xn, t * dim, w3, l * hidden * dim, dim, hidden);
                    for (int i = 0; i < hidden; i++) h1[i] = (float) (h1[i] / (1 + Math.exp(-h1[i]))) * h3[i];
                    matmul(tmp, 0, h1, 0, w2, l * dim * hidden, hidden, dim);
                    for (int i = 0; i < dim; i++) x[t * dim + i] += tmp[i];
                }
            }
        }
        double[] nll = new double[n - 1];
        boolean[] hit = new boolean[n - 1];
        float[] xf = new float[dim], logits = new float[vocab];
        for (int t = 0; t < n - 1; t++) {
            rmsnorm(xf, 0, x, t * dim, rmsFinal, 0, dim);
            matmul(logits, 0, xf, 0, emb, 0, dim, vocab);
            int argmax = 0;
            for (int i = 1; i < vocab; i++) if (logits[i] > logits[argmax]) argmax = i;
            double sum = 0;
            for (int i = 0; i < vocab; i++) sum += Math.exp(logits[i] - logits[argmax]);
            nll[t] = -(logits[ids[t + 1]] - logits[argmax] - Math.log(sum));
            hit[t] = argmax == ids[t + 1];
        }
        return new Scores(nll, hit);
    }
}
