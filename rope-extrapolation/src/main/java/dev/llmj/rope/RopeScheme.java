package dev.llmj.rope;

import java.util.OptionalDouble;

/**
 * A rotary position scheme and its length-extrapolation variant, as a small immutable value.
 *
 * <p>Notation: rotary dims d, base b, pair j = 0..d/2−1, θ_j = b^(−2j/d), training length L,
 * evaluation length n, factor k. A scheme whose factor is not given uses k = max(1, n/L) for the
 * n it is {@linkplain #resolve resolved} at (except {@code dynamic-ntk}, whose factor defaults to 1).
 *
 * <p>String form: {@code name[:key=value,key=value][+logn]}; {@link #toString()} gives the
 * canonical string (parameters equal to their defaults are left out) and {@link #parse} reads it
 * back, so {@code parse(s.toString()).equals(s)}.
 */
public sealed interface RopeScheme {

    /** The scheme's name as written in scheme strings ({@code rope}, {@code yarn}, ...). */
    String name();

    /** The scheme without a {@code +logn} modifier. */
    default RopeScheme withoutLogn() {
        return this;
    }

    /** Whether queries are scaled by max(1, ln(m+1)/ln L). */
    default boolean logn() {
        return false;
    }

    /** This scheme with the {@code +logn} modifier. */
    default RopeScheme withLogn() {
        return new LogN(this);
    }

    /** Everything attention needs to apply this scheme to a model with the given geometry at length n. */
    default ResolvedRope resolve(RopeGeometry geometry, int n) {
        return ResolvedRope.of(this, geometry, n);
    }

    /** Parses {@code name[:key=value,...][+logn]}; bad strings give an IllegalArgumentException naming the bad part. */
    static RopeScheme parse(String text) {
        return SchemeParser.parse(text);
    }

    /** Plain RoPE: position m rotates pair j by m·θ_j. */
    record Plain() implements RopeScheme {
        public String name() { return "rope"; }
        @Override public String toString() { return name(); }
    }

    /** Position interpolation: angle (m/k)·θ_j. */
    record Linear(OptionalDouble factor) implements RopeScheme {
        public Linear { SchemeParser.checkFactor(factor); }
        public String name() { return "linear"; }
        @Override public String toString() { return SchemeParser.format(name(), "factor", factor); }
    }

    /** NTK-aware scaled RoPE with a fixed base b·k^(d/(d−2)). */
    record Ntk(OptionalDouble factor) implements RopeScheme {
        public Ntk { SchemeParser.checkFactor(factor); }
        public String name() { return "ntk"; }
        @Override public String toString() { return SchemeParser.format(name(), "factor", factor); }
    }

    /**
     * Dynamic NTK: for length n > L the base is b·((k·n/L) − (k−1))^(d/(d−2)); plain RoPE up to L.
     * The factor k defaults to 1, i.e. base b·(n/L)^(d/(d−2)).
     */
    record DynamicNtk(double factor) implements RopeScheme {
        public DynamicNtk { SchemeParser.checkPositive("factor", factor); }
        public String name() { return "dynamic-ntk"; }
        @Override public String toString() {
            return factor == 1.0 ? name() : name() + ":factor=" + SchemeParser.num(factor);
        }
    }

    /**
     * Mixed-radix NTK (Su, part 11): θ_j·exp(−a·(j+1)^β), a = ln(k)/(d/2)^β, so the highest
     * frequency barely moves and the lowest is divided by k. Key {@code b} = β, default 0.75.
     */
    record NtkMixed(OptionalDouble factor, double beta) implements RopeScheme {
        public static final double DEFAULT_BETA = 0.75;
        public NtkMixed {
            SchemeParser.checkFactor(factor);
            SchemeParser.checkPositive("b", beta);
        }
        public String name() { return "ntk-mixed"; }
        @Override public String toString() {
            return SchemeParser.format(name(), "factor", factor, "b", beta, DEFAULT_BETA);
        }
    }

    /**
     * YaRN: NTK-by-parts between β_slow and β_fast rotations over L (keys {@code slow}, {@code fast},
     * defaults 1 and 32), with q and k scaled by 0.1·ln(k)+1 on their rotary dims.
     */
    record Yarn(OptionalDouble factor, double betaFast, double betaSlow) implements RopeScheme {
        public static final double DEFAULT_FAST = 32, DEFAULT_SLOW = 1;
        public Yarn {
            SchemeParser.checkFactor(factor);
            SchemeParser.checkPositive("fast", betaFast);
            SchemeParser.checkPositive("slow", betaSlow);
        }
        public String name() { return "yarn"; }
        @Override public String toString() {
            return SchemeParser.format(name(), "factor", factor, "fast", betaFast, DEFAULT_FAST,
                    "slow", betaSlow, DEFAULT_SLOW);
        }
    }

    /** Llama 3.1 frequency rescaling with original length L (keys {@code low}, {@code high}, defaults 1 and 4). */
    record Llama3(OptionalDouble factor, double low, double high) implements RopeScheme {
        public static final double DEFAULT_LOW = 1, DEFAULT_HIGH = 4;
        public Llama3 {
            SchemeParser.checkFactor(factor);
            SchemeParser.checkPositive("low", low);
            SchemeParser.checkPositive("high", high);
            if (!(high > low)) {
                throw new IllegalArgumentException("llama3: high (" + high + ") must be greater than low (" + low + ")");
            }
        }
        public String name() { return "llama3"; }
        @Override public String toString() {
            return SchemeParser.format(name(), "factor", factor, "low", low, DEFAULT_LOW, "high", high, DEFAULT_HIGH);
        }
    }

    /** ReRoPE: relative position i−j used as is below the window w, replaced by w from w on. */
    record ReRope(int window) implements RopeScheme {
        public ReRope { SchemeParser.checkWindow(window); }
        public String name() { return "rerope"; }
        @Override public String toString() { return name() + ":w=" + window; }
    }

    /** Leaky ReRoPE: from the window w on, the relative position is w + (i−j−w)/k. */
    record LeakyReRope(int window, double k) implements RopeScheme {
        public LeakyReRope {
            SchemeParser.checkWindow(window);
            if (!(k >= 1.0) || Double.isInfinite(k)) {
                throw new IllegalArgumentException("leaky-rerope: k must be a finite number >= 1, got " + k);
            }
        }
        public String name() { return "leaky-rerope"; }
        @Override public String toString() { return name() + ":w=" + window + ",k=" + SchemeParser.num(k); }
    }

    /** Local attention (Su, part 7): plain RoPE, each query sees only the last w positions, itself included. */
    record Local(int window) implements RopeScheme {
        public Local { SchemeParser.checkWindow(window); }
        public String name() { return "local"; }
        @Override public String toString() { return name() + ":w=" + window; }
    }

    /** The {@code +logn} modifier: queries at 0-based position m scaled by max(1, ln(m+1)/ln L). */
    record LogN(RopeScheme inner) implements RopeScheme {
        public LogN {
            if (inner == null || inner instanceof LogN) {
                throw new IllegalArgumentException("+logn wraps exactly one scheme without +logn, got " + inner);
            }
        }
        public String name() { return inner.name(); }
        @Override public RopeScheme withoutLogn() { return inner; }
        @Override public boolean logn() { return true; }
        @Override public RopeScheme withLogn() { return this; }
        @Override public String toString() { return inner + "+logn"; }
    }
}
