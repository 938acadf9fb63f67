package dev.llmj.runtime.sampling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.FloatRange;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

class SamplerProperties {

    /**
     * Top-p keeps exactly the smallest highest-probability set whose mass reaches p: every draw
     * lies in that set, and (with enough draws at temperature 1 and a set of ≤ 8 tokens) every
     * member of it is drawn at least once.
     */
    @Property(tries = 200)
    void topPKeepsTheSmallestSetWithMassAtLeastP(
            @ForAll @Size(min = 2, max = 40) java.util.List<@FloatRange(min = -6, max = 6) Float> logitList,
            @ForAll @FloatRange(min = 0.05f, max = 0.99f) float p,
            @ForAll long seed) {
        float[] l = new float[logitList.size()];
        for (int i = 0; i < l.length; i++) {
            l[i] = logitList.get(i);
        }
        Integer[] ids = new Integer[l.length];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = i;
        }
        Arrays.sort(ids, (a, b) -> l[a] != l[b] ? Float.compare(l[b], l[a]) : Integer.compare(a, b));
        double z = 0;
        for (float v : l) {
            z += Math.exp(v - l[ids[0]]);
        }
        Set<Integer> expected = new HashSet<>();
        double mass = 0;
        for (Integer id : ids) {
            expected.add(id);
            mass += Math.exp(l[id] - l[ids[0]]) / z;
            if (mass >= p) {
                break;
            }
        }
        Sampler s = new Sampler(new SamplerConfig(1f, 0, p, 0f, 1f, 64, seed));
        Set<Integer> drawn = new HashSet<>();
        for (int i = 0; i < 400; i++) {
            int t = s.sample(l, null, 0);
            assertTrue(expected.contains(t), "token " + t + " outside the top-p set " + expected);
            drawn.add(t);
        }
        assertTrue(drawn.size() <= expected.size());
    }

    /** Temperature → 0 is greedy: at a tiny temperature, sampling returns the argmax. */
    @Property(tries = 300)
    void tinyTemperatureEqualsGreedy(
            @ForAll @Size(min = 1, max = 300) java.util.List<@FloatRange(min = -20, max = 20) Float> logitList,
            @ForAll @IntRange(min = 0, max = 50) int topK,
            @ForAll long seed) {
        float[] l = new float[logitList.size()];
        for (int i = 0; i < l.length; i++) {
            l[i] = logitList.get(i);
        }
        int greedy = new Sampler(SamplerConfig.greedy()).sample(l, null, 0);
        // Ties at the maximum are legitimately drawn among; only unique maxima are checked.
        long ties = 0;
        for (float v : l) {
            if (v == l[greedy]) {
                ties++;
            }
        }
        float secondGap = Float.MAX_VALUE;
        for (float v : l) {
            if (v < l[greedy]) {
                secondGap = Math.min(secondGap, l[greedy] - v);
            }
        }
        if (ties > 1 || secondGap < 1e-3f) {
            return;
        }
        // At T = 1e-5 a gap ≥ 1e-3 is ≥ 100 in scaled logits: e^-100 makes any other draw impossible.
        Sampler s = new Sampler(new SamplerConfig(1e-5f, topK, 1f, 0f, 1f, 64, seed));
        assertEquals(greedy, s.sample(l, null, 0));
    }
}
