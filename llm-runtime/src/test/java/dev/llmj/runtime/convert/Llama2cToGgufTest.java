package dev.llmj.runtime.convert;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmj.tensor.DType;
import dev.llmj.tensor.Tensor;
import dev.llmj.tensor.gguf.GgufFile;
import dev.llmj.tensor.gguf.GgufTensorInfo;
import dev.llmj.tensor.gguf.GgufValue;
import dev.llmj.tensor.llama2c.Llama2cCheckpoint;
import dev.llmj.tensor.llama2c.Llama2cTokenizerFile;
import dev.llmj.tensor.quant.Codecs;
import dev.llmj.testsupport.SharedAssets;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.io.TempDir;

/** The shared tinyshakespeare checkpoint against the GGUF llama.cpp's converter wrote from it. */
class Llama2cToGgufTest {
    /**
     * Keys whose value we write differently from llama.cpp's converter, on purpose:
     * llama.context_length is the checkpoint's training seq_len (256), where llama.cpp's
     * converter writes its own default (128).
     */
    private static final Set<String> DELIBERATELY_DIFFERENT = Set.of("llama.context_length");
    /** Keys llama.cpp's converter leaves out and we add (readers default to the same values). */
    private static final Set<String> ADDED = Set.of("llama.rope.freq_base", "general.file_type");

    @TempDir
    Path tmp;

    private static Path model() {
        return SharedAssets.require("models/tinyshakespeare/model.bin");
    }

    private static Path tokenizer() {
        return SharedAssets.require("models/tinyshakespeare/tokenizer.bin");
    }

    static boolean sameBytes(Tensor a, Tensor b) {
        return a.segment().mismatch(b.segment()) == -1;
    }

    @Test
    void f32ConversionHoldsTheCheckpointAndMatchesLlamaCppsFile() throws IOException {
        Path reference = SharedAssets.require("reference/tinyshakespeare-f32.gguf");
        Path out = tmp.resolve("ts.gguf");
        List<String> reported = new ArrayList<>();
        Llama2cToGguf.convert(model(), tokenizer(), out, TargetType.F32, (i, n, name, shape, s, t) -> reported.add(name));
        try (Arena arena = Arena.ofConfined()) {
            GgufFile ours = GgufFile.open(out, arena);
            GgufFile ref = GgufFile.open(reference, arena);
            Llama2cCheckpoint ck = Llama2cCheckpoint.open(model(), arena);

            // Same tensors, same order, same dtypes and shapes as llama.cpp's file.
            List<GgufTensorInfo> oi = ours.tensorInfos();
            List<GgufTensorInfo> ri = ref.tensorInfos();
            assertEquals(ri.stream().map(GgufTensorInfo::name).toList(), oi.stream().map(GgufTensorInfo::name).toList());
            assertEquals(oi.stream().map(GgufTensorInfo::name).toList(), reported);
            for (int i = 0; i < ri.size(); i++) {
                String name = ri.get(i).name();
                assertEquals(ri.get(i).dtype(), oi.get(i).dtype(), name);
                assertEquals(DType.F32, oi.get(i).dtype(), name);
                assertArrayEquals(ri.get(i).ggmlDims(), oi.get(i).ggmlDims(), name);
                // Data: the checkpoint's bytes (output.weight = the shared embedding), and llama.cpp's.
                String ckName = name.equals("output.weight") && ck.config().sharedClassifier() ? "token_embd.weight" : name;
                assertTrue(sameBytes(ck.tensor(ckName), ours.tensor(name)), name + " differs from the checkpoint");
                assertTrue(sameBytes(ref.tensor(name), ours.tensor(name)), name + " differs from llama.cpp's file");
            }
            assertEquals(57, oi.size());

            // Metadata: every key of llama.cpp's with the same type and value, but the listed ones.
            Map<String, GgufValue> om = ours.metadata();
            Set<String> extra = new HashSet<>(om.keySet());
            for (var e : ref.metadata().entrySet()) {
                String key = e.getKey();
                assertTrue(om.containsKey(key), "missing key " + key);
                extra.remove(key);
                if (DELIBERATELY_DIFFERENT.contains(key)) {
                    assertEquals(e.getValue().type(), om.get(key).type(), key);
                } else {
                    assertEquals(e.getValue(), om.get(key), key);
                }
            }
            assertEquals(ADDED, extra);
            assertEquals(128, ref.getLong("llama.context_length"), "llama.cpp's converter default changed?");
            assertEquals(ck.config().seqLen(), ours.getLong("llama.context_length"));
            assertEquals(256, ours.getLong("llama.context_length"));
            assertEquals(10000.0, ours.getDouble("llama.rope.freq_base"));
            assertEquals(0, ours.getLong("general.file_type"));

            // The vocabulary arrays, spelled out (they are also covered by the loop above).
            for (String key : List.of("tokenizer.ggml.tokens", "tokenizer.ggml.scores", "tokenizer.ggml.token_type")) {
                assertEquals(ref.getArray(key), ours.getArray(key), key);
            }
            assertEquals(" t".replace(' ', '\u2581'), ours.getArray("tokenizer.ggml.tokens").asStrings().get(259));
        }
    }

