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

    @Test
    void q8_0ConversionEqualsLlamaCppsQuantizedFile() throws IOException {
        Path reference = SharedAssets.require("reference/tinyshakespeare-q8_0.gguf");
        Path out = tmp.resolve("ts-q8.gguf");
        Llama2cToGguf.convert(model(), tokenizer(), out, TargetType.Q8_0, ConvertProgress.NONE);
        try (Arena arena = Arena.ofConfined()) {
            GgufFile ours = GgufFile.open(out, arena);
            GgufFile ref = GgufFile.open(reference, arena);
            Llama2cCheckpoint ck = Llama2cCheckpoint.open(model(), arena);
            int compared = 0;
            for (GgufTensorInfo t : ours.tensorInfos()) {
                Tensor mine = ours.tensor(t.name());
                assertEquals(mine.rank() == 1 ? DType.F32 : DType.Q8_0, mine.dtype(), t.name());
                String ckName = t.name().equals("output.weight") ? "token_embd.weight" : t.name();
                try (Arena a = Arena.ofConfined()) {
                    assertTrue(sameBytes(Codecs.convert(ck.tensor(ckName), mine.dtype(), a), mine), t.name());
                }
                Tensor theirs = ref.tensor(t.name());
                if (theirs.dtype() == mine.dtype()) {
                    assertTrue(sameBytes(theirs, mine), t.name() + " differs from llama.cpp's " + theirs.dtype());
                    compared++;
                }
            }
            // llama.cpp stores every matrix of this model in Q8_0 and every norm in F32.
            assertEquals(57, compared);
        }
    }
}
