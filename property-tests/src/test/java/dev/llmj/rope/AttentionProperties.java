package dev.llmj.rope;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmj.rope.attention.AttentionShape;
import dev.llmj.rope.attention.ParallelFor;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/** Attention with KV cache, for every scheme, against a naive reference and against itself. */
class AttentionProperties {

    /**
     * Float attention vs the double reference. Inputs are in [−1, 1], headDim ≤ 36, so |score| ≤
     * √36·1.21²·ln(40)/ln(4) ≈ 23. The float path rounds cos/sin (2^−24), each rotated element
     * (≈3 roundings) and each dot (≤ 36 fma roundings of terms ≤ 1.5): a score is off by well
     * under 36·4·2^−24·1.5 ≈ 1.3e−5 (times the ≤ 0.8 scale). Softmax weights then move by at most
     * that relative amount, and out = Σ p·v with |v| ≤ 1 by the same plus the float sum of ≤ 40 terms
     * (40·2^−24 ≈ 2.4e−6). That worst case assumes every rounding aligned; over 2000 random cases the
     * largest error seen was 1.7e−7, so 5e−6 (30× that) is safe, while any real mistake (a wrong
     * angle, scale or window) moves outputs by 1e−3 or more.
     */
    static final double REFERENCE_TOLERANCE = 5e-6;

    static double maxError(float[] actual, double[] expected) {
        double max = 0;
        for (int i = 0; i < actual.length; i++) max = Math.max(max, Math.abs(actual[i] - expected[i]));
        return max;
    }

    @Property(tries = 300)
    void attentionEqualsNaiveReference(@ForAll long seed) {
        AttentionCase c = AttentionCase.random(seed);
        double[] expected = ReferenceAttention.forward(c.resolve(), c.shape(), c.q(), c.k(), c.v(), c.n());
        double vector = maxError(c.prefill(), expected);
        double scalar = maxError(c.run(new int[] {c.n()}, true, ParallelFor.SERIAL), expected);
        assertTrue(vector <= REFERENCE_TOLERANCE && scalar <= REFERENCE_TOLERANCE,
                c + ": vector error " + vector + ", scalar error " + scalar);
    }

    /**
     * Decode (one token at a time through the cache), prefill and any chunking run the same float
     * operations on the same operands for each (query, key) — cached keys are rotated by their own
     * position whatever the batch — so they agree bit for bit; so do serial and parallel heads
     * (each head writes its own block, no cross-thread reduction).
     */
    @Property(tries = 200)
    void decodeAndChunksGiveTheSameOutputsAsPrefill(@ForAll long seed) {
        AttentionCase c = AttentionCase.random(seed);
        float[] prefill = c.prefill();
        assertArrayEquals(prefill, c.decode(), c + " decode");
        int[] sizes = AttentionCase.randomChunks(new Random(seed ^ 0x5eed), c.n());
        assertArrayEquals(prefill, c.run(sizes, false, ParallelFor.COMMON_POOL), c + " chunks " + Arrays.toString(sizes));
        float[] scalarPrefill = c.run(new int[] {c.n()}, true, ParallelFor.SERIAL);
        assertArrayEquals(scalarPrefill, c.run(AttentionCase.ones(c.n()), true, ParallelFor.SERIAL), c + " scalar decode");
    }

