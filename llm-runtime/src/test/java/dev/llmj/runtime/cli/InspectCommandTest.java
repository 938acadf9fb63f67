package dev.llmj.runtime.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmj.testsupport.SharedAssets;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class InspectCommandTest {
    @TempDir
    Path tmp;

    @Test
    void llama2cCheckpointShowsConfigAndTensorTable() {
        Path model = SharedAssets.require("models/tinyshakespeare/model.bin");
        CliRunner.Result r = CliRunner.run("inspect", model.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("llama2.c checkpoint"), r.out());
        assertTrue(Pattern.compile("n_kv_heads\\s+2").matcher(r.out()).find(), r.out());
        // name, dtype, row-major shape, byte offset: wq of layer 0 follows embedding + 6 norms.
        long wqOffset = 28 + 512 * 192 * 4 + 6 * 192 * 4;
        assertTrue(Pattern.compile("blk\\.0\\.attn_q\\.weight\\s+F32\\s+192 x 192\\s+" + wqOffset + "\\s")
                .matcher(r.out()).find(), r.out());
        assertTrue(r.out().contains("tensors: 56"), r.out());
    }

    @Test
    void llamaCppGgufShowsMetadataAndTensorTable() {
        Path gguf = SharedAssets.require("reference/tinyshakespeare-q8_0.gguf");
        CliRunner.Result r = CliRunner.run("inspect", gguf.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("GGUF version 3"), r.out());
        assertTrue(Pattern.compile("llama\\.attention\\.head_count_kv\\s+2").matcher(r.out()).find(), r.out());
        assertTrue(Pattern.compile("blk\\.5\\.ffn_down\\.weight\\s+Q8_0\\s+192 x 512\\s+\\d+\\s+" + (192 * 512 / 32 * 34))
                .matcher(r.out()).find(), r.out());
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama-spm", "phi-3", "gpt-2", "deepseek-llm", "falcon", "starcoder"})
    void everySharedVocabularyInspects(String name) {
        Path gguf = SharedAssets.require("vocab/ggml-vocab-" + name + ".gguf");
        CliRunner.Result r = CliRunner.run("inspect", gguf.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("tokenizer.ggml.tokens"), r.out());
        assertTrue(r.out().contains("tensors: 0"), r.out());
    }

    @Test
    void badFilesGiveOneLineErrors() throws IOException {
        CliRunner.Result missing = CliRunner.run("inspect", tmp.resolve("nope.gguf").toString());
        assertEquals(1, missing.exitCode());
        assertTrue(missing.err().startsWith("llm inspect: no such file"), missing.err());
        assertEquals(1, missing.err().strip().lines().count(), missing.err());

        Path text = Files.writeString(tmp.resolve("notes.txt"), "just some text, long enough to hold a header");
        CliRunner.Result junk = CliRunner.run("inspect", text.toString());
        assertEquals(1, junk.exitCode());
        assertTrue(junk.err().contains("not a GGUF file"), junk.err());

        Path truncated = tmp.resolve("truncated.gguf");
        Files.write(truncated, new byte[] {'G', 'G', 'U', 'F', 3, 0, 0, 0, 1});
        CliRunner.Result trunc = CliRunner.run("inspect", truncated.toString());
        assertEquals(1, trunc.exitCode());
        assertTrue(trunc.err().contains("byte"), trunc.err());

        assertEquals(2, CliRunner.run("inspect").exitCode());
        assertEquals(2, CliRunner.run("inspect", "--bogus", "x").exitCode());
    }
}
