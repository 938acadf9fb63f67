package dev.llmj.runtime.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmj.kernels.Kernels;
import dev.llmj.runtime.sampling.Sampler;
import dev.llmj.tensor.DType;
import dev.llmj.tensor.Tensor;
import dev.llmj.tensor.gguf.GgufArray;
import dev.llmj.tensor.gguf.GgufWriter;
import dev.llmj.testsupport.SharedAssets;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The runtime against {@link NaiveTransformer} (float64, no shared arithmetic) on models the
 * shared references do not cover: llama.cpp-quantized llama models of every dtype, and a
 * synthetic qwen2 model (q/k/v biases, NeoX pair layout, grouped-query attention).
 */
class NaiveAgreementTest {
    @TempDir
    Path tmp;

    private static final int[] TOKENS = {1, 77, 300, 12, 5, 411, 260, 99, 13, 13, 480, 2, 7, 150, 151, 152, 3, 66, 270, 301};

    /**
     * max over positions and tokens of |ours − naive|, the largest |naive logit| and at how many
     * positions the argmax agrees. {@code decode}: tokens go in one at a time (GEMV path, and the naive side
     * rounds activations for Q4_0/Q8_0/Q4_K/Q6_K matrices as the runtime does when {@code q8ForInterleaved}), else as
     * one prefill batch (GEMM path).
     */
    private static double[] compare(Model m, int[] tokens, boolean decode, boolean q8ForInterleaved) {
        double[][] naive = new NaiveTransformer(m, q8ForInterleaved).logits(tokens);
        int vocab = m.config().vocabSize();
        double[] worstAt = new double[tokens.length];
        double scale = 0;
        for (double[] row : naive) {
            for (double v : row) {
                scale = Math.max(scale, Math.abs(v));
            }
        }
        int[] argmaxAgree = {0};
        try (Session s = m.newSession(tokens.length)) {
            LogitsCheck check = (pos, seg, off) -> {
                int ours = 0;
                int theirs = 0;
                for (int v = 0; v < vocab; v++) {
                    float x = seg.get(ValueLayout.JAVA_FLOAT, off + 4L * v);
                    worstAt[pos] = Math.max(worstAt[pos], Math.abs(x - naive[pos][v]));
                    if (x > seg.get(ValueLayout.JAVA_FLOAT, off + 4L * ours)) {
                        ours = v;
                    }
                    if (naive[pos][v] > naive[pos][theirs]) {
                        theirs = v;
                    }
                }
                argmaxAgree[0] += ours == theirs ? 1 : 0;
            };
            if (decode) {
                for (int t = 0; t < tokens.length; t++) {
                    float[] l = s.append(tokens[t]);
                    check.accept(t, MemorySegment.ofArray(l), 0);
                }
            } else {
                s.appendAll(tokens, check::accept);
            }
        }
        double worst = 0;
        for (double w : worstAt) {
            worst = Math.max(worst, w);
        }
        return new double[] {worst, scale, argmaxAgree[0]};
    }

    private static double[] compare(Model m, int[] tokens, boolean decode) {
        return compare(m, tokens, decode, false);
    }

    private interface LogitsCheck {
        void accept(int pos, MemorySegment seg, long off);
    }

    /**
     * Prefill's float GEMM dequantizes weight panels to F32 exactly as the naive side does, so both
     * differ only by float32 rounding: a few ulps per operation over dots of ≤ 768 terms and two
     * layers, far below 1e-5 of the largest logit (observed ≈ 6e-7). Interleaved copies turned off
     * here: on its copies Q4_0 runs with Q8_0 activations in prefill too (see
     * {@link #interleavedQ4_0PrefillAgreesWithTheNaiveReferenceRoundingAlike}).
     */
    @ParameterizedTest
    @ValueSource(strings = {"kq-f32", "kq-Q8_0", "kq-Q4_0", "kq-Q6_K", "kq-Q4_K_M"})
    void prefillOfLlamaCppQuantizedModelsAgreesWithTheNaiveReference(String name) throws IOException {
        Path file = SharedAssets.require("reference/quants/" + name + ".gguf");
        try (Model m = Model.load(file, null, Kernels.get(), false)) {
            double[] r = compare(m, TOKENS, false);
            assertTrue(r[0] <= 1e-5 * r[1], name + ": max |ours − naive| = " + r[0] + " with max |logit| " + r[1]);
            assertEquals(TOKENS.length, (int) r[2], name + ": argmax disagrees");
        }
    }

