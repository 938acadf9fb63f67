package dev.llmj.runtime.generate;

/**
 * What a generation produced.
 *
 * @param generatedIds every token sampled, including a final EOS or the token that completed a stop string
 * @param text         the generated text, cut before a stop string
 * @param promptNanos  time spent evaluating the prompt
 * @param generateNanos time spent generating (sampling and evaluating each new token)
 */
public record GenerationResult(
        int[] promptIds, int[] generatedIds, String text, StopReason stopReason, long promptNanos, long generateNanos) {

    public enum StopReason { MAX_TOKENS, EOS, STOP_STRING }

    public double promptTokensPerSecond() {
        return promptIds.length / (promptNanos / 1e9);
    }

    public double generatedTokensPerSecond() {
        return generatedIds.length / (generateNanos / 1e9);
    }
}
