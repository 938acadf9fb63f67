package dev.llmj.rope;

/**
 * Where rotary pair j lives inside a head of {@code d} rotary dimensions.
 *
 * <pre>
 * ADJACENT (llama2.c, llama.cpp "normal" rope for llama):  [x0 x1][x2 x3] ... pair j = (x[2j], x[2j+1])
 * HALVES   (GPT-NeoX, llama.cpp rope for qwen2):          [x0 .. x(d/2-1) | x(d/2) .. x(d-1)]
 *                                                          pair j = (x[j], x[j + d/2])
 * </pre>
 *
 * Dimensions at and beyond {@code d} (when the rotary dims are fewer than the head dim) never rotate.
 */
public enum PairLayout {
    ADJACENT,
    HALVES;

    /** Index of the first element of pair {@code j} in a head with {@code d} rotary dims. */
    public int first(int j, int d) {
        return this == ADJACENT ? 2 * j : j;
    }

    /** Index of the second element of pair {@code j} in a head with {@code d} rotary dims. */
    public int second(int j, int d) {
        return this == ADJACENT ? 2 * j + 1 : j + d / 2;
    }
}
