package dev.llmj.runtime.convert;

import dev.llmj.tensor.DType;
import dev.llmj.tensor.Tensor;
import dev.llmj.tensor.gguf.GgufFile;
import dev.llmj.tensor.gguf.GgufTensorInfo;
import dev.llmj.tensor.gguf.GgufValue;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Rewrites a GGUF file with its weight matrices in another type (F32 → Q8_0, Q4_0, F16, BF16,
 * or back to F32), one tensor at a time.
 *
 * <p>Which tensor gets which type: {@link QuantMix}, llama.cpp's {@code llama-quantize} choices
 * (the classifier in Q6_K for Q4_0 and the K-quants, Q4_K_M's Q6_K layers), or with {@code pure}
 * the target for every matrix; 1-D tensors (the RMSNorm weights) are F32. Requantizing (a
 * quantized tensor to another quantized type) is refused, as llama.cpp refuses it: it would stack
 * two rounding errors.
 *
 * <p>Metadata is copied in order, except {@code general.file_type} and
 * {@code general.quantization_version}, which are appended at the end as llama.cpp's quantizer
 * appends them (the latter only for a quantized target). Tensors keep the input's order and the
 * alignment is kept.
 */
public final class GgufTypeConverter {
    private GgufTypeConverter() {}

    public static void convert(Path input, Path output, TargetType type, ConvertProgress progress) throws IOException {
        convert(input, output, type, false, progress);
    }

    /** {@link #convert(Path, Path, TargetType, ConvertProgress)}, every matrix in {@code type} when {@code pure}. */
    public static void convert(Path input, Path output, TargetType type, boolean pure, ConvertProgress progress)
            throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            GgufFile in = GgufFile.open(input, arena);
            QuantMix mix = QuantMix.of(type, pure, in.tensorInfos().stream().map(GgufTensorInfo::name).toList());
            StreamingGgufWriter w = new StreamingGgufWriter().alignment(in.alignment());
            metadata(in.metadata(), type).forEach(w::put);
            for (GgufTensorInfo info : in.tensorInfos()) {
                Tensor t = in.tensor(info.name());
                DType target = mix.dtypeFor(info.name(), t.shape(), t.dtype());
                if (t.dtype().isQuantized() && target != t.dtype() && target.isQuantized()) {
                    throw new IllegalArgumentException(input + ": tensor \"" + info.name() + "\" is already "
                            + t.dtype() + "; requantizing to " + target + " is not supported (convert from an "
                            + "F32/F16/BF16 file)");
                }
                w.addTensor(info.name(), t, target);
            }
            w.write(output, progress);
        }
    }

    /** {@code in} with {@code general.file_type} (and {@code general.quantization_version}) set for {@code type}. */
    public static Map<String, GgufValue> metadata(Map<String, GgufValue> in, TargetType type) {
        Map<String, GgufValue> m = new LinkedHashMap<>(in);
        m.remove("general.file_type");
        m.remove("general.quantization_version");
        if (type.dtype().isQuantized()) {
            m.put("general.quantization_version", GgufValue.uint32(Llama2cToGguf.QUANTIZATION_VERSION));
        }
        m.put("general.file_type", GgufValue.uint32(type.fileType()));
        return m;
    }
}
