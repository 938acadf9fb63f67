package dev.llmj.runtime.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmj.runtime.generate.GenerationOptions;
import dev.llmj.runtime.generate.Generator;
import dev.llmj.runtime.generate.TokenListener;
import dev.llmj.runtime.sampling.SamplerConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class DecodeBatcherTest {
    private static final Path EMBEDDED = Path.of("..", "models", "tinyshakespeare-f32.gguf");

    @Test
    void concurrentSessionsBatchAndGenerateExactlyWhatTheyGenerateAlone() throws Exception {
        String[] prompts = {"ROMEO:", "JULIET:", "KING RICHARD III:", "First Citizen:", "O", "MENENIUS:"};
        try (Model model = Model.load(EMBEDDED); DecodeBatcher batcher = new DecodeBatcher(model, 8)) {
            List<int[]> alone = new ArrayList<>();
            for (int i = 0; i < prompts.length; i++) {
                try (Session s = model.newSession(128)) {
                    alone.add(Generator.generate(s, model.tokenizer().encode(prompts[i], true), options(i),
                            TokenListener.NONE).generatedIds());
                }
            }
            ExecutorService pool = Executors.newFixedThreadPool(prompts.length);
            CyclicBarrier start = new CyclicBarrier(prompts.length);
            try {
                List<Future<int[]>> runs = new ArrayList<>();
                for (int i = 0; i < prompts.length; i++) {
                    int index = i;
                    runs.add(pool.submit(() -> {
                        try (Session s = model.newSession(128)) {
                            int[] ids = model.tokenizer().encode(prompts[index], true);
                            start.await();
                            return Generator.generate(s, ids, options(index), TokenListener.NONE, batcher::step)
                                    .generatedIds();
                        }
                    }));
                }
                for (int i = 0; i < prompts.length; i++) {
                    assertArrayEquals(alone.get(i), runs.get(i).get(), "sequence " + i + " batched vs alone");
                }
            } finally {
                pool.shutdown();
            }
            assertTrue(batcher.largestBatch() > 1, "concurrent steps were batched (largest batch "
                    + batcher.largestBatch() + ", " + batcher.tokens() + " tokens in " + batcher.steps() + " steps)");
        }
    }

    /** Greedy for even sequences, seeded sampling for odd ones: both must be unchanged by batching. */
    private static GenerationOptions options(int i) {
        SamplerConfig sampler = i % 2 == 0 ? SamplerConfig.greedy() : new SamplerConfig(0.9f, 40, 0.95f, 0.05f, 1.1f, 64, 77 + i);
        return new GenerationOptions(40, sampler, List.of(), false);
    }

    @Test
    void aFullContextFailsOnlyItsOwnRequest() throws Exception {
        try (Model model = Model.load(EMBEDDED); DecodeBatcher batcher = new DecodeBatcher(model, 4);
             Session full = model.newSession(2); Session fine = model.newSession(8)) {
            full.append(1, 383);
            fine.append(1);
            assertThrows(ContextFullException.class, () -> batcher.step(full, 479));
            float[] logits = batcher.step(fine, 383);
            assertEquals(model.config().vocabSize(), logits.length);
            assertEquals(2, fine.length());
        }
    }
}
