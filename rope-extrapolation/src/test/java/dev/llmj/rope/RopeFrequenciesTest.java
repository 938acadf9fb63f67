package dev.llmj.rope;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Formulas against values computed by hand (python, float64) for d = 64, b = 10000, L = 256. */
class RopeFrequenciesTest {
    static final RopeGeometry G = new RopeGeometry(64, 10000, 256, PairLayout.ADJACENT);
    // All expected values are double computations of a few operations: 1e-12 relative is ~1e4 ulp of slack.
    static final double REL = 1e-12;

    static void close(double expected, double actual) {
        assertEquals(expected, actual, Math.abs(expected) * REL);
    }

    static double[] freqs(String scheme, int n) {
        return RopeScheme.parse(scheme).resolve(G, n).inverseFrequencies();
    }

    @Test
    void plainThetas() {
        double[] f = freqs("rope", 512);
        close(1.0, f[0]);
        close(0.1, f[8]);            // 10000^(-16/64) = 0.1
        close(Math.pow(10000, -62.0 / 64), f[31]);
    }

    @Test
    void linearDividesByFactorAndDefaultsToNOverL() {
        double[] plain = freqs("rope", 512);
        double[] auto = freqs("linear", 1024);     // k = 1024/256 = 4
        double[] given = freqs("linear:factor=4", 300);
        for (int j = 0; j < 32; j++) {
            close(plain[j] / 4, auto[j]);
            close(plain[j] / 4, given[j]);
        }
        assertArrayEquals(plain, freqs("linear", 100), "n < L: factor max(1, n/L) = 1");
    }

    @Test
    void ntkBaseAndItsLowestFrequency() {
        close(20452.228712025368, RopeFrequencies.ntkBase(G, 2));    // 10000·2^(64/62)
        double[] plain = freqs("rope", 512);
        double[] ntk = freqs("ntk", 512);
        close(plain[0], ntk[0]);                    // highest frequency untouched
        close(plain[31] / 2, ntk[31]);              // lowest divided by k exactly
        assertArrayEquals(ntk, freqs("dynamic-ntk", 512), "dynamic at n=2L with k=1 = ntk with k=2");
        assertArrayEquals(plain, freqs("dynamic-ntk", 256), "plain up to L");
        // k·n/L − (k−1) with k = 2, n = 512: 4 − 1 = 3
        close(10000 * Math.pow(3, 64.0 / 62), RopeFrequencies.dynamicNtkBase(G, 2, 512));
    }

    @Test
    void ntkMixedEndpoints() {
        double[] plain = freqs("rope", 512);
        double[] mixed = freqs("ntk-mixed", 1024);    // k = 4
        // j = d/2−1: exp(−ln k·((d/2)/(d/2))^β) = 1/k exactly (up to rounding)
        close(plain[31] / 4, mixed[31]);
        // j = 0: exp(−ln 4/32^0.75) = exp(−0.0819...) ≈ 0.92: almost unchanged, and monotone in between
        close(Math.exp(-Math.log(4) / Math.pow(32, 0.75)), mixed[0] / plain[0]);
        for (int j = 1; j < 32; j++) {
            assertTrue(mixed[j] / plain[j] < mixed[j - 1] / plain[j - 1], "pair " + j);
        }
    }

    @Test
    void yarnRampAtKnownPairs() {
        // correction dims: β_fast 32 → 0.839 → floor 0; β_slow 1 → 12.88 → ceil 13; ramp_j = j/13
        close(0.8392809490706284, RopeFrequencies.yarnCorrectionDim(G, 32));
        close(12.880480775629875, RopeFrequencies.yarnCorrectionDim(G, 1));
        double[] ramp = RopeFrequencies.yarnRamp(G, 32, 1);
        assertEquals(0.0, ramp[0]);
        close(5.0 / 13, ramp[5]);
        assertEquals(1.0, ramp[13]);
        assertEquals(1.0, ramp[31]);
        double[] yarn = freqs("yarn:factor=2", 512);
        close(0.19153403007267217, yarn[5]);
        close(1.0, yarn[0]);
        close(Math.pow(10000, -62.0 / 64) / 2, yarn[31]);
        close(0.1 * Math.log(2) + 1, RopeScheme.parse("yarn").resolve(G, 512).attentionFactor());
        assertEquals(1.0, RopeScheme.parse("yarn").resolve(G, 256).attentionFactor());
    }

    @Test
    void llama3Bands() {
        // wavelengths: j ≤ 8 below L/high = 64 (kept), j ≥ 13 above L/low = 256 (÷k), 9..12 smoothed
        double[] plain = freqs("rope", 512);
        double[] l3 = freqs("llama3", 512);
        for (int j = 0; j <= 8; j++) close(plain[j], l3[j]);
        for (int j = 13; j < 32; j++) close(plain[j] / 2, l3[j]);
        close(0.04021850800425944, l3[10]);
        for (int j = 9; j <= 12; j++) {
            assertTrue(l3[j] < plain[j] && l3[j] > plain[j] / 2, "pair " + j);
        }
    }

    @Test
    void policiesAndLogn() {
        ResolvedRope leaky = RopeScheme.parse("leaky-rerope:w=128,k=8").resolve(G, 512);
        assertEquals(new PositionPolicy.Windowed(128, 0.125), leaky.policy());
        assertEquals(100.0, leaky.policy().effectiveDistance(100));
        assertEquals(128 + 72 / 8.0, leaky.policy().effectiveDistance(200));
        ResolvedRope rerope = RopeScheme.parse("rerope:w=128+logn").resolve(G, 512);
        assertEquals(128.0, rerope.policy().effectiveDistance(500));
        assertEquals(1.0, rerope.queryScale(0));
        assertEquals(1.0, rerope.queryScale(255));               // ln 256 / ln 256
        close(Math.log(512) / Math.log(256), rerope.queryScale(511));
        ResolvedRope local = RopeScheme.parse("local:w=16").resolve(G, 64);
        assertTrue(local.policy().attends(15) && !local.policy().attends(16));
    }
}
