package dev.llmj.rope;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmj.rope.attention.AttentionShape;
import dev.llmj.rope.attention.KvType;
import dev.llmj.rope.attention.ParallelFor;
import java.util.Arrays;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/**
 * Attention over a Q8_0 KV cache, every scheme: the cache quantizes what the F32 cache would hold,
 * block by block, and nothing else changes. Head dims 32–128 (a Q8_0 cache needs whole blocks)
 * reach every loop of the Q8_0 kernels at each vector width: decode's four-vector register tile
 * and its single-vector rest (96 at 512 bits), prefill's two-vector and one-vector query tiles.
 */
class Q8CacheProperties {

    static AttentionCase q8Case(long seed) {
        Random r = new Random(seed);
        int n = r.nextInt(3) == 0 ? 1 + r.nextInt(200) : 1 + r.nextInt(70);
        AttentionCase small = AttentionCase.random(r, RopeScheme.parse(AttentionCase.randomScheme(r)), n);
        int hd = 32 * (1 + r.nextInt(4));
        int d = 2 * (1 + r.nextInt(hd / 2));
        AttentionShape shape = new AttentionShape(small.shape().heads(), small.shape().kvHeads(), hd);
        float[] k = AttentionCase.uniform(r, n * shape.kvDim()), v = AttentionCase.uniform(r, n * shape.kvDim());
        // blocks of different sizes, and all-zero blocks (scale 0)
        for (float[] x : new float[][] {k, v}) {
            for (int b = 0; b < x.length; b += 32) {
                float f = switch (r.nextInt(6)) {
                    case 0 -> 0f;
                    case 1 -> 1e-3f;
                    case 2 -> 0.25f;
                    default -> 1f;
                };
                for (int e = b; e < b + 32; e++) x[e] *= f;
            }
        }
        return new AttentionCase(shape, new RopeGeometry(d, small.geometry().base(), small.geometry().trainingLength(),
                small.geometry().layout()), small.scheme(), n, AttentionCase.uniform(r, n * shape.queryDim()), k, v);
    }

    /**
     * Against {@link RoundedCacheReference}, which quantizes the rotated keys and the values by
     * Q8_0's definition: what is left is the float arithmetic of scores, softmax and sums, bounded
     * as in {@link AttentionProperties#REFERENCE_TOLERANCE} (elements ≤ 1 as there). A quantizer
     * that rounds one element of a unit block differently moves some output by up to a Q8_0 step
     * (1/127 of the block's largest value, ~1e−3 after the softmax's weighting), a scale read
     * from the wrong block by far more.
     */
    @Property(tries = 120)
    void q8CacheEqualsTheReferenceOnQuantizedKeysAndValues(@ForAll long seed) {
        AttentionCase c = q8Case(seed);
        double[] expected = RoundedCacheReference.forward(c.resolve(), c.shape(), c.q(), c.k(), c.v(), c.n(), KvType.Q8_0);
        double vector = AttentionProperties.maxError(c.run(new int[] {c.n()}, false, ParallelFor.SERIAL, KvType.Q8_0), expected);
        double scalar = AttentionProperties.maxError(c.run(new int[] {c.n()}, true, ParallelFor.SERIAL, KvType.Q8_0), expected);
        double bound = AttentionProperties.REFERENCE_TOLERANCE;
        assertTrue(vector <= bound && scalar <= bound, c + ": vector error " + vector + ", scalar error " + scalar);
    }

    /** Decode, prefill and any chunking or thread spread agree bit for bit, as for F32 and F16. */
    @Property(tries = 80)
    void q8CacheDecodeAndChunksGiveTheSameOutputsAsPrefill(@ForAll long seed) {
        AttentionCase c = q8Case(seed);
        float[] prefill = c.run(new int[] {c.n()}, false, ParallelFor.SERIAL, KvType.Q8_0);
        assertArrayEquals(prefill, c.run(AttentionCase.ones(c.n()), false, ParallelFor.SERIAL, KvType.Q8_0), c + " decode");
        int[] sizes = AttentionCase.randomChunks(new Random(seed ^ 0x5eed), c.n());
        assertArrayEquals(prefill, c.run(sizes, false, ParallelFor.COMMON_POOL, KvType.Q8_0),
                c + " chunks " + Arrays.toString(sizes));
    }

    /**
     * Keys and values whose every 32-block is d·q with d a power of two and max |q| = 127 are
     * stored exactly (d and 1/d exact, x·(1/d) = q), so the Q8_0 kernels must give the F32
     * kernels' output bit for bit: plain RoPE leaves the key of position 0 unrotated, so a
     * one-token sequence is such a case. This pins the claim that widening changes nothing but
     * the numbers.
     */
    @Property(tries = 60)
    void q8CacheOfRepresentableInputsAtPositionZeroEqualsF32(@ForAll long seed) {
        Random r = new Random(seed);
        AttentionCase c = q8Case(seed).with(new RopeScheme.Plain());
        AttentionCase one = c.withLength(r, 1);
        float[] k = one.k().clone(), v = one.v().clone();
        for (float[] x : new float[][] {k, v}) {
            for (int b = 0; b < x.length; b += 32) {
                float d = (float) Math.scalb(1.0, -r.nextInt(12));
                for (int e = b; e < b + 32; e++) x[e] = d * (r.nextInt(255) - 127);
                x[b + r.nextInt(32)] = d * (r.nextBoolean() ? 127 : -127);
            }
        }
        AttentionCase exact = new AttentionCase(one.shape(), one.geometry(), one.scheme(), 1, one.q(), k, v);
        assertArrayEquals(exact.run(new int[] {1}, false, ParallelFor.SERIAL, KvType.F32),
                exact.run(new int[] {1}, false, ParallelFor.SERIAL, KvType.Q8_0), exact.toString());
    }
}
