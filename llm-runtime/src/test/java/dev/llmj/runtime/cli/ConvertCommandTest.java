package dev.llmj.runtime.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmj.tensor.DType;
import dev.llmj.tensor.gguf.GgufFile;
import dev.llmj.testsupport.SharedAssets;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConvertCommandTest {
    @TempDir
    Path tmp;

    private static void assertOneLineError(CliRunner.Result r, int code, String start) {
        assertEquals(code, r.exitCode(), r.err());
        assertTrue(r.err().startsWith(start), r.err());
        // Usage errors (exit 2) add picocli's "Try 'llm convert --help'." line.
        assertEquals(code == 2 ? 2 : 1, r.err().strip().lines().count(), r.err());
    }

    @Test
    void llama2cCheckpointToQ8_0WithDefaultTokenizer() throws IOException {
        Path model = SharedAssets.require("models/tinyshakespeare/model.bin");
        Path out = tmp.resolve("ts-q8.gguf");
        CliRunner.Result r = CliRunner.run("convert", "--input", model.toString(), "--output", out.toString(),
                "--type", "q8_0");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.err().contains("[ 4/57] blk.0.attn_q.weight"), r.err());
        assertTrue(r.err().contains("F32 -> Q8_0"), r.err());
        assertTrue(r.err().contains("wrote " + out), r.err());
        try (Arena arena = Arena.ofConfined()) {
            GgufFile f = GgufFile.open(out, arena);
            assertEquals(DType.Q8_0, f.tensor("blk.0.attn_q.weight").dtype());
            assertEquals(DType.F32, f.tensor("blk.0.attn_norm.weight").dtype());
            assertEquals(512, f.getArray("tokenizer.ggml.tokens").size());
        }
    }

    @Test
    void ggufInputIsConverted() throws IOException {
        Path f32 = SharedAssets.require("reference/quants/kq-f32.gguf");
        Path out = tmp.resolve("kq-q4.gguf");
        CliRunner.Result r = CliRunner.run("convert", "-i", f32.toString(), "-o", out.toString(), "-t", "Q4_0");
        assertEquals(0, r.exitCode(), r.err());
        try (Arena arena = Arena.ofConfined()) {
            assertEquals(2, GgufFile.open(out, arena).getLong("general.file_type"));
        }
    }

    @Test
    void badInputsGiveOneLineErrors() throws IOException {
        Path model = SharedAssets.require("models/tinyshakespeare/model.bin");
        String out = tmp.resolve("out.gguf").toString();

        assertOneLineError(CliRunner.run("convert", "--input", tmp.resolve("nope.bin").toString(), "--output", out),
                1, "llm convert: no such file: ");

        // A checkpoint without tokenizer.bin beside it.
        Path lonely = Files.copy(model, tmp.resolve("model.bin"));
        CliRunner.Result noTok = CliRunner.run("convert", "--input", lonely.toString(), "--output", out);
        assertOneLineError(noTok, 1, "llm convert: tokenizer not found: ");
        assertTrue(noTok.err().contains("--tokenizer"), noTok.err());
        assertOneLineError(CliRunner.run("convert", "--input", lonely.toString(), "--output", out,
                "--tokenizer", tmp.resolve("missing-tok.bin").toString()), 1, "llm convert: tokenizer not found: ");

        CliRunner.Result badType = CliRunner.run("convert", "--input", model.toString(), "--output", out, "--type", "q5_k");
        assertOneLineError(badType, 2, "llm convert: Invalid value for option '--type': unsupported type \"q5_k\"");
        assertTrue(badType.err().contains("f32, f16, bf16, q8_0, q4_0"), badType.err());

        assertOneLineError(CliRunner.run("convert", "--input", lonely.toString(), "--output", lonely.toString()),
                1, "llm convert: --output is the input file");

        Path junk = Files.writeString(tmp.resolve("junk.bin"), "hello");
        assertOneLineError(CliRunner.run("convert", "--input", junk.toString(), "--output", out),
                1, "llm convert: ");

        assertOneLineError(CliRunner.run("convert", "--input", model.toString()), 2,
                "llm convert: Missing required option: '--output=FILE'");

        assertOneLineError(CliRunner.run("convert", "--input", model.toString(), "--output",
                tmp.resolve("no/such/dir/out.gguf").toString()), 1, "llm convert: output directory does not exist");

        assertOneLineError(CliRunner.run("convert", "--input", model.toString(), "--output", tmp.toString()),
                1, "llm convert: --output " + tmp + " is a directory");

        Path gguf = SharedAssets.require("reference/quants/kq-f32.gguf");
        assertOneLineError(CliRunner.run("convert", "--input", gguf.toString(), "--output", out, "--tokenizer",
                lonely.toString()), 1, "llm convert: --tokenizer applies to llama2.c checkpoints");

        assertTrue(Files.notExists(tmp.resolve("out.gguf")));
    }
}
