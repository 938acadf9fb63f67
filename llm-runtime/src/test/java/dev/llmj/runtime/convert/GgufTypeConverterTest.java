package dev.llmj.runtime.convert;

import static dev.llmj.runtime.convert.Llama2cToGgufTest.sameBytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmj.tensor.DType;
import dev.llmj.tensor.Tensor;
import dev.llmj.tensor.gguf.GgufFile;
import dev.llmj.tensor.gguf.GgufTensorInfo;
import dev.llmj.tensor.gguf.GgufValue;
import dev.llmj.testsupport.SharedAssets;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** F32 GGUF → quantized GGUF against llama.cpp's llama-quantize output for the same file. */
class GgufTypeConverterTest {
    @TempDir
    Path tmp;

    /**
     * Every tensor of our conversion has the type llama-quantize gave it and its bytes: the Q6_K
     * classifier (here the tied token_embd) of Q4_0 and Q4_K_M, Q4_K_M's Q6_K attn_v/ffn_down in
     * its last layer, and every Q8_0, Q4_0, Q4_K and Q6_K block.
     */
    @ParameterizedTest
    @CsvSource({"Q8_0, kq-Q8_0.gguf", "Q4_0, kq-Q4_0.gguf", "Q6_K, kq-Q6_K.gguf", "Q4_K_M, kq-Q4_K_M.gguf"})
    void quantizedTensorsEqualLlamaCpps(TargetType type, String referenceName) throws IOException {
        Path f32 = SharedAssets.require("reference/quants/kq-f32.gguf");
        Path reference = SharedAssets.require("reference/quants/" + referenceName);
        Path out = tmp.resolve("kq-" + type + ".gguf");
        GgufTypeConverter.convert(f32, out, type, ConvertProgress.NONE);
        try (Arena arena = Arena.ofConfined()) {
            GgufFile in = GgufFile.open(f32, arena);
            GgufFile ours = GgufFile.open(out, arena);
            GgufFile ref = GgufFile.open(reference, arena);
            assertEquals(in.tensorInfos().stream().map(GgufTensorInfo::name).toList(),
                    ours.tensorInfos().stream().map(GgufTensorInfo::name).toList());
            int matrices = 0;
            for (GgufTensorInfo t : ours.tensorInfos()) {
                Tensor mine = ours.tensor(t.name());
                Tensor theirs = ref.tensor(t.name());
                assertEquals(theirs.dtype(), mine.dtype(), t.name());
                assertTrue(sameBytes(theirs, mine), t.name() + " differs from llama.cpp's " + theirs.dtype());
                if (mine.rank() == 1) {
                    assertEquals(DType.F32, mine.dtype(), t.name());
                    assertTrue(sameBytes(in.tensor(t.name()), mine), t.name());
                } else {
                    matrices++;
                }
            }
            assertEquals(15, matrices);

            // Metadata: the input's, in order, with file_type and quantization_version appended.
            Map<String, GgufValue> expected = new LinkedHashMap<>(in.metadata());
            expected.remove("general.file_type");
            expected.put("general.quantization_version", GgufValue.uint32(2));
            expected.put("general.file_type", GgufValue.uint32(type.fileType()));
            assertEquals(List.copyOf(expected.entrySet()), List.copyOf(ours.metadata().entrySet()));
            // llama.cpp's quantizer writes the same two keys with the same values.
            assertEquals(ref.metadata().get("general.file_type"), ours.metadata().get("general.file_type"));
            assertEquals(ref.metadata().get("general.quantization_version"),
                    ours.metadata().get("general.quantization_version"));
        }
    }

    @Test
    void f16HoldsEachWeightRoundedToHalfPrecision() throws IOException {
        Path f32 = SharedAssets.require("reference/quants/kq-f32.gguf");
        Path out = tmp.resolve("kq-f16.gguf");
        GgufTypeConverter.convert(f32, out, TargetType.F16, ConvertProgress.NONE);
        try (Arena arena = Arena.ofConfined()) {
            GgufFile in = GgufFile.open(f32, arena);
            GgufFile ours = GgufFile.open(out, arena);
            assertEquals(1, ours.getLong("general.file_type"));
            assertFalse(ours.metadata().containsKey("general.quantization_version"));
            Tensor src = in.tensor("blk.0.attn_q.weight");
            Tensor half = ours.tensor("blk.0.attn_q.weight");
            assertEquals(DType.F16, half.dtype());
            float[] a = src.toFloatArray();
            float[] b = half.toFloatArray();
            for (int i = 0; i < a.length; i++) {
                // Round-to-nearest into an 11-bit significand: relative error ≤ 2^-11 for normal
                // halves; the weights here are ~N(0, 0.02²), far above the subnormal range except
                // for a few values near zero, which the absolute term 2^-25 (half a subnormal step) covers.
                assertTrue(Math.abs(a[i] - b[i]) <= Math.abs(a[i]) * 0x1p-11f + 0x1p-25f, "element " + i);
            }
        }
    }

    @Test
    void requantizingIsRefused() throws IOException {
        Path q8 = SharedAssets.require("reference/quants/kq-Q8_0.gguf");
        Path out = tmp.resolve("requantized.gguf");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> GgufTypeConverter.convert(q8, out, TargetType.Q4_0, ConvertProgress.NONE));
        assertTrue(e.getMessage().contains("is already Q8_0"), e.getMessage());
    }

    @Test
    void aFailureHalfwayLeavesNeitherOutputNorTemporaryFile() throws IOException {
        Path f32 = SharedAssets.require("reference/quants/kq-f32.gguf");
        Path out = tmp.resolve("out.gguf");
        ConvertProgress failAtFifth = (i, n, name, shape, s, t) -> {
            if (i == 4) {
                throw new IllegalStateException("stop at " + name);
            }
        };
        assertThrows(IllegalStateException.class, () -> GgufTypeConverter.convert(f32, out, TargetType.Q8_0, failAtFifth));
        try (Stream<Path> files = Files.list(tmp)) {
            assertEquals(List.of(), files.toList());
        }
    }
}
