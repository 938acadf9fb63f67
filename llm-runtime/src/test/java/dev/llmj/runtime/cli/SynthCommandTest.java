package dev.llmj.runtime.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmj.runtime.convert.SyntheticModel;
import dev.llmj.runtime.model.Model;
import dev.llmj.runtime.model.Session;
import dev.llmj.tensor.DType;
import dev.llmj.tensor.gguf.GgufFile;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SynthCommandTest {
    @TempDir
    Path tmp;

    @Test
    void tinyShapeIsALoadableDeterministicLlamaGguf() throws Exception {
        Path a = tmp.resolve("a.gguf");
        Path b = tmp.resolve("b.gguf");
        Path vocab = tmp.resolve("none.gguf"); // no shared vocabulary: the byte-fallback one
        for (Path p : new Path[] {a, b}) {
            CliRunner.Result r = CliRunner.run("synth", "--shape", "llama-tiny", "--dtype", "q8_0", "--out", p.toString(),
                    "--seed", "5", "--vocab", SyntheticVocab.write(vocab).toString());
            assertEquals(0, r.exitCode(), r.err());
        }
        assertArrayEquals(Files.readAllBytes(a), Files.readAllBytes(b), "same shape, dtype and seed: same bytes");
        SyntheticModel.Shape s = SyntheticModel.shape("llama-tiny");
        try (Arena arena = Arena.ofConfined()) {
            GgufFile g = GgufFile.open(a, arena);
            assertEquals(2 + 2 * 9 + 1, g.tensorInfos().size());
            assertEquals(DType.Q8_0, g.tensorInfo("blk.1.ffn_down.weight").orElseThrow().dtype());
            assertEquals(DType.F32, g.tensorInfo("blk.1.ffn_norm.weight").orElseThrow().dtype());
            assertEquals(7, g.getLong("general.file_type"));
            long params = g.tensorInfos().stream().mapToLong(t -> t.elementCount()).sum();
            assertEquals(s.parameters(), params);
            // σ = 0.02 normal weights: the sample standard deviation of one matrix is close to it.
            float[] w = g.tensor("blk.0.attn_q.weight").toFloatArray();
            double ss = 0;
            for (float v : w) {
                ss += v * v;
            }
            assertEquals(0.02, Math.sqrt(ss / w.length), 0.001);
        }
        try (Model m = Model.load(a); Session session = m.newSession(16)) {
            float[] logits = session.append(1, 300, 301);
            assertEquals(32000, logits.length);
            for (float v : logits) {
                assertTrue(Float.isFinite(v));
            }
        }
    }

    @Test
    void theClassifierGetsLlamaQuantizesTypeUnlessPure() throws Exception {
        Path vocab = SyntheticVocab.write(tmp.resolve("none.gguf"));
        Path mixed = tmp.resolve("mixed.gguf");
        Path pure = tmp.resolve("pure.gguf");
        assertEquals(0, CliRunner.run("synth", "--shape", "llama-tiny", "--dtype", "q4_0", "--out", mixed.toString(),
                "--vocab", vocab.toString()).exitCode());
        assertEquals(0, CliRunner.run("synth", "--shape", "llama-tiny", "--dtype", "q4_0", "--pure", "--out",
                pure.toString(), "--vocab", vocab.toString()).exitCode());
        try (Arena arena = Arena.ofConfined()) {
            // rows of 128: no Q6_K super-blocks, so llama-quantize's classifier falls back to Q8_0
            GgufFile m = GgufFile.open(mixed, arena);
            assertEquals(DType.Q8_0, m.tensorInfo("output.weight").orElseThrow().dtype());
            assertEquals(DType.Q4_0, m.tensorInfo("token_embd.weight").orElseThrow().dtype());
            assertEquals(DType.Q4_0, m.tensorInfo("blk.1.attn_v.weight").orElseThrow().dtype());
            GgufFile p = GgufFile.open(pure, arena);
            assertEquals(DType.Q4_0, p.tensorInfo("output.weight").orElseThrow().dtype());
        }
    }

    @Test
    void badArgumentsGiveOneLineErrors() {
        CliRunner.Result shape = CliRunner.run("synth", "--shape", "llama-7t", "--out", tmp.resolve("x.gguf").toString());
        assertEquals(1, shape.exitCode());
        assertTrue(shape.err().contains("unknown shape 'llama-7t'"), shape.err());
        CliRunner.Result dtype = CliRunner.run("synth", "--shape", "llama-tiny", "--dtype", "q3_k", "--out", tmp.resolve("x.gguf").toString());
        assertTrue(dtype.exitCode() != 0 && dtype.err().contains("q3_k"), dtype.err());
        CliRunner.Result dir = CliRunner.run("synth", "--shape", "llama-tiny", "--out", tmp.resolve("no/such/dir/x.gguf").toString());
        assertEquals(1, dir.exitCode());
        assertTrue(dir.err().contains("output directory does not exist"), dir.err());
    }
}
