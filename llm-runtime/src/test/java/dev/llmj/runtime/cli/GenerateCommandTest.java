package dev.llmj.runtime.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmj.testsupport.SharedAssets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** generate, bench and tokenize through the command line, on the embedded default model. */
class GenerateCommandTest {
    private static final String EMBEDDED = Path.of("..", "models", "tinyshakespeare-f32.gguf").toString();

    @Test
    void greedyJsonHasPromptIdsGeneratedIdsAndText() throws Exception {
        CliRunner.Result r = CliRunner.run("generate", "--model", EMBEDDED, "--prompt", "ROMEO:", "--temperature", "0",
                "--max-tokens", "12", "--json");
        assertEquals(0, r.exitCode(), r.err());
        JsonNode o = new ObjectMapper().readTree(r.out());
        assertEquals("[1,383,479,489,478,479,471]", o.get("prompt_ids").toString());
        assertEquals(12, o.get("generated_ids").size());
        assertTrue(o.get("text").asText().startsWith("\nWhy, my lord"), o.toString());
    }

    @Test
    void seededSamplingIsReproducibleThroughTheCli() throws Exception {
        String[] args = {"generate", "--model", EMBEDDED, "--prompt", "JULIET:", "--seed", "99", "--max-tokens", "16", "--json"};
        JsonNode a = new ObjectMapper().readTree(CliRunner.run(args).out());
        JsonNode b = new ObjectMapper().readTree(CliRunner.run(args).out());
        assertEquals(a.get("generated_ids"), b.get("generated_ids"));
        assertEquals(99, a.get("seed").asLong());
    }

    @Test
    void stopStringEndsGenerationBeforeIt() throws Exception {
        CliRunner.Result r = CliRunner.run("generate", "--model", EMBEDDED, "--prompt", "ROMEO:", "--temperature", "0",
                "--max-tokens", "40", "--stop", "lord", "--json");
        JsonNode o = new ObjectMapper().readTree(r.out());
        assertEquals("\nWhy, my ", o.get("text").asText());
        assertEquals("stop_string", o.get("stop_reason").asText());
    }

    @Test
    void badFlagsGiveOneLineErrors() {
        CliRunner.Result ctx = CliRunner.run("generate", "--model", EMBEDDED, "--prompt", "x", "--max-tokens", "500");
        assertEquals(1, ctx.exitCode());
        assertTrue(ctx.err().contains("do not fit in a context of 256 tokens"), ctx.err());
        CliRunner.Result temp = CliRunner.run("generate", "--model", EMBEDDED, "--prompt", "x", "--temperature", "-1");
        assertEquals(1, temp.exitCode());
        assertTrue(temp.err().contains("temperature"), temp.err());
        CliRunner.Result topP = CliRunner.run("generate", "--model", EMBEDDED, "--prompt", "x", "--top-p", "0");
        assertTrue(topP.err().contains("top-p"), topP.err());
        CliRunner.Result rope = CliRunner.run("generate", "--model", EMBEDDED, "--prompt", "x", "--rope", "warp:factor=2");
        assertEquals(1, rope.exitCode());
        assertTrue(rope.err().contains("warp"), rope.err());
        CliRunner.Result cache = CliRunner.run("generate", "--model", EMBEDDED, "--prompt", "x", "--cache-type", "q4_0");
        assertEquals(1, cache.exitCode());
        assertTrue(cache.err().contains("unknown KV cache type 'q4_0'"), cache.err());
        CliRunner.Result noModel = CliRunner.run("generate", "--model", "/nonexistent/m.gguf", "--prompt", "x");
        assertTrue(noModel.err().startsWith("llm generate: no such file"), noModel.err());
        assertEquals(2, CliRunner.run("generate", "--model", EMBEDDED).exitCode(), "missing --prompt is a usage error");
        assertEquals(2, CliRunner.run("generate", "--prompt", "x", "--max-tokens", "lots").exitCode());
        for (CliRunner.Result r : new CliRunner.Result[] {ctx, temp, topP, rope, cache, noModel}) {
            assertEquals(1, r.err().strip().lines().count(), r.err());
        }
    }

    @Test
    void ropeSchemeIsAppliedAndReported() throws Exception {
        CliRunner.Result r = CliRunner.run("generate", "--model", EMBEDDED, "--prompt", "ROMEO:", "--temperature", "0",
                "--max-tokens", "8", "--ctx", "512", "--rope", "rerope:w=128", "--json");
        assertEquals(0, r.exitCode(), r.err());
        assertEquals("rerope:w=128", new ObjectMapper().readTree(r.out()).get("rope").asText());
    }