    /**
     * Decode (the batched GEMV with one vector) dequantizes weight blocks and keeps activations in
     * F32, like prefill, so the same float32-rounding bound applies: 1e-5 of the largest logit.
     * Interleaved copies turned off here (Q4_0, Q8_0, Q4_K and Q6_K on the float kernels); see the next test.
     */
    @ParameterizedTest
    @ValueSource(strings = {"kq-f32", "kq-Q8_0", "kq-Q4_0", "kq-Q6_K", "kq-Q4_K_M"})
    void decodeOfLlamaCppQuantizedModelsAgreesWithTheNaiveReference(String name) throws IOException {
        Path file = SharedAssets.require("reference/quants/" + name + ".gguf");
        try (Model m = Model.load(file, null, Kernels.get(), false)) {
            double[] r = compare(m, TOKENS, true);
            assertTrue(r[0] <= 1e-5 * r[1], name + ": max |ours − naive| = " + r[0] + " with max |logit| " + r[1]);
            assertEquals(TOKENS.length, (int) r[2], name + ": argmax disagrees");
        }
    }

    /**
     * Q4_0, Q8_0, Q4_K and Q6_K decode on the interleaved kernels round each activation block to Q8_0 first,
     * and the naive side rounds its own (float64) activations the same way. The two agree to float
     * rounding until an activation lands within their float error of a rounding boundary; then
     * they may round it to neighbouring steps (a jump of max|block| / 127 in one value), and since
     * the jump reaches the KV cache, every later position differs too. On kq-Q4_0 that first
     * happens at position 7 of 20, after which the logits differ by up to 0.7 % of the largest
     * one. So the bound here is 2 % and the argmax everywhere the same: it catches a wrong nibble,
     * scale or layout (tens of percent), not rounding detail, which the kernel properties pin bit
     * for bit against the scalar specifications.
     */
    @ParameterizedTest
    @ValueSource(strings = {"kq-Q4_0", "kq-Q8_0", "kq-Q6_K", "kq-Q4_K_M"})
    void interleavedDecodeWithQ8ActivationsAgreesWithTheNaiveReferenceRoundingAlike(String name) throws IOException {
        Path file = SharedAssets.require("reference/quants/" + name + ".gguf");
        try (Model m = Model.load(file, null, Kernels.get(), true)) {
            assertTrue(m.projections().interleavedCount() > 0, name + ": no matrix was interleaved");
            double[] r = compare(m, TOKENS, true, true);
            assertTrue(r[0] <= 2e-2 * r[1], name + ": max |ours − naive| = " + r[0] + " with max |logit| " + r[1]);
            assertEquals(TOKENS.length, (int) r[2], name + ": argmax disagrees");
        }
    }

    /**
     * Prefill on Q4_0 copies rounds activations to Q8_0 as decode does, so the bound and the
     * reason for it are those of the decode test above: the naive side rounds alike, and the two
     * part only where an activation sits within float error of a rounding boundary. (The naive side
     * also rounds the classifier's input, a Q6_K matrix that prefill multiplies with F32
     * activations: a difference of the same kind and size.)
     */
    @Test
    void interleavedQ4_0PrefillAgreesWithTheNaiveReferenceRoundingAlike() throws IOException {
        Path file = SharedAssets.require("reference/quants/kq-Q4_0.gguf");
        try (Model m = Model.load(file, null, Kernels.get(), true)) {
            double[] r = compare(m, TOKENS, false, true);
            assertTrue(r[0] <= 2e-2 * r[1], "kq-Q4_0: max |ours − naive| = " + r[0] + " with max |logit| " + r[1]);
            assertEquals(TOKENS.length, (int) r[2], "kq-Q4_0: argmax disagrees");
        }
    }

    /**
     * On Q4_0 copies a prefill GEMM row is the decode GEMV's result bit for bit (the same Q8_0
     * activations, exact integer block sums and fma chain), so every layer's output, and the KV
     * cache, are the same whether a prompt goes in at once or a token at a time; the last
     * position's logits (one row: the classifier's GEMV either way) are then the same bits.
     */
    @Test
    void aQ4_0PromptPrefilledOrDecodedGivesTheSameBits() throws IOException {
        Path file = SharedAssets.require("reference/quants/kq-Q4_0.gguf");
        for (Kernels k : new Kernels[] {Kernels.get(), Kernels.scalar()}) {
            try (Model m = Model.load(file, null, k, true)) {
                float[] prefilled;
                float[] decoded = null;
                try (Session s = m.newSession(TOKENS.length)) {
                    prefilled = s.append(TOKENS);
                }
                try (Session s = m.newSession(TOKENS.length)) {
                    for (int t : TOKENS) {
                        decoded = s.append(t);
                    }
                }
                for (int v = 0; v < prefilled.length; v++) {
                    assertEquals(Float.floatToIntBits(decoded[v]), Float.floatToIntBits(prefilled[v]), k + ": logit " + v);
                }
            }
        }
    }

