package dev.llmj.rope;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/** Each scheme reduces to plain RoPE where it should, on random geometries. */
class SchemeProperties {

    static RopeGeometry randomGeometry(Random r) {
        return new RopeGeometry(2 * (2 + r.nextInt(64)), 2 + r.nextDouble() * 1e6, 2 + r.nextInt(4096),
                r.nextBoolean() ? PairLayout.ADJACENT : PairLayout.HALVES);
    }

    /**
     * linear/ntk/yarn/llama3/ntk-mixed at factor 1 and dynamic-ntk up to L give θ_j to within a few
     * ulp (e.g. θ/1·r + θ·(1−r) rounds twice): relative 1e−14 is ~50 ulp of slack.
     */
    @Property(tries = 300)
    void factorOneIsPlainRope(@ForAll long seed, @ForAll @IntRange(min = 1, max = 100000) int n) {
        Random r = new Random(seed);
        RopeGeometry g = randomGeometry(r);
        double[] plain = RopeScheme.parse("rope").resolve(g, n).inverseFrequencies();
        String dynamic = "dynamic-ntk:factor=" + (1 + r.nextInt(8));
        for (String s : new String[] {"linear:factor=1", "ntk:factor=1", "yarn:factor=1", "llama3:factor=1",
                "ntk-mixed:factor=1", dynamic}) {
            int length = s.startsWith("dynamic") ? Math.min(n, g.trainingLength()) : n;
            ResolvedRope rope = RopeScheme.parse(s).resolve(g, length);
            double[] f = rope.inverseFrequencies();
            for (int j = 0; j < f.length; j++) {
                assertEquals(plain[j], f[j], plain[j] * 1e-14, s + " pair " + j + " " + g);
            }
            assertEquals(1.0, rope.attentionFactor(), s);
        }
    }

    /** ReRoPE/leaky use i−j as is below w; +logn leaves queries before L unscaled. */
    @Property(tries = 300)
    void windowAndLognArePlainWhereTheyShouldBe(@ForAll long seed, @ForAll @IntRange(min = 1, max = 5000) int w,
                                                @ForAll @IntRange(min = 0, max = 10000) int distance) {
        Random r = new Random(seed);
        RopeGeometry g = randomGeometry(r);
        double k = 1 + r.nextInt(32);
        PositionPolicy rerope = new RopeScheme.ReRope(w).resolve(g, 1).policy();
        PositionPolicy leaky = new RopeScheme.LeakyReRope(w, k).resolve(g, 1).policy();
        if (distance < w) {
            assertEquals(distance, rerope.effectiveDistance(distance));
            assertEquals(distance, leaky.effectiveDistance(distance));
        } else {
            assertEquals(w, rerope.effectiveDistance(distance));
            assertEquals(w + (distance - w) / k, leaky.effectiveDistance(distance), 1e-9);
        }
        ResolvedRope logn = new RopeScheme.Plain().withLogn().resolve(g, 1);
        int m = distance % (2 * g.trainingLength());
        double expected = m < g.trainingLength() ? 1.0 : Math.log(m + 1.0) / Math.log(g.trainingLength());
        assertEquals(expected, logn.queryScale(m), 1e-15);
    }

    /** NTK and ntk-mixed: highest frequency (almost) unchanged, lowest divided by k. */
    @Property(tries = 300)
    void ntkFamiliesDivideTheLowestFrequencyByK(@ForAll long seed, @ForAll @IntRange(min = 1, max = 64) int k) {
        Random r = new Random(seed);
        RopeGeometry g = randomGeometry(r);
        double[] plain = RopeFrequencies.plain(g, g.base());
        int last = plain.length - 1;
        double[] ntk = RopeScheme.parse("ntk:factor=" + k).resolve(g, 1).inverseFrequencies();
        double[] mixed = RopeScheme.parse("ntk-mixed:factor=" + k).resolve(g, 1).inverseFrequencies();
        assertEquals(plain[0], ntk[0], 1e-15);
        // b'^(−(d−2)/d) = b^(−(d−2)/d)·k^(−1): pow rounding over a few operations, 1e−12 relative
        assertEquals(plain[last] / k, ntk[last], plain[last] / k * 1e-12);
        assertEquals(plain[last] / k, mixed[last], plain[last] / k * 1e-12);
        // highest (θ_0 = 1): multiplied by exp(−ln k/(d/2)^0.75), which tends to 1 as d grows
        assertEquals(Math.exp(-Math.log(k) / Math.pow(plain.length, 0.75)), mixed[0], 1e-12);
    }
}
