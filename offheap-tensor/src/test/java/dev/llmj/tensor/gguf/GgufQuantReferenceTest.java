package dev.llmj.tensor.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmj.tensor.DType;
import dev.llmj.tensor.LE;
import dev.llmj.tensor.Tensor;
import dev.llmj.tensor.quant.BlockCodec;
import dev.llmj.tensor.quant.Codecs;
import dev.llmj.testsupport.SharedAssets;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Our block codecs against llama.cpp: dequantization of the tensors llama.cpp's quantizer wrote
 * (reference values from gguf-py's dequantizer), and our Q8_0/Q4_0 quantizers reproducing
 * llama.cpp's quantized bytes from the same F32 weights.
 */
class GgufQuantReferenceTest {

    /**
     * Decoding is a fixed sequence of float32 operations (f16→f32 of the scales, integer→float of
     * the quants, then the products/differences in the same order as gguf-py's numpy code), so the
     * values must agree bit for bit: first8 and the whole-tensor files are compared exactly.
     *
     * <p>The sum is our float64 sum of the same float32 values in a different order than numpy's
     * pairwise sum; reordering n float64 additions changes the result by at most n·2^-53·Σ|x|
     * (n ≤ 2^18 here, so ≤ 2^-35·Σ|x| ≈ 3e-11·Σ|x|). We allow 1e-9·Σ|x|: loose enough for any
     * summation order, yet one wrong element of 1e-3 in a 65,536-element tensor (Σ|x| ≈ 1,300)
     * shifts the sum by 1e-3 ≫ 1.3e-6 and fails.
     */
    private static final double SUM_TOLERANCE = 1e-9;

    @ParameterizedTest
    @ValueSource(strings = {"Q8_0", "Q4_0", "Q6_K", "Q4_K_M"})
    void dequantizationMatchesLlamaCpp(String kind) throws Exception {
        Path file = SharedAssets.require("reference/quants/kq-" + kind + ".gguf");
        Path json = SharedAssets.require("reference/quants/dequant-reference.json");
        JsonNode ref = new ObjectMapper().readTree(json.toFile()).get(kind);
        int checked = 0;
        int wholeFiles = 0;
        try (Arena arena = Arena.ofConfined()) {
            GgufFile f = GgufFile.open(file, arena);
            for (Iterator<Map.Entry<String, JsonNode>> it = ref.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                String name = e.getKey();
                JsonNode r = e.getValue();
                GgufTensorInfo info = f.tensorInfo(name).orElseThrow();
                assertEquals(r.get("type").asText(), info.dtype().name(), name);
                long[] ne = new long[r.get("shape_ggml").size()];
                for (int i = 0; i < ne.length; i++) {
                    ne[i] = r.get("shape_ggml").get(i).asLong();
                }
                assertArrayEquals(ne, info.ggmlDims(), name);
                assertEquals(r.get("n").asLong(), info.elementCount(), name);

                float[] values = f.tensor(name).toFloatArray();
                for (int i = 0; i < 8; i++) {
                    float expected = (float) r.get("first8").get(i).asDouble();
                    assertEquals(Float.floatToIntBits(expected), Float.floatToIntBits(values[i]),
                            name + " first8[" + i + "]: expected " + expected + " got " + values[i]);
                }
                double sum = 0;
                double sumAbs = 0;
                for (float v : values) {
                    sum += v;
                    sumAbs += Math.abs(v);
                }
                double refSum = r.get("sum").asDouble();
                assertTrue(Math.abs(sum - refSum) <= SUM_TOLERANCE * sumAbs,
                        name + ": sum " + sum + " vs reference " + refSum + " (Σ|x| = " + sumAbs + ")");

                if (r.has("dequantized_file")) {
                    Path whole = SharedAssets.require("reference/quants/" + r.get("dequantized_file").asText());
                    MemorySegment expected = MemorySegment.ofArray(Files.readAllBytes(whole));
                    assertEquals(4L * values.length, expected.byteSize(), name);
                    for (int i = 0; i < values.length; i++) {
                        float x = expected.get(LE.FLOAT, 4L * i);
                        if (Float.floatToIntBits(x) != Float.floatToIntBits(values[i])) {
                            throw new AssertionError(name + " element " + i + ": expected " + x + " got " + values[i]);
                        }
                    }
                    wholeFiles++;
                }
                checked++;
            }
        }
        assertEquals(15, checked);
        assertEquals(2, wholeFiles);
    }

    /**
     * Our quantizers reproduce llama.cpp's (reference, no importance matrix) bytes exactly: each
     * tensor of {@code type} in the file {@code kq-<file>.gguf} against our encoding of the same
     * F32 weights. The Q4_K_M file mixes Q4_K and Q6_K tensors; the Q4_0 file keeps its output
     * matrix in Q6_K.
     */
    @ParameterizedTest
    @CsvSource({"Q8_0, Q8_0, 10", "Q4_0, Q4_0, 10", "Q6_K, Q6_K, 10", "Q4_K_M, Q4_K, 8", "Q4_K_M, Q6_K, 3",
            "Q4_0, Q6_K, 1"})
    void quantizationReproducesLlamaCppBytes(String file, String type, int atLeast) throws Exception {
        DType target = DType.valueOf(type);
        Path f32Path = SharedAssets.require("reference/quants/kq-f32.gguf");
        Path quantPath = SharedAssets.require("reference/quants/kq-" + file + ".gguf");
        BlockCodec codec = Codecs.forType(target);
        int compared = 0;
        try (Arena arena = Arena.ofConfined()) {
            GgufFile f32 = GgufFile.open(f32Path, arena);
            GgufFile quant = GgufFile.open(quantPath, arena);
            for (GgufTensorInfo info : quant.tensorInfos()) {
                if (info.dtype() != target) {
                    continue;
                }
                Tensor source = f32.tensor(info.name());
                assertEquals(DType.F32, source.dtype(), info.name());
                Tensor ours = Tensor.allocate(arena, target, source.shape());
                int cols = Math.toIntExact(source.cols());
                float[] row = new float[cols];
                for (long r = 0; r < source.rows(); r++) {
                    MemorySegment.copy(source.base(), LE.FLOAT, source.rowOffset(r), row, 0, cols);
                    codec.quantize(row, 0, ours.base(), ours.rowOffset(r), cols);
                }
                MemorySegment theirs = quant.tensor(info.name()).segment();
                long at = ours.segment().mismatch(theirs);
                if (at >= 0) {
                    long block = at / target.blockBytes();
                    throw new AssertionError(info.name() + ": first differing byte " + at + " (block " + block
                            + ", byte " + at % target.blockBytes() + " of the block): ours "
                            + ours.segment().get(LE.BYTE, at) + ", llama.cpp " + theirs.get(LE.BYTE, at));
                }
                compared++;
            }
        }
        assertTrue(compared >= atLeast, "only " + compared + " " + type + " tensors of kq-" + file + " compared");
    }
}
