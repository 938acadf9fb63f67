package dev.llmj.runtime.convert;

import dev.llmj.tensor.DType;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The weight type of a converted GGUF file, with the {@code general.file_type} number llama.cpp
 * gives it ({@code enum llama_ftype}: ALL_F32 = 0, MOSTLY_F16 = 1, MOSTLY_Q4_0 = 2,
 * MOSTLY_Q8_0 = 7, MOSTLY_BF16 = 32).
 *
 * <p>"Mostly": as in llama.cpp, 1-D tensors (norm weights) stay F32 whatever the target, and a
 * matrix whose row length is not a whole number of the target's blocks stays in its source type.
 */
public enum TargetType {
    F32(DType.F32, 0),
    F16(DType.F16, 1),
    BF16(DType.BF16, 32),
    Q8_0(DType.Q8_0, 7),
    Q4_0(DType.Q4_0, 2),
    /** Q4_K matrices, Q6_K for the classifier and for attn_v/ffn_down in some layers ({@link QuantMix}). */
    Q4_K_M(DType.Q4_K, 15),
    Q6_K(DType.Q6_K, 18);

    private final DType dtype;
    private final int fileType;

    TargetType(DType dtype, int fileType) {
        this.dtype = dtype;
        this.fileType = fileType;
    }

    /** The dtype that weight matrices get (most of them: see {@link QuantMix}). */
    public DType dtype() {
        return dtype;
    }

    /** The value of {@code general.file_type}. */
    public int fileType() {
        return fileType;
    }

    /** The command-line spelling: {@code f32}, {@code q8_0}, ... */
    public String cliName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses the command-line spelling (case-insensitive). */
    public static TargetType parse(String s) {
        for (TargetType t : values()) {
            if (t.name().equalsIgnoreCase(s.strip())) {
                return t;
            }
        }
        throw new IllegalArgumentException("unsupported type \"" + s + "\"; expected one of "
                + Arrays.stream(values()).map(TargetType::cliName).collect(Collectors.joining(", ")));
    }
}