    /**
     * Prefill reads the interleaved copies, so the sources' pages can
     * go; each float GEMM element is the same fma chain of the same values, so a prompt's logits
     * are the same bits with the copies as without them. (Q4_0's copies run with Q8_0 activations,
     * see {@link #aQ4_0PromptPrefilledOrDecodedGivesTheSameBits}; that they are read and the
     * sources released is checked here too.)
     */
    @ParameterizedTest
    @ValueSource(strings = {"kq-Q8_0", "kq-Q4_K_M"})
    void prefillOnTheInterleavedCopiesGivesTheSourcesBits(String name) throws IOException {
        Path file = SharedAssets.require("reference/quants/" + name + ".gguf");
        try (Model on = Model.load(file, null, Kernels.get(), true); Model off = Model.load(file, null, Kernels.get(), false)) {
            assertTrue(on.interleavedMatrices() > 0, name + ": no matrix was interleaved");
            // the sources' pages went back to the OS (Linux), and none without copies
            assertTrue(on.releasedSourceBytes() > 0 || !System.getProperty("os.name").toLowerCase().contains("linux"),
                    name + ": no source page released");
            assertEquals(0, off.releasedSourceBytes(), name + ": released without copies");
            int vocab = on.config().vocabSize();
            float[][] withCopies = new float[TOKENS.length][];
            try (Session s1 = on.newSession(TOKENS.length); Session s2 = off.newSession(TOKENS.length)) {
                s1.appendAll(TOKENS, (pos, seg, off0) -> withCopies[pos] = logits(seg, off0, vocab));
                s2.appendAll(TOKENS, (pos, seg, off0) -> {
                    float[] want = logits(seg, off0, vocab);
                    for (int v = 0; v < vocab; v++) {
                        assertEquals(Float.floatToIntBits(want[v]), Float.floatToIntBits(withCopies[pos][v]),
                                name + ": position " + pos + ", logit " + v);
                    }
                });
            }
        }
    }

    private static float[] logits(MemorySegment seg, long off, int vocab) {
        return seg.asSlice(off, 4L * vocab).toArray(ValueLayout.JAVA_FLOAT);
    }

    /**
     * Vector and scalar kernels run the same quantized arithmetic: only summation order differs,
     * by float rounding (1e-4 of the largest logit). Where activations are rounded to Q8_0 (Q4_0's
     * copies) such a difference can move an activation across a rounding boundary, a step of
     * 1/127 of its block's largest value, so there the bound is the 2 % of the naive tests with the
     * argmax everywhere the same; the float path for Q4_0 (copies off) keeps the tight one.
     */
    @ParameterizedTest
    @CsvSource({"kq-f32, true, 1e-4", "kq-Q8_0, true, 1e-4", "kq-Q4_0, false, 1e-4", "kq-Q4_0, true, 2e-2",
            "kq-Q4_K_M, true, 1e-4"})
    void vectorAndScalarKernelsGiveTheSameLogits(String name, boolean interleave, double bound) throws IOException {
        Path file = SharedAssets.require("reference/quants/" + name + ".gguf");
        try (Model v = Model.load(file, null, Kernels.get(), interleave);
                Model s = Model.load(file, null, Kernels.scalar(), interleave)) {
            float[] a;
            float[] b;
            try (Session sv = v.newSession(TOKENS.length); Session ss = s.newSession(TOKENS.length)) {
                a = sv.append(TOKENS);
                b = ss.append(TOKENS);
            }
            double scale = 0;
            double worst = 0;
            for (int i = 0; i < a.length; i++) {
                scale = Math.max(scale, Math.abs(b[i]));
                worst = Math.max(worst, Math.abs(a[i] - b[i]));
            }
            assertTrue(worst <= bound * scale, name + ": vector vs scalar " + worst + " (scale " + scale + ")");
            assertEquals(Sampler.argmax(b), Sampler.argmax(a), name + ": argmax");
        }
    }

