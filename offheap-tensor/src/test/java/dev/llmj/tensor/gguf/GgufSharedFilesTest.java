package dev.llmj.tensor.gguf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmj.tensor.DType;
import dev.llmj.tensor.Tensor;
import dev.llmj.testsupport.SharedAssets;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** GGUF files written by llama.cpp (shared assets) load, with sane metadata and tensor tables. */
class GgufSharedFilesTest {

    @ParameterizedTest
    @ValueSource(strings = {"llama-spm", "phi-3", "gpt-2", "deepseek-llm", "falcon", "starcoder"})
    void vocabularyFilesParse(String name) throws Exception {
        Path p = SharedAssets.require("vocab/ggml-vocab-" + name + ".gguf");
        try (Arena arena = Arena.ofConfined()) {
            long t0 = System.nanoTime();
            GgufFile f = GgufFile.open(p, arena);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertEquals(3, f.version());
            String model = f.getString("tokenizer.ggml.model");
            assertTrue(Set.of("llama", "gpt2").contains(model), model);
            List<String> tokens = f.getArray("tokenizer.ggml.tokens").asStrings();
            assertTrue(tokens.size() >= 32000, "token count " + tokens.size());
            // Per-token arrays, when present, have one entry per token.
            f.optArray("tokenizer.ggml.scores").ifPresent(a -> assertEquals(tokens.size(), a.asFloats().length));
            f.optArray("tokenizer.ggml.token_type").ifPresent(a -> assertEquals(tokens.size(), a.asInts().length));
            if (name.equals("llama-spm")) {
                assertEquals(32000, tokens.size());
                assertEquals("<unk>", tokens.get(0));
                assertEquals(1, f.getLong("tokenizer.ggml.bos_token_id"));
            }
            assertTrue(f.tensorInfos().isEmpty());
            // Parsing takes 5–60 ms (cold JVM included); the limit is generous for a loaded shared
            // machine yet catches accidental per-element quadratic work or boxing storms.
            assertTrue(ms < 2000, "parse took " + ms + " ms");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"f32", "q8_0", "q4_0"})
    void tinyshakespeareFilesHaveASaneTensorTable(String kind) throws Exception {
        Path p = SharedAssets.require("reference/tinyshakespeare-" + kind + ".gguf");
        try (Arena arena = Arena.ofConfined()) {
            GgufFile f = GgufFile.open(p, arena);
            assertEquals("llama", f.getString("general.architecture"));
            assertFalse(f.tensorInfos().isEmpty());
            long embd = f.getLong("llama.embedding_length");
            GgufTensorInfo tok = f.tensorInfo("token_embd.weight").orElseThrow();
            assertEquals(embd, tok.ggmlDims()[0]);
            long end = 0;
            for (GgufTensorInfo t : f.tensorInfos()) {
                assertEquals(0, t.relativeOffset() % f.alignment());
                assertEquals(f.dataOffset() + t.relativeOffset(), t.absoluteOffset());
                end = Math.max(end, t.absoluteOffset() + t.byteSize());
                Tensor view = f.tensor(t.name());
                assertEquals(t.byteSize(), view.byteSize());
                if (t.dtype().isDecodable()) {
                    float[] v = view.toFloatArray();
                    for (float x : v) {
                        assertTrue(Float.isFinite(x), t.name());
                    }
                }
            }
            assertTrue(end <= f.segment().byteSize());
            if (kind.equals("q8_0")) {
                assertNotNull(f.tensorInfos().stream().filter(t -> t.dtype() == DType.Q8_0).findAny().orElse(null));
            }
        }
    }
}