    @Test
    void benchPrintsThroughputJson() throws Exception {
        CliRunner.Result r = CliRunner.run("bench", "--model", EMBEDDED, "--prompt-tokens", "16", "--gen-tokens", "4",
                "--repeats", "1", "--warmup", "0", "--threads", "1");
        assertEquals(0, r.exitCode(), r.err());
        JsonNode o = new ObjectMapper().readTree(r.out());
        assertTrue(o.get("prefill_tokens_per_second").asDouble() > 0);
        assertTrue(o.get("decode_tokens_per_second").asDouble() > 0);
        assertEquals(1, o.get("threads").asInt());
        assertEquals(0, o.get("interleaved_matrices").asInt(), "the embedded model is F32: nothing to interleave");
        assertTrue(o.get("load_ms").asDouble() > 0, "load_ms " + o.get("load_ms"));
        assertEquals(0.0, o.get("released_source_mib").asDouble(), "no copies, nothing released");
        assertTrue(o.get("peak_heap_mib").asDouble() > 0);
        // what stays alive after collections: positive and never more than the pools' peaks
        double live = o.get("peak_live_heap_mib").asDouble();
        assertTrue(live > 0 && live <= o.get("peak_heap_mib").asDouble() + 1e-9, "live heap " + live);
        assertEquals("f32", o.get("cache_type").asText());
        assertEquals(0, o.get("depth").asInt());
        assertEquals(0, o.get("warmup_runs").asInt());
    }

    /** The default warm-up runs until the JIT is idle: at least one run, at most JitWarmup.MAX_RUNS. */
    @Test
    void benchWarmsUpUntilTheJitIsIdle() throws Exception {
        CliRunner.Result r = CliRunner.run("bench", "--model", EMBEDDED, "--prompt-tokens", "8", "--gen-tokens", "4",
                "--repeats", "1", "--threads", "1");
        assertEquals(0, r.exitCode(), r.err());
        int runs = new ObjectMapper().readTree(r.out()).get("warmup_runs").asInt();
        assertTrue(runs >= 1 && runs <= JitWarmup.MAX_RUNS, "warm-up runs " + runs);
        assertEquals(2, CliRunner.run("bench", "--model", EMBEDDED, "--repeats", "0").exitCode(), "--repeats 0");
        for (String bad : new String[] {"-1", "some", ""}) {
            CliRunner.Result e = CliRunner.run("bench", "--model", EMBEDDED, "--warmup", bad);
            assertEquals(2, e.exitCode(), "--warmup " + bad);
            assertTrue(e.err().contains("--warmup must be a count ≥ 0 or auto"), e.err());
        }
    }

    /** --depth fills the context first; an F16 cache is half an F32 one's size. */
    @Test
    void benchAtDepthWithAnF16Cache() throws Exception {
        String[] args = {"bench", "--model", EMBEDDED, "--prompt-tokens", "8", "--gen-tokens", "4", "--repeats", "1",
                "--warmup", "0", "--threads", "1", "--depth", "100", "--cache-type", "f16"};
        CliRunner.Result r = CliRunner.run(args);
        assertEquals(0, r.exitCode(), r.err());
        JsonNode o = new ObjectMapper().readTree(r.out());
        assertEquals("f16", o.get("cache_type").asText());
        assertEquals(100, o.get("depth").asInt());
        // 6 layers × (keys + values) × 108 positions (depth + prompt) × 64 kv dims × 2 bytes
        assertEquals(6 * 2 * 108 * 64 * 2 / (1024.0 * 1024.0), o.get("kv_cache_mib").asDouble(), 1e-9);
        assertTrue(o.get("decode_tokens_per_second").asDouble() > 0);
    }

    @Test
    void tokenizeMatchesTheSharedModelsVocabularyTests() throws Exception {
        CliRunner.Result r = CliRunner.run("tokenize", "--model", EMBEDDED, "--text", "ROMEO:", "--bos", "--json");
        assertEquals(0, r.exitCode(), r.err());
        assertEquals("[1,383,479,489,478,479,471]", r.out().strip());
        Path vocab = SharedAssets.require("vocab/ggml-vocab-llama-spm.gguf");
        CliRunner.Result v = CliRunner.run("tokenize", "--model", vocab.toString(), "--text", "Hello world");
        assertEquals("15043 3186", v.out().strip());
        assertEquals(2, CliRunner.run("tokenize", "--model", EMBEDDED).exitCode(), "needs --text or --file");
    }
}
