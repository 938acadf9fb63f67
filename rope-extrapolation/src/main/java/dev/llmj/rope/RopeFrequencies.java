package dev.llmj.rope;

import java.util.OptionalDouble;

/**
 * Per-pair inverse frequencies of each scheme, in double. Formulas follow Su's posts (NTK,
 * mixed radix), the YaRN paper / Hugging Face {@code _compute_yarn_parameters} and
 * {@code _compute_llama3_parameters}; each method documents its formula.
 */
public final class RopeFrequencies {
    private RopeFrequencies() {}

    /** Inverse frequencies of {@code scheme} (a {@code +logn} wrapper is ignored) for length n. */
    public static double[] inverseFrequencies(RopeScheme scheme, RopeGeometry g, int n) {
        checkLength(n);
        RopeScheme s = scheme.withoutLogn();
        return switch (s) {
            case RopeScheme.Plain p -> plain(g, g.base());
            case RopeScheme.ReRope r -> plain(g, g.base());
            case RopeScheme.LeakyReRope r -> plain(g, g.base());
            case RopeScheme.Local r -> plain(g, g.base());
            case RopeScheme.Linear lin -> {
                double k = factor(lin.factor(), g, n);
                double[] f = plain(g, g.base());
                for (int j = 0; j < f.length; j++) f[j] /= k;
                yield f;
            }
            case RopeScheme.Ntk ntk -> plain(g, ntkBase(g, factor(ntk.factor(), g, n)));
            case RopeScheme.DynamicNtk dyn -> plain(g, dynamicNtkBase(g, dyn.factor(), n));
            case RopeScheme.NtkMixed mix -> ntkMixed(g, factor(mix.factor(), g, n), mix.beta());
            case RopeScheme.Yarn y -> yarn(g, factor(y.factor(), g, n), y.betaFast(), y.betaSlow());
            case RopeScheme.Llama3 l -> llama3(g, factor(l.factor(), g, n), l.low(), l.high());
            case RopeScheme.LogN l -> throw new AssertionError("unwrapped above");
        };
    }

    /**
     * The factor by which q and k (their rotary dims) are scaled: YaRN's 0.1·ln(k)+1 (1 when k ≤ 1),
     * 1 for every other scheme. The logits grow by its square.
     */
    public static double attentionFactor(RopeScheme scheme, RopeGeometry g, int n) {
        checkLength(n);
        if (scheme.withoutLogn() instanceof RopeScheme.Yarn y) {
            return yarnMscale(factor(y.factor(), g, n));
        }
        return 1.0;
    }

    /** The factor a scheme uses: the given one, else max(1, n/L). */
    public static double factor(OptionalDouble given, RopeGeometry g, int n) {
        return given.isPresent() ? given.getAsDouble() : Math.max(1.0, (double) n / g.trainingLength());
    }

    /** θ_j = base^(−2j/d) for j = 0..d/2−1. */
    public static double[] plain(RopeGeometry g, double base) {
        double[] f = new double[g.pairs()];
        for (int j = 0; j < f.length; j++) {
            f[j] = Math.pow(base, -2.0 * j / g.rotaryDims());
        }
        return f;
    }

    /** NTK-aware base b·k^(d/(d−2)): the lowest frequency becomes θ_{d/2−1}/k exactly. */
    public static double ntkBase(RopeGeometry g, double k) {
        int d = g.rotaryDims();
        return g.base() * Math.pow(k, (double) d / (d - 2));
    }

    /** Dynamic NTK base at length n: b·((k·n/L) − (k−1))^(d/(d−2)) when n > L, else b. */
    public static double dynamicNtkBase(RopeGeometry g, double k, int n) {
        int d = g.rotaryDims();
        if (n <= g.trainingLength()) {
            return g.base();
        }
        double scale = k * n / g.trainingLength() - (k - 1);
        return g.base() * Math.pow(scale, (double) d / (d - 2));
    }

    /** Mixed radix (Su, part 11): θ_j·exp(−a·(j+1)^β) with a = ln(k)/(d/2)^β. */
    public static double[] ntkMixed(RopeGeometry g, double k, double beta) {
        double[] f = plain(g, g.base());
        double a = Math.log(k) / Math.pow(g.pairs(), beta);
        for (int j = 0; j < f.length; j++) {
            f[j] *= Math.exp(-a * Math.pow(j + 1, beta));
        }
        return f;
    }

    /** YaRN's attention scale: 0.1·ln(k)+1, or 1 when k ≤ 1. */
    public static double yarnMscale(double k) {
        return k <= 1 ? 1.0 : 0.1 * Math.log(k) + 1.0;
    }

    /**
     * Fractional pair index at which a pair makes {@code rotations} full turns over the training
     * length: d·ln(L/(rotations·2π)) / (2·ln b).
     */
    public static double yarnCorrectionDim(RopeGeometry g, double rotations) {
        return g.rotaryDims() * Math.log(g.trainingLength() / (rotations * 2 * Math.PI)) / (2 * Math.log(g.base()));
    }

    /**
     * YaRN's ramp between the pair indices low = max(0, floor(dim(β_fast))) and
     * high = min(d−1, ceil(dim(β_slow))): ramp_j = clamp((j − low)/(high − low), 0, 1)
     * (high += 0.001 when they coincide). ramp 0 = pure extrapolation (θ_j kept),
     * ramp 1 = pure interpolation (θ_j/k).
     */
    public static double[] yarnRamp(RopeGeometry g, double betaFast, double betaSlow) {
        double low = Math.max(Math.floor(yarnCorrectionDim(g, betaFast)), 0);
        double high = Math.min(Math.ceil(yarnCorrectionDim(g, betaSlow)), g.rotaryDims() - 1);
        if (low == high) {
            high += 0.001;
        }
        double[] ramp = new double[g.pairs()];
        for (int j = 0; j < ramp.length; j++) {
            ramp[j] = Math.clamp((j - low) / (high - low), 0.0, 1.0);
        }
        return ramp;
    }

    /** YaRN (NTK-by-parts) inverse frequencies: θ_j/k·ramp_j + θ_j·(1 − ramp_j). */
    public static double[] yarn(RopeGeometry g, double k, double betaFast, double betaSlow) {
        double[] f = plain(g, g.base());
        double[] ramp = yarnRamp(g, betaFast, betaSlow);
        for (int j = 0; j < f.length; j++) {
            double extrapolationWeight = 1 - ramp[j];
            f[j] = f[j] / k * (1 - extrapolationWeight) + f[j] * extrapolationWeight;
        }
        return f;
    }

    /**
     * Llama 3.1: with wavelength λ_j = 2π/θ_j, λ_low = L/low, λ_high = L/high: λ_j > λ_low → θ_j/k;
     * λ_j < λ_high → θ_j; between them (1−s)·θ_j/k + s·θ_j with s = (L/λ_j − low)/(high − low).
     */
    public static double[] llama3(RopeGeometry g, double k, double low, double high) {
        double[] f = plain(g, g.base());
        double lowWavelength = g.trainingLength() / low;
        double highWavelength = g.trainingLength() / high;
        for (int j = 0; j < f.length; j++) {
            double wavelength = 2 * Math.PI / f[j];
            if (wavelength > lowWavelength) {
                f[j] = f[j] / k;
            } else if (wavelength >= highWavelength) {
                double s = (g.trainingLength() / wavelength - low) / (high - low);
                f[j] = (1 - s) * f[j] / k + s * f[j];
            }
        }
        return f;
    }

    private static void checkLength(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("length n must be >= 1, got " + n);
        }
    }
}
