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
 * Attention over an F16 KV cache, every scheme: the cache rounds what the F32 cache would hold,
 * and nothing else changes. Sequences reach 300 tokens so that the 4096-float blocks the F16 rows
 * are widened in (113 or more rows at these head dims) are crossed.
 */
class HalfCacheProperties {

    static AttentionCase longCase(long seed) {
        Random r = new Random(seed);
        int n = r.nextInt(3) == 0 ? 1 + r.nextInt(300) : 1 + r.nextInt(70);
        return AttentionCase.random(r, RopeScheme.parse(AttentionCase.randomScheme(r)), n);
    }

    /**
     * Against {@link RoundedCacheReference}, which holds the same binary16 numbers: what is left is
     * the float arithmetic of scores, softmax and sums, bounded as in
     * {@link AttentionProperties#REFERENCE_TOLERANCE} (binary16 values are floats like any other;
     * the longer sequences add terms of the weighted sum, whose float rounding stays ≤ 300·2^−24 ≈
     * 1.8e−5 in the worst case and is ~1e−7 in practice). A key read from the wrong row, an F32
     * stride on F16 rows or a value left unrounded moves outputs by 1e−4 (a binary16 step) or more.
     */
    @Property(tries = 120)
    void halfCacheEqualsTheReferenceOnRoundedKeysAndValues(@ForAll long seed) {
        AttentionCase c = longCase(seed);
        double[] expected = RoundedCacheReference.forward(c.resolve(), c.shape(), c.q(), c.k(), c.v(), c.n(), KvType.F16);
        double vector = AttentionProperties.maxError(c.run(new int[] {c.n()}, false, ParallelFor.SERIAL, KvType.F16), expected);
        double scalar = AttentionProperties.maxError(c.run(new int[] {c.n()}, true, ParallelFor.SERIAL, KvType.F16), expected);
        assertTrue(vector <= AttentionProperties.REFERENCE_TOLERANCE && scalar <= AttentionProperties.REFERENCE_TOLERANCE,
                c + ": vector error " + vector + ", scalar error " + scalar);
    }

    /**
     * As with F32: decode, prefill and any chunking or thread spread agree bit for bit, because the
     * widened blocks hold the same floats and the kernels' results do not depend on where a block
     * starts.
     */
    @Property(tries = 80)
    void halfCacheDecodeAndChunksGiveTheSameOutputsAsPrefill(@ForAll long seed) {
        AttentionCase c = longCase(seed);
        float[] prefill = c.run(new int[] {c.n()}, false, ParallelFor.SERIAL, KvType.F16);
        assertArrayEquals(prefill, c.run(AttentionCase.ones(c.n()), false, ParallelFor.SERIAL, KvType.F16), c + " decode");
        int[] sizes = AttentionCase.randomChunks(new Random(seed ^ 0x5eed), c.n());
        assertArrayEquals(prefill, c.run(sizes, false, ParallelFor.COMMON_POOL, KvType.F16),
                c + " chunks " + Arrays.toString(sizes));
    }

    /**
     * When every rotated key and every value is already a binary16 number the F16 cache stores
     * them exactly, so it must give the F32 cache's output bit for bit. Plain RoPE at position 0
     * rotates by angle 0 (cos 1, sin 0: the key unchanged), so a one-token sequence with
     * binary16 inputs is such a case; with more tokens only the rotation differs.
     */
    @Property(tries = 60)
    void halfCacheOfBinary16InputsAtPositionZeroEqualsF32(@ForAll long seed) {
        Random r = new Random(seed);
        AttentionCase c = AttentionCase.random(r, new RopeScheme.Plain(), 1);
        float[] k = c.k().clone(), v = c.v().clone();
        for (int i = 0; i < k.length; i++) {
            k[i] = Float.float16ToFloat(Float.floatToFloat16(k[i]));
            v[i] = Float.float16ToFloat(Float.floatToFloat16(v[i]));
        }
        AttentionCase exact = new AttentionCase(c.shape(), c.geometry(), c.scheme(), 1, c.q(), k, v);
        assertArrayEquals(exact.run(new int[] {1}, false, ParallelFor.SERIAL, KvType.F32),
                exact.run(new int[] {1}, false, ParallelFor.SERIAL, KvType.F16), exact.toString());
    }

    /**
     * Head dims of 64–72, as real models have: at 512 bits only these reach decode's four-vector
     * register tile ({@code oneQuery}) and prefill's two-vector tile, F32 and F16 alike. Decode,
     * prefill and the scalar twin's decode must agree as for small heads (the scalar twin up to its
     * dot order, so it is checked against prefill within the reference tolerance).
     */
    @Property(tries = 40)
    void wideHeadsDecodeAsTheyPrefill(@ForAll long seed) {
        Random r = new Random(seed);
        AttentionCase small = AttentionCase.random(r, RopeScheme.parse(AttentionCase.randomScheme(r)), 1 + r.nextInt(40));
        int hd = 64 + r.nextInt(9);
        AttentionShape shape = new AttentionShape(small.shape().heads(), small.shape().kvHeads(), hd);
        int n = small.n();
        AttentionCase c = new AttentionCase(shape, new RopeGeometry(hd & ~1, small.geometry().base(),
                small.geometry().trainingLength(), small.geometry().layout()), small.scheme(), n,
                AttentionCase.uniform(r, n * shape.queryDim()), AttentionCase.uniform(r, n * shape.kvDim()),
                AttentionCase.uniform(r, n * shape.kvDim()));
        for (KvType type : KvType.values()) {
            if (type == KvType.Q8_0 && hd % 32 != 0) {
                continue;   // a Q8_0 cache needs whole blocks (Q8CacheProperties covers head dims 32..128)
            }
            float[] prefill = c.run(new int[] {n}, false, ParallelFor.SERIAL, type);
            assertArrayEquals(prefill, c.run(AttentionCase.ones(n), false, ParallelFor.SERIAL, type), c + " " + type);
            float[] scalar = c.run(AttentionCase.ones(n), true, ParallelFor.SERIAL, type);
            double max = 0;
            for (int i = 0; i < prefill.length; i++) max = Math.max(max, Math.abs(prefill[i] - scalar[i]));
            assertTrue(max <= AttentionProperties.REFERENCE_TOLERANCE, c + " " + type + " scalar " + max);
        }
    }
}
