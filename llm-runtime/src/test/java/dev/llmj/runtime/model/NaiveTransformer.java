package dev.llmj.runtime.model;

import dev.llmj.rope.PairLayout;
import dev.llmj.tensor.DType;
import dev.llmj.tensor.HalfFloats;
import dev.llmj.tensor.Tensor;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;

/**
 * A deliberately naive float64 Llama/Qwen2 forward pass over dequantized weights: plain arrays,
 * full attention recomputed for every position, rotary angles computed directly. It shares no
 * code with the runtime beyond reading weights, so agreement checks the runtime's arithmetic.
 * Plain RoPE only.
 *
 * <p>With {@code q8ActivationsForInterleaved}, products with Q4_0, Q8_0, Q4_K and Q6_K matrices first round the activations
 * as llama.cpp's {@code quantize_row_q8_0} does (per 32-element block: d = max|x| / 127 stored as
 * binary16, x ≈ d · round(x / d)), which is what the runtime's decode does for those weights.
 */
final class NaiveTransformer {
    private final ModelConfig c;
    private final double[][] embed;
    private final double[][] out;
    private final double[] outNorm;
    private final Layer[] layers;
    /** Matrices whose products see Q8_0-rounded activations. */
    private final Set<double[][]> q8Activations = Collections.newSetFromMap(new IdentityHashMap<>());
    private final boolean q8ActivationsForInterleaved;

    private record Layer(double[] attnNorm, double[][] wq, double[][] wk, double[][] wv, double[][] wo,
                         double[] bq, double[] bk, double[] bv, double[] ffnNorm, double[][] gate, double[][] down,
                         double[][] up) {}

    NaiveTransformer(Model m) {
        this(m, false);
    }

    NaiveTransformer(Model m, boolean q8ActivationsForInterleaved) {
        this.q8ActivationsForInterleaved = q8ActivationsForInterleaved;
        c = m.config();
        ModelWeights w = m.weights();
        embed = matrix(w.tokenEmbedding());
        out = matrix(w.output());
        outNorm = vector(w.outputNorm());
        layers = new Layer[c.nLayers()];
        for (int i = 0; i < layers.length; i++) {
            LayerWeights l = w.layers().get(i);
            layers[i] = new Layer(vector(l.attnNorm()), matrix(l.wq()), matrix(l.wk()), matrix(l.wv()), matrix(l.wo()),
                    vector(l.bq()), vector(l.bk()), vector(l.bv()), vector(l.ffnNorm()), matrix(l.ffnGate()),
                    matrix(l.ffnDown()), matrix(l.ffnUp()));
        }
    }

    private static double[] vector(Tensor t) {
        if (t == null) {
            return null;
        }
        float[] f = t.toFloatArray();
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }

