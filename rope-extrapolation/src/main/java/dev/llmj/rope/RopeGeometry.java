package dev.llmj.rope;

/**
 * What a rotary scheme needs to know about the model: the number of rotary dims per head
 * {@code d} (even, may be below the head dim), the base {@code b}, the training length {@code L}
 * and the pair layout.
 */
public record RopeGeometry(int rotaryDims, double base, int trainingLength, PairLayout layout) {

    public RopeGeometry {
        if (rotaryDims < 2 || (rotaryDims & 1) != 0) {
            throw new IllegalArgumentException("rotaryDims must be even and >= 2, got " + rotaryDims);
        }
        if (!(base > 1.0) || Double.isInfinite(base)) {
            throw new IllegalArgumentException("base must be a finite number > 1, got " + base);
        }
        if (trainingLength < 2) {
            throw new IllegalArgumentException("trainingLength must be >= 2, got " + trainingLength);
        }
        if (layout == null) {
            throw new IllegalArgumentException("layout must not be null");
        }
    }

    /** Number of rotary pairs, d/2. */
    public int pairs() {
        return rotaryDims / 2;
    }

    /** Plain RoPE inverse frequency of pair j: b^(−2j/d), computed in double. */
    public double theta(int j) {
        return Math.pow(base, -2.0 * j / rotaryDims);
    }
}
