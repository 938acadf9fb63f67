package dev.llmj.rope;

import java.util.OptionalDouble;

/**
 * Builds a scheme and geometry from GGUF-style metadata values, given as plain Java values so
 * this module needs no GGUF reader. Keys (with the architecture prefix dropped):
 * {@code rope.scaling.type}, {@code rope.scaling.factor}, {@code rope.scaling.original_context_length},
 * {@code rope.freq_base}, {@code rope.dimension_count}. Absent keys are {@code null}.
 */
public final class GgufRope {
    private GgufRope() {}

    /** Default base when {@code rope.freq_base} is absent (llama.cpp's default). */
    public static final double DEFAULT_BASE = 10000.0;

    /** A scheme with the geometry it applies to. */
    public record Config(RopeScheme scheme, RopeGeometry geometry) {}

    /**
     * @param scalingType          {@code rope.scaling.type}: none, linear, yarn, or any scheme name of
     *                             {@link RopeScheme#parse} that takes no required key (null = none)
     * @param scalingFactor        {@code rope.scaling.factor} (null or 0 = not set: n/L at resolve time)
     * @param originalContext      {@code rope.scaling.original_context_length} (null = contextLength)
     * @param freqBase             {@code rope.freq_base} (null = 10000)
     * @param dimensionCount       {@code rope.dimension_count} (null = headDim)
     * @param headDim              the model's head dim (embedding length / head count)
     * @param contextLength        {@code context_length}, the training length when no original is given
     * @param layout               pair layout of the architecture (ADJACENT for llama, HALVES for qwen2)
     */
    public static Config of(String scalingType, Double scalingFactor, Integer originalContext, Double freqBase,
                            Integer dimensionCount, int headDim, int contextLength, PairLayout layout) {
        int d = dimensionCount == null ? headDim : dimensionCount;
        if (d > headDim) {
            throw new IllegalArgumentException("rope.dimension_count " + d + " exceeds the head dim " + headDim);
        }
        double base = freqBase == null ? DEFAULT_BASE : freqBase;
        int training = originalContext == null || originalContext == 0 ? contextLength : originalContext;
        RopeGeometry geometry;
        try {
            geometry = new RopeGeometry(d, base, training, layout);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("rope metadata: " + e.getMessage()
                    + " (rope.dimension_count / rope.freq_base / rope.scaling.original_context_length / context_length)", e);
        }
        if (scalingFactor != null && (scalingFactor < 0 || !Double.isFinite(scalingFactor))) {
            throw new IllegalArgumentException("rope.scaling.factor must be a finite number >= 0, got " + scalingFactor);
        }
        OptionalDouble factor = scalingFactor == null || scalingFactor == 0
                ? OptionalDouble.empty() : OptionalDouble.of(scalingFactor);
        String type = scalingType == null ? "none" : scalingType.strip();
        RopeScheme scheme = switch (type) {
            case "none", "", "rope" -> new RopeScheme.Plain();
            case "linear" -> new RopeScheme.Linear(factor);
            case "yarn" -> new RopeScheme.Yarn(factor, RopeScheme.Yarn.DEFAULT_FAST, RopeScheme.Yarn.DEFAULT_SLOW);
            case "ntk" -> new RopeScheme.Ntk(factor);
            case "dynamic-ntk" -> new RopeScheme.DynamicNtk(factor.orElse(1.0));
            case "ntk-mixed" -> new RopeScheme.NtkMixed(factor, RopeScheme.NtkMixed.DEFAULT_BETA);
            case "llama3" -> new RopeScheme.Llama3(factor, RopeScheme.Llama3.DEFAULT_LOW, RopeScheme.Llama3.DEFAULT_HIGH);
            default -> throw new IllegalArgumentException("rope.scaling.type '" + type
                    + "' is not supported; valid: none, linear, yarn, ntk, dynamic-ntk, ntk-mixed, llama3");
        };
        return new Config(scheme, geometry);
    }
}
