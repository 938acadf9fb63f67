package dev.llmj.tensor.quant;

/** C's rounding functions, which the reference quantizers use and Java lacks. */
public final class Rounding {
    private Rounding() {}

    /**
     * C {@code roundf}: nearest integer, halves away from zero. (Java's {@code Math.round} rounds
     * halves up, which differs for negative halves.) Exact in double for every float input.
     */
    public static int roundf(float v) {
        return (int) Math.copySign(Math.floor(Math.abs((double) v) + 0.5), v);
    }
}
