package dev.llmj.tensor.gguf;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.llmj.testsupport.SharedAssets;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Rewriting a file llama.cpp wrote, with the same metadata (in order) and tensors, reproduces it
 * byte for byte: our writer lays files out exactly as llama.cpp does (value encodings, tensor
 * order and offsets, padding), so llama.cpp's strict reader (which requires each tensor at the
 * padded end of the previous one) accepts what we write.
 */
class GgufRewriteTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"reference/tinyshakespeare-q8_0.gguf", "reference/quants/kq-Q4_K_M.gguf",
            "vocab/ggml-vocab-llama-spm.gguf", "vocab/ggml-vocab-gpt-2.gguf"})
    void rewriteIsByteIdentical(String asset) throws Exception {
        Path original = SharedAssets.require(asset);
        Path copy = dir.resolve("copy.gguf");
        try (Arena arena = Arena.ofConfined()) {
            GgufFile f = GgufFile.open(original, arena);
            GgufWriter w = new GgufWriter().alignment(f.alignment());
            f.metadata().forEach(w::put);
            for (GgufTensorInfo t : f.tensorInfos()) {
                w.addTensor(t.name(), f.tensor(t.name()));
            }
            w.write(copy);
            MemorySegment ours = GgufFile.open(copy, arena).segment();
            long at = f.segment().mismatch(ours);
            assertEquals(-1, at, "first difference at byte " + at + " (sizes " + f.segment().byteSize() + " vs "
                    + ours.byteSize() + ")");
        }
    }
}
