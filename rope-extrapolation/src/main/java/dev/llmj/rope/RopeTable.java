package dev.llmj.rope;

/**
 * Cos/sin of every rotary pair at positions 0..positions−1, computed in double (angle = m·θ_j,
 * then cos/sin, times the scheme's attention factor) and stored as float.
 *
 * <p>Stored "expanded" in the head's own element order so one formula rotates every element e of
 * a head: {@code x'[e] = x[e]·cos[e] + x[partner(e)]·sin[e]}, where {@code sin[e]} carries the sign:
 *
 * <pre>
 * ADJACENT, pair j at (2j, 2j+1):  cos = [c0  c0 | c1  c1 | ...]   sin = [−s0 +s0 | −s1 +s1 | ...]
 * HALVES,   pair j at (j, j+d/2):  cos = [c0 c1 .. | c0 c1 ..]      sin = [−s0 −s1 .. | +s0 +s1 ..]
 * </pre>
 *
 * giving (x0·c − x1·s, x1·c + x0·s) for each pair. Position m's entries start at {@code m·d}.
 */
public final class RopeTable {
    private final int d;
    private final PairLayout layout;
    private final int positions;
    private final double[] inverseFrequencies;
    private final double scale;
    private final double anchor;
    private final double slope;
    private final float[] cos;
    private final float[] sin;

    /**
     * @param inverseFrequencies θ_j per pair (length d/2)
     * @param scale              factor folded into cos and sin (YaRN's attention factor; 1 otherwise)
     */
    public RopeTable(double[] inverseFrequencies, double scale, PairLayout layout, int positions) {
        this(inverseFrequencies, scale, layout, positions, 0.0, 1.0);
    }

    /**
     * A table whose row m holds the rotation of position {@code anchor + (m − anchor)·slope}: the
     * plain table is anchor 0, slope 1; Leaky ReRoPE's key table is anchor 0, slope 1/k (position m/k)
     * and its query table anchor w, slope 1/k (position w + (m − w)/k).
     */
    public RopeTable(double[] inverseFrequencies, double scale, PairLayout layout, int positions,
                     double anchor, double slope) {
        if (inverseFrequencies.length < 1) {
            throw new IllegalArgumentException("need at least one rotary pair");
        }
        if (positions < 1) {
            throw new IllegalArgumentException("positions must be >= 1, got " + positions);
        }
        if ((long) positions * inverseFrequencies.length * 2 > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("rope table too large: " + positions + " positions × "
                    + 2 * inverseFrequencies.length + " dims");
        }
        this.d = 2 * inverseFrequencies.length;
        this.layout = layout;
        this.positions = positions;
        this.inverseFrequencies = inverseFrequencies.clone();
        this.scale = scale;
        this.anchor = anchor;
        this.slope = slope;
        this.cos = new float[positions * d];
        this.sin = new float[positions * d];
        for (int m = 0; m < positions; m++) {
            fill(slope == 1.0 && anchor == 0.0 ? m : anchor + (m - anchor) * slope, cos, sin, m * d);
        }
    }

    /** Position of row m: anchor + (m − anchor)·slope. */
    public double positionOf(int m) {
        return anchor + (m - anchor) * slope;
    }

    /** Rotary dims d. */
    public int rotaryDims() { return d; }

    public PairLayout layout() { return layout; }

    /** Number of integer positions tabulated (0..positions−1). */
    public int positions() { return positions; }

    /** The expanded cos table; position m starts at m·d. Do not modify. */
    public float[] cos() { return cos; }

    /** The expanded signed sin table; position m starts at m·d. Do not modify. */
    public float[] sin() { return sin; }

    /** Offset of position m in {@link #cos()} and {@link #sin()}. */
    public int offset(int m) {
        assert m >= 0 && m < positions : m;
        return m * d;
    }

    /**
     * Writes the expanded cos/sin of any (possibly fractional, possibly beyond the table) position
     * into {@code c[off..off+d)} and {@code s[off..off+d)}; used for Leaky ReRoPE's j/k positions.
     */
    public void fill(double position, float[] c, float[] s, int off) {
        int half = d / 2;
        for (int j = 0; j < half; j++) {
            double angle = position * inverseFrequencies[j];
            float cj = (float) (scale * Math.cos(angle));
            float sj = (float) (scale * Math.sin(angle));
            int first = layout.first(j, d);
            int second = layout.second(j, d);
            c[off + first] = cj;
            c[off + second] = cj;
            s[off + first] = -sj;
            s[off + second] = sj;
        }
    }
}
