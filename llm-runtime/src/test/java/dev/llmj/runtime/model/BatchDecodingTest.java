package dev.llmj.runtime.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.llmj.kernels.Kernels;
import dev.llmj.rope.attention.KvType;
import dev.llmj.runtime.generate.BatchTokenListener;
import dev.llmj.runtime.generate.GenerationOptions;
import dev.llmj.runtime.generate.GenerationResult;
import dev.llmj.runtime.generate.Generator;
import dev.llmj.runtime.generate.TokenListener;
import dev.llmj.runtime.sampling.SamplerConfig;
import dev.llmj.testsupport.SharedAssets;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Batched decoding gives every sequence exactly what it gets alone: the same greedy tokens and the
 * same logits bit for bit (the batched GEMV repeats GEMV's arithmetic per vector, everything else
 * runs per row). Prompts differ in text and length, so the sequences sit at different positions of
 * their caches in every step.
 */
class BatchDecodingTest {
    private static final String[] PROMPTS = {
        "ROMEO:", "JULIET:\nO Romeo", "First Citizen:\nBefore we proceed any further, hear me speak.",
        "KING", "To be", "MENENIUS:\nWhat work's, my countrymen, in hand? where go you",
        "Thou", "LADY CAPULET:\nWhat noise is here?",
    };

    private static List<int[]> prompts(Model m, int b) {
        List<int[]> out = new ArrayList<>();
        for (int i = 0; i < b; i++) {
            out.add(m.tokenizer().encode(PROMPTS[i], true));
        }
        return out;
    }

    /** B = 1..8 on the shared model, with the vector kernels and their scalar twins. */
    @ParameterizedTest
    @CsvSource({"vector", "scalar"})
    void greedyBatchesOfOneToEightEqualEachSequenceAlone(String kernels) throws IOException {
        Kernels k = kernels.equals("vector") ? Kernels.get() : Kernels.scalar();
        try (Model m = Model.load(SharedAssets.require("models/tinyshakespeare/model.bin"), null, k)) {
            checkBatches(m, 16);
        }
    }

    /**
     * Quantized weights (llama.cpp's files of a small model). The K-quants' decoding runs on their
     * interleaved copies, whose rows are lanes with integer block sums and one fma chain each, so
     * a batch cannot change a bit either; their q, k, v and gate, up run as one job per set, Q4_K
     * beside Q6_K in Q4_K_M's layers.
     */
    @ParameterizedTest
    @CsvSource({"kq-Q8_0", "kq-Q4_0", "kq-Q4_K_M", "kq-Q6_K"})
    void quantizedBatchesEqualEachSequenceAlone(String name) throws IOException {
        Path file = SharedAssets.require("reference/quants/" + name + ".gguf");
        try (Model m = Model.load(file)) {
            checkBatches(m, 8);
        }
    }

    private static void checkBatches(Model m, int maxTokens) {
        // stopAtEos off: every sequence runs all steps, so late steps still batch many of them
        GenerationOptions opts = new GenerationOptions(maxTokens, SamplerConfig.greedy(), List.of(), false);
        int ctx = 96;
        List<int[]> all = prompts(m, 8);
        int[][] alone = new int[8][];
        for (int i = 0; i < 8; i++) {
            try (Session s = m.newSession(ctx)) {
                alone[i] = Generator.generate(s, all.get(i), opts, TokenListener.NONE).generatedIds();
            }
        }
        for (int b = 1; b <= 8; b++) {
            List<Session> sessions = new ArrayList<>();
            try {
                for (int i = 0; i < b; i++) {
                    sessions.add(m.newSession(ctx));
                }
                List<int[]> streamed = new ArrayList<>();
                int[] counts = new int[b];
                for (int i = 0; i < b; i++) {
                    streamed.add(new int[maxTokens]);
                }
                BatchTokenListener listener = (seq, id, text) -> streamed.get(seq)[counts[seq]++] = id;
                List<GenerationResult> rs = Generator.generateBatch(sessions, all.subList(0, b), opts, listener);
                for (int i = 0; i < b; i++) {
                    assertArrayEquals(alone[i], rs.get(i).generatedIds(), m + " b=" + b + " sequence " + i);
                    assertArrayEquals(alone[i], java.util.Arrays.copyOf(streamed.get(i), counts[i]), "streamed ids");
                    assertEquals(all.get(i).length + maxTokens - 1, sessions.get(i).length());
                }
            } finally {
                sessions.forEach(Session::close);
            }
        }
    }

    /**
     * Logits themselves, not only their argmax: a batched step equals each session's own append,
     * with either KV cache type.
     */
    @ParameterizedTest
    @EnumSource(KvType.class)
    void batchedLogitsEqualSingleLogitsBitForBit(KvType type) throws IOException {
        try (Model m = Model.load(SharedAssets.require("models/tinyshakespeare/model.bin"));
             BatchDecoder d = new BatchDecoder(m, 5)) {
            List<int[]> ps = prompts(m, 5);
            List<Session> batch = new ArrayList<>();
            List<Session> single = new ArrayList<>();
            try {
                for (int i = 0; i < 5; i++) {
                    batch.add(m.newSession(64, m.config().ropeScheme(), type));
                    single.add(m.newSession(64, m.config().ropeScheme(), type));
                    batch.get(i).append(ps.get(i));
                    single.get(i).append(ps.get(i));
                }
                int[] ids = {5, 300, 17, 499, 42};
                float[][] got = d.step(batch, ids);
                for (int i = 0; i < 5; i++) {
                    float[] want = single.get(i).append(ids[i]);
                    for (int v = 0; v < want.length; v++) {
                        assertEquals(Float.floatToRawIntBits(want[v]), Float.floatToRawIntBits(got[i][v]),
                                "session " + i + " logit " + v);
                    }
                    assertArrayEquals(single.get(i).tokens(), batch.get(i).tokens());
                }
            } finally {
                batch.forEach(Session::close);
                single.forEach(Session::close);
            }
        }
    }

    @Test
    void badBatchesAreRejectedBeforeAnythingIsEvaluated() throws IOException {
        try (Model m = Model.load(SharedAssets.require("models/tinyshakespeare/model.bin"));
             BatchDecoder d = new BatchDecoder(m, 2);
             Session a = m.newSession(4); Session b = m.newSession(1); Session c = m.newSession(4)) {
            assertThrows(IllegalArgumentException.class, () -> d.step(List.of(a, a), new int[] {1, 2}));
            assertThrows(IllegalArgumentException.class, () -> d.step(List.of(a), new int[] {1, 2}));
            assertThrows(IllegalArgumentException.class, () -> d.step(List.of(a, c, b), new int[] {1, 2, 3}));
            assertThrows(IllegalArgumentException.class, () -> d.step(List.of(a), new int[] {-1}));
            b.append(1);
            assertThrows(ContextFullException.class, () -> d.step(List.of(a, b), new int[] {1, 2}));
            assertEquals(0, a.length(), "nothing evaluated for a rejected batch");
        }
    }
}