    @Test
    void writtenMetadataReadsBackIdentically() throws IOException {
        Path out = tmp.resolve("ts-q8.gguf");
        Llama2cToGguf.convert(model(), tokenizer(), out, TargetType.Q8_0, ConvertProgress.NONE);
        try (Arena arena = Arena.ofConfined()) {
            Llama2cCheckpoint ck = Llama2cCheckpoint.open(model(), arena);
            Map<String, GgufValue> expected = Llama2cToGguf.metadata(ck.config(),
                    Llama2cVocabulary.of(Llama2cTokenizerFile.read(tokenizer(), ck.config().vocabSize())), TargetType.Q8_0);
            GgufFile ours = GgufFile.open(out, arena);
            // Same keys in the same order, same types and values.
            assertEquals(List.copyOf(expected.entrySet()), List.copyOf(ours.metadata().entrySet()));
            assertEquals(7, ours.getLong("general.file_type"));
            assertEquals(2, ours.getLong("general.quantization_version"));
        }
    }

    /**
     * Every tensor of our Q8_0/Q4_0 conversion has the type and the bytes of llama.cpp's (its
     * converter to F32, then llama-quantize). In the Q4_0 file llama.cpp keeps the classifier in
     * Q8_0: its rows (192) are not whole K-quant super-blocks, so not Q6_K.
     */
    @ParameterizedTest
    @CsvSource({"Q8_0, reference/tinyshakespeare-q8_0.gguf", "Q4_0, reference/tinyshakespeare-q4_0.gguf"})
    void quantizedConversionEqualsLlamaCppsFile(TargetType type, String referenceName) throws IOException {
        Path reference = SharedAssets.require(referenceName);
        Path out = tmp.resolve("ts-" + type.cliName() + ".gguf");
        Llama2cToGguf.convert(model(), tokenizer(), out, type, ConvertProgress.NONE);
        try (Arena arena = Arena.ofConfined()) {
            GgufFile ours = GgufFile.open(out, arena);
            GgufFile ref = GgufFile.open(reference, arena);
            Llama2cCheckpoint ck = Llama2cCheckpoint.open(model(), arena);
            int matrices = 0;
            for (GgufTensorInfo t : ours.tensorInfos()) {
                Tensor mine = ours.tensor(t.name());
                Tensor theirs = ref.tensor(t.name());
                assertEquals(theirs.dtype(), mine.dtype(), t.name());
                assertTrue(sameBytes(theirs, mine), t.name() + " differs from llama.cpp's " + theirs.dtype());
                String ckName = t.name().equals("output.weight") ? "token_embd.weight" : t.name();
                try (Arena a = Arena.ofConfined()) {
                    assertTrue(sameBytes(Codecs.convert(ck.tensor(ckName), mine.dtype(), a), mine), t.name());
                }
                matrices += mine.rank() == 1 ? 0 : 1;
            }
            assertEquals(44, matrices); // 6 layers × 7 + token_embd + output
        }
    }
}
