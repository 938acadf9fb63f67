package dev.llmj.rope;

/**
 * A scheme made concrete for one model geometry and one length n: what attention needs.
 *
 * <ul>
 *   <li>{@link #inverseFrequencies()}: θ'_j per pair (double);</li>
 *   <li>{@link #attentionFactor()}: the factor on q and k's rotary dims (YaRN's 0.1·ln k + 1, else 1),
 *       folded into the {@link #table()};</li>
 *   <li>{@link #queryScale(int)}: the {@code +logn} scale of the query at position m;</li>
 *   <li>{@link #policy()}: how the relative position enters the score (ReRoPE, leaky, local).</li>
 * </ul>
 *
 * <p><b>Dynamic NTK policy.</b> The frequencies are fixed once, here, from the length n the caller
 * declares (the whole evaluation window, or the session's context length): every position of that
 * window uses base b·((k·n/L) − (k−1))^(d/(d−2)). Keys are cached rotated with these frequencies, so
 * changing n means resolving again and re-filling the cache (re-prefill). This is what scoring a
 * fixed window needs (the reference numbers score a 512-token window with the base at n = 512),
 * and it keeps decode O(n·d); a per-step moving base would invalidate every cached key each step.
 *
 * <p>The cos/sin table covers positions 0..n−1, so n is also the longest sequence this state serves.
 */
public final class ResolvedRope {
    private final RopeScheme scheme;
    private final RopeGeometry geometry;
    private final int length;
    private final double[] inverseFrequencies;
    private final double attentionFactor;
    private final PositionPolicy policy;
    /** Built on first use (n·d floats each): resolving to read frequencies stays cheap. */
    private volatile Tables tables;
    private final double lnTraining;

    private ResolvedRope(RopeScheme scheme, RopeGeometry geometry, int length) {
        this.scheme = scheme;
        this.geometry = geometry;
        this.length = length;
        this.inverseFrequencies = RopeFrequencies.inverseFrequencies(scheme, geometry, length);
        this.attentionFactor = RopeFrequencies.attentionFactor(scheme, geometry, length);
        this.policy = switch (scheme.withoutLogn()) {
            case RopeScheme.ReRope r -> new PositionPolicy.Windowed(r.window(), 0.0);
            case RopeScheme.LeakyReRope r -> new PositionPolicy.Windowed(r.window(), 1.0 / r.k());
            case RopeScheme.Local l -> new PositionPolicy.LocalWindow(l.window());
            default -> new PositionPolicy.Absolute();
        };
        this.lnTraining = Math.log(geometry.trainingLength());
    }

    private record Tables(RopeTable table, RopeTable farKeys, RopeTable farQueries) {}

    private Tables tables() {
        Tables t = tables;
        if (t == null) {
            synchronized (this) {
                t = tables;
                if (t == null) {
                    RopeTable table = new RopeTable(inverseFrequencies, attentionFactor, geometry.layout(), length);
                    RopeTable farKeys = null, farQueries = null;
                    if (policy instanceof PositionPolicy.Windowed(int w, double slope)) {
                        // far keys: key j rotated by j·slope; far queries: query i rotated by
                        // w + (i − w)·slope; their difference is w + (i − j − w)·slope.
                        farKeys = new RopeTable(inverseFrequencies, attentionFactor, geometry.layout(), length, 0, slope);
                        farQueries = new RopeTable(inverseFrequencies, attentionFactor, geometry.layout(), length, w, slope);
                    }
                    tables = t = new Tables(table, farKeys, farQueries);
                }
            }
        }
        return t;
    }

    /** Resolves {@code scheme} for {@code geometry} at length {@code n} (≥ 1). */
    public static ResolvedRope of(RopeScheme scheme, RopeGeometry geometry, int n) {
        if (scheme == null || geometry == null) {
            throw new IllegalArgumentException("scheme and geometry must not be null");
        }
        if (n < 1) {
            throw new IllegalArgumentException("length n must be >= 1, got " + n);
        }
        return new ResolvedRope(scheme, geometry, n);
    }

    public RopeScheme scheme() { return scheme; }

    public RopeGeometry geometry() { return geometry; }

    /** The length n this state was resolved at; positions 0..n−1 are served. */
    public int length() { return length; }

    /** θ'_j per pair (a copy). */
    public double[] inverseFrequencies() { return inverseFrequencies.clone(); }

    public double attentionFactor() { return attentionFactor; }

    public PositionPolicy policy() { return policy; }

    public RopeTable table() { return tables().table(); }

    /** ReRoPE family: row j rotates a key by j·slope (identity rows for ReRoPE's slope 0); else null. */
    public RopeTable farKeyTable() { return tables().farKeys(); }

    /** ReRoPE family: row i rotates a query by w + (i − w)·slope; else null. */
    public RopeTable farQueryTable() { return tables().farQueries(); }

    /** Whether the keys must also be kept un-rotated / rotated by j·slope (ReRoPE family). */
    public boolean needsFarKeys() {
        return policy instanceof PositionPolicy.Windowed;
    }

    /** Scale of the query at 0-based position m: max(1, ln(m+1)/ln L) with {@code +logn}, else 1. */
    public double queryScale(int m) {
        if (!scheme.logn()) {
            return 1.0;
        }
        return Math.max(1.0, Math.log(m + 1.0) / lnTraining);
    }

    @Override
    public String toString() {
        return scheme + " @ n=" + length + " " + geometry;
    }
}
