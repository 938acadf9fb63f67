package dev.llmj.runtime.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmj.rope.attention.KvType;
import dev.llmj.runtime.generate.GenerationOptions;
import dev.llmj.runtime.generate.Generator;
import dev.llmj.runtime.generate.TokenListener;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Session lifecycle on the embedded model: context limits, bad ids, rewinding, sharing, closing. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SessionTest {
    private Model model;

    @BeforeAll
    void load() throws IOException {
        model = Model.load(Path.of("..", "models", "tinyshakespeare-f32.gguf"));
    }

    @AfterAll
    void close() {
        model.close();
    }

    @Test
    void aFullContextRaisesAnErrorThatSaysSo() {
        try (Session s = model.newSession(8)) {
            s.append(1, 383, 479, 489, 478);
            ContextFullException e = assertThrows(ContextFullException.class, () -> s.append(1, 2, 3, 4));
            assertTrue(e.getMessage().contains("context of 8 tokens is full"), e.getMessage());
            assertEquals(5, s.length(), "a refused append changes nothing");
            int[] prompt = model.tokenizer().encode("ROMEO:", true);
            try (Session g = model.newSession(10)) {
                ContextFullException gen = assertThrows(ContextFullException.class,
                        () -> Generator.generate(g, prompt, GenerationOptions.greedy(20), TokenListener.NONE));
                assertTrue(gen.getMessage().contains("--ctx"), gen.getMessage());
            }
        }
    }

    @Test
    void outOfRangeTokensAreRejectedByIndexAndValue() {
        try (Session s = model.newSession(8)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> s.append(1, 512));
            assertTrue(e.getMessage().contains("token id 512 at index 1"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> s.append(-1));
            assertEquals(0, s.length());
        }
        assertThrows(IllegalArgumentException.class, () -> model.newSession(0));
    }

    /**
     * An F16 cache rounds each cached key and value once (relative 2^−11). Over a 200-token
     * context the last logits moved by at most 4.8e−4 (measured 2026-11-24); the bound is 10×
     * that, and must not be 0 (then nothing was rounded). Greedy generation picks the same 40
     * tokens. The cache takes half the bytes.
     */
    @Test
    void anF16CacheTracksTheF32Cache() {
        int[] ids = new java.util.SplittableRandom(5).ints(200, 3, 512).toArray();
        try (Session f32 = model.newSession(256, model.config().ropeScheme(), KvType.F32);
             Session f16 = model.newSession(256, model.config().ropeScheme(), KvType.F16)) {
            float[] exact = f32.append(ids);
            float[] half = f16.append(ids);
            double max = 0;
            for (int i = 0; i < exact.length; i++) max = Math.max(max, Math.abs(exact[i] - half[i]));
            assertTrue(max > 0 && max < 5e-3, "max logit difference " + max);
            assertEquals(f32.kvCacheBytes(), 2 * f16.kvCacheBytes());
            assertEquals(KvType.F16, f16.kvType());
        }
        int[] prompt = model.tokenizer().encode("ROMEO:", true);
        try (Session f32 = model.newSession(64, model.config().ropeScheme(), KvType.F32);
             Session f16 = model.newSession(64, model.config().ropeScheme(), KvType.F16)) {
            assertArrayEquals(Generator.generate(f32, prompt, GenerationOptions.greedy(40), TokenListener.NONE).generatedIds(),
                    Generator.generate(f16, prompt, GenerationOptions.greedy(40), TokenListener.NONE).generatedIds());
        }
    }

    /**
     * A Q8_0 cache quantizes each cached key and value block once (error ≤ 1/254 of the block's
     * largest element, ~50× F16's rounding). Over a 200-token context the last logits moved by at
     * most 0.024 (measured 2026-11-24); the bound is 4× that, and must not be 0. Greedy generation
     * picked the same first 80 tokens; 40 are required. The cache takes 9/32 of F32's bytes (a
     * byte per element and a float per 32), plus 8 bytes of room per segment.
     */
    @Test
    void aQ8CacheTracksTheF32Cache() {
        int[] ids = new java.util.SplittableRandom(5).ints(200, 3, 512).toArray();
        try (Session f32 = model.newSession(256, model.config().ropeScheme(), KvType.F32);
             Session q8 = model.newSession(256, model.config().ropeScheme(), KvType.Q8_0)) {
            float[] exact = f32.append(ids);
            float[] quantized = q8.append(ids);
            double max = 0;
            for (int i = 0; i < exact.length; i++) max = Math.max(max, Math.abs(exact[i] - quantized[i]));
            assertTrue(max > 0 && max < 0.1, "max logit difference " + max);
            int segments = 2 * model.config().nLayers();
            assertEquals(f32.kvCacheBytes() * 9 / 32 + 8L * segments, q8.kvCacheBytes());
            assertEquals(KvType.Q8_0, q8.kvType());
        }
        int[] prompt = model.tokenizer().encode("ROMEO:", true);
        try (Session f32 = model.newSession(64, model.config().ropeScheme(), KvType.F32);
             Session q8 = model.newSession(64, model.config().ropeScheme(), KvType.Q8_0)) {
            assertArrayEquals(Generator.generate(f32, prompt, GenerationOptions.greedy(40), TokenListener.NONE).generatedIds(),
                    Generator.generate(q8, prompt, GenerationOptions.greedy(40), TokenListener.NONE).generatedIds());
        }
    }

    @Test
    void rewindingAndReEvaluatingGivesTheSameLogits() {
        try (Session s = model.newSession(16)) {
            s.append(1, 383, 479);
            float[] first = s.append(489); // decode path, as the re-evaluation below
            s.append(478, 479);
            s.rewind(3);
            assertArrayEquals(first, s.append(489), "same cache contents, same kernel: bit-identical logits");
        }
    }

    @Test
    void batchedPrefillIsDeterministicRunToRun() {
        int[] ids = new java.util.SplittableRandom(9).ints(200, 3, 512).toArray();
        float[][] runs = new float[3][];
        for (int r = 0; r < runs.length; r++) {
            float[] all = new float[ids.length * 512];
            try (Session s = model.newSession(256)) {
                s.appendAll(ids, (pos, seg, off) -> java.lang.foreign.MemorySegment.copy(
                        seg, java.lang.foreign.ValueLayout.JAVA_FLOAT, off, all, pos * 512, 512));
            }
            runs[r] = all;
        }
        assertArrayEquals(runs[0], runs[1], "same tokens, same logits, bit for bit");
        assertArrayEquals(runs[0], runs[2]);
    }

    @Test
    void sessionsShareTheModelAcrossThreads() throws Exception {
        int[][] prompts = {model.tokenizer().encode("ROMEO:", true), model.tokenizer().encode("JULIET:", true),
                model.tokenizer().encode("KING", true), model.tokenizer().encode("First Citizen:", true)};
        List<int[]> alone = new ArrayList<>();
        for (int[] p : prompts) {
            try (Session s = model.newSession(64)) {
                alone.add(Generator.generate(s, p, GenerationOptions.greedy(20), TokenListener.NONE).generatedIds());
            }
        }
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<int[]>> futures = new ArrayList<>();
            for (int round = 0; round < 3; round++) {
                for (int[] p : prompts) {
                    futures.add(pool.submit(() -> {
                        try (Session s = model.newSession(64)) {
                            return Generator.generate(s, p, GenerationOptions.greedy(20), TokenListener.NONE).generatedIds();
                        }
                    }));
                }
            }
            for (int i = 0; i < futures.size(); i++) {
                assertArrayEquals(alone.get(i % prompts.length), futures.get(i).get(), "concurrent run " + i);
            }
        } finally {
            pool.shutdown();
        }
    }

    @Test
    void aClosedSessionOrModelFailsCleanly() throws IOException {
        Session s = model.newSession(8);
        s.close();
        assertThrows(IllegalStateException.class, () -> s.append(1));
        Model m = Model.load(Path.of("..", "models", "tinyshakespeare-f32.gguf"));
        Session live = m.newSession(8);
        m.close();
        assertThrows(IllegalStateException.class, () -> live.append(1));
        live.close();
    }
}
