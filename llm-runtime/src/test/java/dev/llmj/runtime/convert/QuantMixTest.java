package dev.llmj.runtime.convert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.llmj.tensor.DType;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** llama-quantize's per-tensor types (no shared files needed; GgufTypeConverterTest checks them against llama.cpp's). */
class QuantMixTest {
    private static final long[] MATRIX = {2048, 768};

    /** The 110m synthetic model's tensor names (12 layers, separate classifier). */
    private static List<String> names(int layers, boolean classifier) {
        List<String> names = new ArrayList<>(List.of("token_embd.weight"));
        for (int l = 0; l < layers; l++) {
            for (String t : new String[] {"attn_norm", "attn_q", "attn_k", "attn_v", "attn_output", "ffn_norm",
                    "ffn_gate", "ffn_down", "ffn_up"}) {
                names.add("blk." + l + "." + t + ".weight");
            }
        }
        names.add("output_norm.weight");
        if (classifier) {
            names.add("output.weight");
        }
        return names;
    }

    @Test
    void moreBitsInTheFirstAndLastEighthAndEveryThirdLayerBetween() {
        // n = 12: n/8 = 1, 7n/8 = 10; (i − 1) mod 3 = 2 at 3, 6, 9
        assertEquals(List.of(0, 3, 6, 9, 10, 11),
                IntStream.range(0, 12).filter(i -> QuantMix.usesMoreBits(i, 12)).boxed().toList());
        // n = 2 (llama.cpp's file kq-Q4_K_M: only layer 1)
        assertEquals(List.of(1), IntStream.range(0, 2).filter(i -> QuantMix.usesMoreBits(i, 2)).boxed().toList());
    }

    @Test
    void q4_K_MPutsTheClassifierAndTheMoreBitsLayersInQ6_K() {
        QuantMix mix = QuantMix.of(TargetType.Q4_K_M, false, names(12, true));
        assertEquals(DType.Q6_K, mix.dtypeFor("output.weight", MATRIX, DType.F32));
        assertEquals(DType.Q4_K, mix.dtypeFor("token_embd.weight", MATRIX, DType.F32));
        assertEquals(DType.Q6_K, mix.dtypeFor("blk.3.attn_v.weight", MATRIX, DType.F32));
        assertEquals(DType.Q6_K, mix.dtypeFor("blk.11.ffn_down.weight", MATRIX, DType.F32));
        assertEquals(DType.Q4_K, mix.dtypeFor("blk.4.attn_v.weight", MATRIX, DType.F32));
        assertEquals(DType.Q4_K, mix.dtypeFor("blk.3.attn_k.weight", MATRIX, DType.F32));
        assertEquals(DType.F32, mix.dtypeFor("blk.3.attn_norm.weight", new long[] {768}, DType.F32));
    }

    @Test
    void theClassifierIsTheTokenEmbeddingWhenTheModelTiesThem() {
        QuantMix tied = QuantMix.of(TargetType.Q4_0, false, names(2, false));
        assertEquals(DType.Q6_K, tied.dtypeFor("token_embd.weight", MATRIX, DType.F32));
        QuantMix separate = QuantMix.of(TargetType.Q4_0, false, names(2, true));
        assertEquals(DType.Q4_0, separate.dtypeFor("token_embd.weight", MATRIX, DType.F32));
        assertEquals(DType.Q6_K, separate.dtypeFor("output.weight", MATRIX, DType.F32));
        assertEquals(DType.Q4_0, separate.dtypeFor("blk.0.attn_v.weight", MATRIX, DType.F32));
    }

    @Test
    void q8_0AndFloatTargetsKeepTheirClassifier() {
        assertEquals(DType.Q8_0, QuantMix.of(TargetType.Q8_0, false, names(2, true)).dtypeFor("output.weight", MATRIX, DType.F32));
        assertEquals(DType.F16, QuantMix.of(TargetType.F16, false, names(2, true)).dtypeFor("output.weight", MATRIX, DType.F32));
    }

    @Test
    void pureGivesEveryMatrixTheTarget() {
        QuantMix mix = QuantMix.of(TargetType.Q4_K_M, true, names(12, true));
        for (String n : List.of("output.weight", "token_embd.weight", "blk.3.attn_v.weight", "blk.0.ffn_down.weight")) {
            assertEquals(DType.Q4_K, mix.dtypeFor(n, MATRIX, DType.F32), n);
        }
    }

    @Test
    void rowsOfPartialSuperBlocksFallBackToQ8_0OrKeepTheirType() {
        // 192 columns: not whole 256-element super-blocks (llama.cpp's tinyshakespeare-q4_0 classifier is Q8_0)
        long[] narrow = {512, 192};
        assertEquals(DType.Q8_0, QuantMix.of(TargetType.Q4_0, false, names(2, true)).dtypeFor("output.weight", narrow, DType.F32));
        assertEquals(DType.Q8_0, QuantMix.of(TargetType.Q6_K, false, names(2, true)).dtypeFor("blk.0.attn_q.weight", narrow, DType.F32));
        // 100 columns: not whole 32-element blocks either; the matrix keeps its type
        assertEquals(DType.F32, QuantMix.of(TargetType.Q4_K_M, false, names(2, true)).dtypeFor("blk.0.attn_q.weight",
                new long[] {64, 100}, DType.F32));
    }

    @Test
    void aLayerTensorWithoutItsLayerNumberIsAnError() {
        QuantMix mix = QuantMix.of(TargetType.Q4_K_M, false, List.of("attn_v.weight", "output.weight"));
        assertThrows(IllegalArgumentException.class, () -> mix.dtypeFor("attn_v.weight", MATRIX, DType.F32));
    }
}
