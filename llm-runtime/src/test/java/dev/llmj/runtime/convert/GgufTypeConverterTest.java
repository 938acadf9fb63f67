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

    @ParameterizedTest
    @CsvSource({"Q8_0, kq-Q8_0.gguf, 15", "Q4_0, kq-Q4_0.gguf, 14"})
    void quantizedTensorsEqualLlamaCpps(TargetType type, String referenceName, int expectedCompared) throws IOException {
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
            int compared = 0;
            for (GgufTensorInfo t : ours.tensorInfos()) {
                Tensor mine = ours.tensor(t.name());
                // Every matrix in the target type (token_embd included), every 1-D tensor F32.
                assertEquals(mine.rank() == 1 ? DType.F32 : type.dtype(), mine.dtype(), t.name());
                if (mine.rank() == 1) {
                    assertTrue(sameBytes(in.tensor(t.name()), mine), t.name());
                }
                Tensor theirs = ref.tensor(t.name());
                if (theirs.dtype() == type.dtype()) {
                    assertTrue(sameBytes(theirs, mine), t.name() + " differs from llama.cpp's");
                    compared++;
                }
            }
            // Q8_0: all 15 matrices; Q4_0: llama.cpp keeps token_embd (the tied classifier) in Q6_K.
            assertEquals(expectedCompared, compared);

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
