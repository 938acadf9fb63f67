package dev.llmj.rope;

/**
 * How the relative position i−j (query i, key j ≤ i) enters the score.
 *
 * <ul>
 *   <li>{@link Absolute}: rotations by absolute positions, so the score sees i−j (plain RoPE and
 *       all frequency-rescaling schemes).</li>
 *   <li>{@link Windowed}: i−j below the window w as is; from w on, w + (i−j−w)·slope
 *       (ReRoPE: slope 0; Leaky ReRoPE: slope 1/k).</li>
 *   <li>{@link LocalWindow}: as Absolute, but keys with i−j ≥ w are not attended at all.</li>
 * </ul>
 */
public sealed interface PositionPolicy {

    /** The relative position the score uses for a key {@code distance} = i−j ≥ 0 before the query. */
    double effectiveDistance(int distance);

    /** Whether a key at {@code distance} = i−j ≥ 0 is attended. */
    default boolean attends(int distance) {
        return true;
    }

    /**
     * The distance w where the rule changes (ReRoPE's near window, local attention's span);
     * {@link Integer#MAX_VALUE} for {@link Absolute}, which has none.
     */
    default int window() {
        return Integer.MAX_VALUE;
    }

    record Absolute() implements PositionPolicy {
        public double effectiveDistance(int distance) { return distance; }
    }

    record Windowed(int window, double slope) implements PositionPolicy {
        public double effectiveDistance(int distance) {
            return distance < window ? distance : window + (distance - window) * slope;
        }
    }

    record LocalWindow(int window) implements PositionPolicy {
        public double effectiveDistance(int distance) { return distance; }
        @Override public boolean attends(int distance) { return distance < window; }
    }
}
