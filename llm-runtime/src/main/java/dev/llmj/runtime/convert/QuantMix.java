package dev.llmj.runtime.convert;

import dev.llmj.tensor.DType;
import java.util.Collection;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The dtype each tensor of a converted file gets: what llama.cpp's {@code llama-quantize} (no
 * importance matrix) picks for a Llama model of the target type, or with {@code pure} the target
 * for every matrix. With the F32 originals, a file converted here then holds llama-quantize's
 * bytes tensor for tensor ({@code GgufTypeConverterTest}), so models quantized here and there are
 * the same models, and benchmarks against llama.cpp compare the same work.
 *
 * <p>llama-quantize's choices (for a quantized target, unless pure):
 * <ul>
 *   <li>the classifier ({@code output.weight}, or {@code token_embd.weight} when the model ties
 *       them) in Q6_K unless the target is Q8_0;</li>
 *   <li>Q4_K_M: {@code attn_v} and {@code ffn_down} in Q6_K in the layers that "use more bits":
 *       the first and last eighth, and every third layer between (i − n/8 ≡ 2 mod 3);</li>
 *   <li>a matrix whose rows are not whole 256-element super-blocks gets Q8_0 instead of a K-quant
 *       (llama.cpp takes Q5_0 for Q4_K, a type this library does not write);</li>
 *   <li>1-D tensors (norms) F32; matrices whose rows are not whole blocks keep their type.</li>
 * </ul>
 */
public final class QuantMix {
    private static final Pattern LAYER = Pattern.compile("blk\\.(\\d+)\\.");

    private final TargetType type;
    private final boolean pure;
    private final boolean tiedClassifier;
    private final int attnV;
    private final int ffnDown;

    private QuantMix(TargetType type, boolean pure, boolean tiedClassifier, int attnV, int ffnDown) {
        this.type = type;
        this.pure = pure;
        this.tiedClassifier = tiedClassifier;
        this.attnV = attnV;
        this.ffnDown = ffnDown;
    }

    /** The mix for a file holding {@code tensorNames} (all of them: the choices depend on the model's layout). */
    public static QuantMix of(TargetType type, boolean pure, Collection<String> tensorNames) {
        return new QuantMix(type, pure, !tensorNames.contains("output.weight"),
                (int) tensorNames.stream().filter(n -> n.contains("attn_v.weight")).count(),
                (int) tensorNames.stream().filter(n -> n.contains("ffn_down")).count());
    }

    /** The dtype of tensor {@code name} of {@code shape} (innermost dimension last), now {@code source}. */
    public DType dtypeFor(String name, long[] shape, DType source) {
        if (!source.isDecodable()) {
            return source;
        }
        if (shape.length < 2) {
            return DType.F32;
        }
        DType base = type.dtype();
        DType chosen = pure || !base.isQuantized() ? base : mixed(name, base);
        long cols = shape[shape.length - 1];
        if (chosen.blockSize() == 256 && cols % 256 != 0) {
            chosen = DType.Q8_0;
        }
        return cols % chosen.blockSize() == 0 ? chosen : source;
    }

    private DType mixed(String name, DType base) {
        boolean classifier = name.equals("output.weight") || (tiedClassifier && name.equals("token_embd.weight"));
        if (classifier) {
            return base == DType.Q8_0 ? base : DType.Q6_K;
        }
        if (type == TargetType.Q4_K_M) {
            if (name.contains("attn_v.weight") && usesMoreBits(layer(name), attnV)) {
                return DType.Q6_K;
            }
            if (name.contains("ffn_down") && usesMoreBits(layer(name), ffnDown)) {
                return DType.Q6_K;
            }
        }
        return base;
    }

    /** llama.cpp's {@code use_more_bits}: the first and last eighth of n layers and every third between. */
    static boolean usesMoreBits(int layer, int n) {
        return layer < n / 8 || layer >= 7 * n / 8 || (layer - n / 8) % 3 == 2;
    }

    private static int layer(String name) {
        Matcher m = LAYER.matcher(name);
        if (!m.find()) {
            throw new IllegalArgumentException("tensor \"" + name + "\" has no blk.<layer>. prefix");
        }
        return Integer.parseInt(m.group(1));
    }
}
