package dev.llmj.runtime.generate;

import dev.llmj.runtime.sampling.SamplerConfig;
import java.util.List;

/**
 * What to generate.
 *
 * @param maxTokens   stop after this many generated tokens (≥ 1)
 * @param sampler     how each token is chosen
 * @param stopStrings stop as soon as the generated text contains one of these (it is not emitted)
 * @param stopAtEos   stop when the model emits its end-of-sequence token (not emitted)
 */
public record GenerationOptions(int maxTokens, SamplerConfig sampler, List<String> stopStrings, boolean stopAtEos) {
    public GenerationOptions {
        if (maxTokens < 1) {
            throw new IllegalArgumentException("max tokens must be ≥ 1, got " + maxTokens);
        }
        stopStrings = List.copyOf(stopStrings);
        for (String s : stopStrings) {
            if (s.isEmpty()) {
                throw new IllegalArgumentException("a stop string must not be empty");
            }
        }
    }

    public static GenerationOptions greedy(int maxTokens) {
        return new GenerationOptions(maxTokens, SamplerConfig.greedy(), List.of(), true);
    }
}