    @Test
    void syntheticQwen2WithBiasesAndNeoxPairsAgrees() throws IOException {
        Path file = writeQwen2(tmp.resolve("qwen2.gguf"));
        try (Model m = Model.load(file)) {
            assertEquals("qwen2", m.config().architecture());
            assertTrue(m.weights().layers().get(0).bq() != null);
            int[] tokens = {1, 5, 9, 30, 31, 2, 17, 8, 8, 39, 3, 21};
            double[] r = compare(m, tokens, false);
            assertTrue(r[0] <= 1e-4 * r[1], "max |ours − naive| = " + r[0] + " with max |logit| " + r[1]);
        }
    }

    /** A random qwen2 GGUF: dim 64, 4 heads of 16 over 2 kv heads, hidden 96, 2 layers, 40 tokens. */
    static Path writeQwen2(Path file) throws IOException {
        int dim = 64, hidden = 96, layers = 2, heads = 4, kv = 2, vocab = 40, head = dim / heads;
        Random rnd = new Random(3);
        GgufWriter w = new GgufWriter();
        w.putString("general.architecture", "qwen2");
        w.putUint32("qwen2.context_length", 64);
        w.putUint32("qwen2.embedding_length", dim);
        w.putUint32("qwen2.feed_forward_length", hidden);
        w.putUint32("qwen2.block_count", layers);
        w.putUint32("qwen2.attention.head_count", heads);
        w.putUint32("qwen2.attention.head_count_kv", kv);
        w.putFloat32("qwen2.rope.freq_base", 1000000f);
        w.putFloat32("qwen2.attention.layer_norm_rms_epsilon", 1e-6f);
        List<String> tokens = new ArrayList<>(List.of("<unk>", "<s>", "</s>"));
        for (int i = 3; i < vocab; i++) {
            tokens.add("▁" + (char) ('a' + (i - 3) % 26) + (i - 3) / 26);
        }
        w.putString("tokenizer.ggml.model", "llama");
        w.putArray("tokenizer.ggml.tokens", GgufArray.ofStrings(tokens));
        w.putArray("tokenizer.ggml.scores", GgufArray.ofFloats(new float[vocab]));
        int[] types = new int[vocab];
        java.util.Arrays.fill(types, 1);
        types[0] = 2;
        types[1] = 3;
        types[2] = 3;
        w.putArray("tokenizer.ggml.token_type", GgufArray.ofInts(types));
        try (Arena arena = Arena.ofConfined()) {
            w.addTensor("token_embd.weight", random(arena, rnd, 1f, vocab, dim));
            for (int l = 0; l < layers; l++) {
                String p = "blk." + l + ".";
                w.addTensor(p + "attn_norm.weight", norm(arena, rnd, dim));
                w.addTensor(p + "attn_q.weight", random(arena, rnd, 0.15f, dim, dim));
                w.addTensor(p + "attn_q.bias", random(arena, rnd, 0.5f, dim));
                w.addTensor(p + "attn_k.weight", random(arena, rnd, 0.15f, kv * head, dim));
                w.addTensor(p + "attn_k.bias", random(arena, rnd, 0.5f, kv * head));
                w.addTensor(p + "attn_v.weight", random(arena, rnd, 0.15f, kv * head, dim));
                w.addTensor(p + "attn_v.bias", random(arena, rnd, 0.5f, kv * head));
                w.addTensor(p + "attn_output.weight", random(arena, rnd, 0.1f, dim, dim));
                w.addTensor(p + "ffn_norm.weight", norm(arena, rnd, dim));
                w.addTensor(p + "ffn_gate.weight", random(arena, rnd, 0.15f, hidden, dim));
                w.addTensor(p + "ffn_up.weight", random(arena, rnd, 0.15f, hidden, dim));
                w.addTensor(p + "ffn_down.weight", random(arena, rnd, 0.1f, dim, hidden));
            }
            w.addTensor("output_norm.weight", norm(arena, rnd, dim));
            w.addTensor("output.weight", random(arena, rnd, 0.2f, vocab, dim));
            w.write(file);
        }
        return file;
    }

    private static Tensor random(Arena arena, Random rnd, float sigma, long... shape) {
        Tensor t = Tensor.allocate(arena, DType.F32, shape);
        MemorySegment s = t.segment();
        for (long i = 0; i < t.elementCount(); i++) {
            s.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) rnd.nextGaussian() * sigma);
        }
        return t;
    }

    private static Tensor norm(Arena arena, Random rnd, int n) {
        Tensor t = Tensor.allocate(arena, DType.F32, n);
        for (int i = 0; i < n; i++) {
            t.setFloat(1f + 0.2f * (float) rnd.nextGaussian(), i);
        }
        return t;
    }
}