    private double[][] matrix(Tensor t) {
        float[] f = t.toFloatArray();
        int rows = (int) t.dim(0);
        int cols = (int) t.dim(1);
        double[][] m = new double[rows][cols];
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < cols; j++) {
                m[r][j] = f[r * cols + j];
            }
        }
        if (q8ActivationsForInterleaved && (t.dtype() == DType.Q4_0 || t.dtype() == DType.Q8_0 || t.dtype() == DType.Q4_K
                || t.dtype() == DType.Q6_K)) {
            q8Activations.add(m);
        }
        return m;
    }

    private double[] matVec(double[][] w, double[] x) {
        if (q8Activations.contains(w)) {
            x = q8Rounded(x);
        }
        double[] y = new double[w.length];
        for (int r = 0; r < w.length; r++) {
            double s = 0;
            for (int j = 0; j < x.length; j++) {
                s += w[r][j] * x[j];
            }
            y[r] = s;
        }
        return y;
    }

    /** x as llama.cpp's Q8_0 activation blocks hold it (float arithmetic, as in its quantizer). */
    static double[] q8Rounded(double[] x) {
        double[] out = new double[x.length];
        for (int b = 0; b < x.length; b += 32) {
            float amax = 0;
            for (int i = b; i < b + 32; i++) {
                amax = Math.max(amax, Math.abs((float) x[i]));
            }
            float d = amax / 127f;
            float id = d != 0 ? 1f / d : 0f;
            double stored = HalfFloats.f16ToFloat(HalfFloats.floatToF16(d));
            for (int i = b; i < b + 32; i++) {
                float v = (float) x[i] * id;
                out[i] = stored * Math.signum(v) * Math.floor(Math.abs((double) v) + 0.5); // half away from zero
            }
        }
        return out;
    }

    private double[] rmsnorm(double[] x, double[] g) {
        double ss = 0;
        for (double v : x) {
            ss += v * v;
        }
        double inv = 1 / Math.sqrt(ss / x.length + c.normEps());
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = x[i] * inv * g[i];
        }
        return y;
    }

    private void rotate(double[] v, int heads, int pos) {
        int hd = c.headDim();
        int d = c.ropeDims();
        // Decided here from the architecture, not read from the config under test: llama.cpp
        // rotates adjacent pairs for llama and NeoX-style halves for qwen2.
        PairLayout layout = c.architecture().equals("qwen2") ? PairLayout.HALVES : PairLayout.ADJACENT;
        for (int h = 0; h < heads; h++) {
            for (int j = 0; j < d / 2; j++) {
                double angle = pos * Math.pow(c.ropeBase(), -2.0 * j / d);
                int a = h * hd + (layout == PairLayout.ADJACENT ? 2 * j : j);
                int b = h * hd + (layout == PairLayout.ADJACENT ? 2 * j + 1 : j + d / 2);
                double x0 = v[a];
                double x1 = v[b];
                v[a] = x0 * Math.cos(angle) - x1 * Math.sin(angle);
                v[b] = x0 * Math.sin(angle) + x1 * Math.cos(angle);
            }
        }
    }

    private static void add(double[] a, double[] b) {
        if (b != null) {
            for (int i = 0; i < a.length; i++) {
                a[i] += b[i];
            }
        }
    }

    /** Logits predicting the token after each position of {@code tokens}. */
    double[][] logits(int[] tokens) {
        int n = tokens.length;
        int hd = c.headDim();
        double[][] x = new double[n][];
        for (int t = 0; t < n; t++) {
            x[t] = embed[tokens[t]].clone();
        }
        for (Layer l : layers) {
            double[][] q = new double[n][];
            double[][] k = new double[n][];
            double[][] v = new double[n][];
            for (int t = 0; t < n; t++) {
                double[] h = rmsnorm(x[t], l.attnNorm());
                q[t] = matVec(l.wq(), h);
                k[t] = matVec(l.wk(), h);
                v[t] = matVec(l.wv(), h);
                add(q[t], l.bq());
                add(k[t], l.bk());
                add(v[t], l.bv());
                rotate(q[t], c.nHeads(), t);
                rotate(k[t], c.nKvHeads(), t);
            }
            int group = c.nHeads() / c.nKvHeads();
            for (int t = 0; t < n; t++) {
                double[] att = new double[c.queryDim()];
                for (int h = 0; h < c.nHeads(); h++) {
                    int kvh = h / group;
                    double[] s = new double[t + 1];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j <= t; j++) {
                        double dot = 0;
                        for (int e = 0; e < hd; e++) {
                            dot += q[t][h * hd + e] * k[j][kvh * hd + e];
                        }
                        s[j] = dot / Math.sqrt(hd);
                        max = Math.max(max, s[j]);
                    }
                    double z = 0;
                    for (int j = 0; j <= t; j++) {
                        s[j] = Math.exp(s[j] - max);
                        z += s[j];
                    }
                    for (int j = 0; j <= t; j++) {
                        for (int e = 0; e < hd; e++) {
                            att[h * hd + e] += s[j] / z * v[j][kvh * hd + e];
                        }
                    }
                }
                add(x[t], matVec(l.wo(), att));
            }
            for (int t = 0; t < n; t++) {
                double[] h = rmsnorm(x[t], l.ffnNorm());
                double[] g = matVec(l.gate(), h);
                double[] u = matVec(l.up(), h);
                for (int i = 0; i < g.length; i++) {
                    g[i] = g[i] / (1 + Math.exp(-g[i])) * u[i];
                }
                add(x[t], matVec(l.down(), g));
            }
        }
        double[][] logits = new double[n][];
        for (int t = 0; t < n; t++) {
            logits[t] = matVec(out, rmsnorm(x[t], outNorm));
        }
        return logits;
    }
}