    /** GQA with kvHeads < heads equals multi-head attention on k/v heads repeated per group, bit for bit. */
    @Property(tries = 100)
    void groupedQueryAttentionEqualsRepeatedKvHeads(@ForAll long seed) {
        Random r = new Random(seed);
        AttentionCase c = AttentionCase.random(r, RopeScheme.parse(AttentionCase.randomScheme(r)), 1 + r.nextInt(24));
        AttentionShape s = c.shape();
        int group = 2 + r.nextInt(3);
        AttentionShape gqa = new AttentionShape(s.kvHeads() * group, s.kvHeads(), s.headDim());
        AttentionShape mha = new AttentionShape(gqa.heads(), gqa.heads(), s.headDim());
        float[] q = AttentionCase.uniform(r, c.n() * gqa.queryDim());
        float[] kRep = new float[c.n() * mha.kvDim()];
        float[] vRep = new float[c.n() * mha.kvDim()];
        for (int t = 0; t < c.n(); t++) {
            for (int h = 0; h < mha.heads(); h++) {
                System.arraycopy(c.k(), t * s.kvDim() + (h / group) * s.headDim(), kRep, t * mha.kvDim() + h * s.headDim(), s.headDim());
                System.arraycopy(c.v(), t * s.kvDim() + (h / group) * s.headDim(), vRep, t * mha.kvDim() + h * s.headDim(), s.headDim());
            }
        }
        AttentionCase grouped = new AttentionCase(gqa, c.geometry(), c.scheme(), c.n(), q, c.k(), c.v());
        AttentionCase repeated = new AttentionCase(mha, c.geometry(), c.scheme(), c.n(), q, kRep, vRep);
        assertArrayEquals(repeated.prefill(), grouped.prefill(), grouped.toString());
    }

    /**
     * ReRoPE and Leaky ReRoPE on sequences no longer than the window w, and local:w with w ≥ n,
     * never reach a far key, so they run exactly plain RoPE's operations: equal bit for bit.
     */
    @Property(tries = 100)
    void windowedSchemesEqualPlainRopeInsideTheWindow(@ForAll long seed, @ForAll @IntRange(min = 1, max = 30) int n,
                                                      @ForAll @IntRange(min = 0, max = 10) int extra) {
        Random r = new Random(seed);
        int w = n + extra;
        AttentionCase plain = AttentionCase.random(r, new RopeScheme.Plain(), n);
        float[] expected = plain.prefill();
        for (RopeScheme s : List.of(new RopeScheme.ReRope(w), new RopeScheme.LeakyReRope(w, 1 + r.nextInt(16)),
                new RopeScheme.Local(w))) {
            assertArrayEquals(expected, plain.with(s).prefill(), plain.with(s).toString());
            assertArrayEquals(expected, plain.with(s).decode(), plain.with(s) + " decode");
        }
    }

    /** +logn scales queries by max(1, ln(m+1)/ln L) = exactly 1 for m < L: equal bit for bit up to L. */
    @Property(tries = 100)
    void lognEqualsPlainUpToTheTrainingLength(@ForAll long seed) {
        Random r = new Random(seed);
        AttentionCase c = AttentionCase.random(r, RopeScheme.parse(AttentionCase.randomScheme(r)).withoutLogn(), 1);
        AttentionCase sized = c.withLength(r, 1 + r.nextInt(c.geometry().trainingLength()));
        assertArrayEquals(sized.prefill(), sized.with(sized.scheme().withLogn()).prefill(), sized.toString());
    }

    /**
     * Frequency-rescaling schemes at factor 1 give plain RoPE's frequencies up to a few ulp
     * (e.g. YaRN's θ/1·r + θ·(1−r)), so attention matches plain RoPE's within float noise:
     * a relative frequency change of 1e−15 moves angles (≤ 40 rad) by 4e−14 — far below the float
     * rounding of cos/sin — so at most a 1-ulp table difference, bounded like the reference tolerance.
     */
    @Property(tries = 100)
    void factorOneSchemesEqualPlainRope(@ForAll long seed) {
        Random r = new Random(seed);
        AttentionCase plain = AttentionCase.random(r, new RopeScheme.Plain(), 1 + r.nextInt(30));
        float[] expected = plain.prefill();
        for (String s : List.of("linear:factor=1", "ntk:factor=1", "yarn:factor=1", "llama3:factor=1",
                "ntk-mixed:factor=1")) {
            float[] actual = plain.with(RopeScheme.parse(s)).prefill();
            double max = 0;
            for (int i = 0; i < actual.length; i++) max = Math.max(max, Math.abs(actual[i] - expected[i]));
            assertTrue(max <= REFERENCE_TOLERANCE, s + " " + plain + ": " + max);
        }
    }
}
