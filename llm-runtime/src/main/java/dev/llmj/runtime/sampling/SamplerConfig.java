package dev.llmj.runtime.sampling;

/**
 * Sampling parameters, with llama.cpp's meanings.
 *
 * @param temperature   ≤ 0 means greedy (argmax)
 * @param topK          keep the k most likely tokens; ≤ 0 disables
 * @param topP          keep the smallest most-likely set with probability mass ≥ p; 1 disables
 * @param minP          drop tokens whose probability is below minP · p(most likely); 0 disables
 * @param repeatPenalty divide positive logits (multiply negative ones) of recently seen tokens; 1 disables
 * @param repeatLastN   how many recent tokens the penalty looks at
 * @param seed          seed of the generator; equal seeds give equal draws on every JVM
 */
public record SamplerConfig(
        float temperature, int topK, float topP, float minP, float repeatPenalty, int repeatLastN, long seed) {

    public SamplerConfig {
        if (!(temperature >= 0) || Float.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be a finite number ≥ 0, got " + temperature);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("top-p must be in (0, 1], got " + topP);
        }
        if (!(minP >= 0 && minP <= 1)) {
            throw new IllegalArgumentException("min-p must be in [0, 1], got " + minP);
        }
        if (!(repeatPenalty > 0) || Float.isInfinite(repeatPenalty)) {
            throw new IllegalArgumentException("repeat penalty must be a finite number > 0, got " + repeatPenalty);
        }
        if (repeatLastN < 0) {
            throw new IllegalArgumentException("repeat-last-n must be ≥ 0, got " + repeatLastN);
        }
    }

    /** Argmax decoding. */
    public static SamplerConfig greedy() {
        return new SamplerConfig(0f, 0, 1f, 0f, 1f, 64, 0);
    }

    /** llama.cpp's defaults: temperature 0.8, top-k 40, top-p 0.95, min-p 0.05, no repeat penalty. */
    public static SamplerConfig defaults(long seed) {
        return new SamplerConfig(0.8f, 40, 0.95f, 0.05f, 1f, 64, seed);
    }

    public boolean isGreedy() {
        return temperature == 0f;
    }
}
