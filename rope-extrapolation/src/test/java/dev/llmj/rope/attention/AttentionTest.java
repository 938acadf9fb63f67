package dev.llmj.rope.attention;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmj.rope.PairLayout;
import dev.llmj.rope.ResolvedRope;
import dev.llmj.rope.RopeGeometry;
import dev.llmj.rope.RopeScheme;
import dev.llmj.tensor.LE;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

class AttentionTest {
    static final AttentionShape SHAPE = new AttentionShape(4, 2, 8);
    static final RopeGeometry GEOMETRY = new RopeGeometry(8, 10000, 16, PairLayout.ADJACENT);

    static MemorySegment filled(Arena arena, int floats, float seed) {
        MemorySegment s = arena.allocate(4L * floats, 64);
        for (int i = 0; i < floats; i++) s.set(LE.FLOAT, 4L * i, (float) Math.sin(seed + 0.37 * i));
        return s;
    }

    @Test
    void firstTokenAttendsOnlyToItselfSoOutputIsItsValue() {
        for (String scheme : new String[] {"rope", "yarn:factor=4+logn", "leaky-rerope:w=2,k=4", "local:w=1"}) {
            try (Arena arena = Arena.ofConfined()) {
                ResolvedRope rope = RopeScheme.parse(scheme).resolve(GEOMETRY, 8);
                KvCache cache = KvCache.allocate(arena, SHAPE, rope, 8);
                MemorySegment q = filled(arena, 32, 1), k = filled(arena, 16, 2), v = filled(arena, 16, 3);
                MemorySegment out = arena.allocate(4 * 32, 64);
                Attention.forward(rope, cache, q, k, v, 0, 1, out);
                for (int h = 0; h < 4; h++) {
                    for (int e = 0; e < 8; e++) {
                        // softmax over one key is exactly 1: exp(0) = 1, 1/1 = 1, and 0 + 1·v = v
                        assertEquals(v.get(LE.FLOAT, 4L * ((h / 2) * 8 + e)), out.get(LE.FLOAT, 4L * (h * 8 + e)),
                                scheme + " head " + h);
                    }
                }
                assertEquals(1, cache.size());
            }
        }
    }

    @Test
    void badCallsAreNamed() {
        try (Arena arena = Arena.ofConfined()) {
            ResolvedRope rope = RopeScheme.parse("rope").resolve(GEOMETRY, 8);
            KvCache cache = KvCache.allocate(arena, SHAPE, rope, 8);
            MemorySegment q = filled(arena, 64, 1), k = filled(arena, 32, 2), v = filled(arena, 32, 3);
            MemorySegment out = arena.allocate(4 * 64, 64);
            String m = assertThrows(IllegalArgumentException.class,
                    () -> Attention.forward(rope, cache, q, k, v, 1, 1, out)).getMessage();
            assertTrue(m.contains("startPos 1"), m);
            m = assertThrows(IllegalArgumentException.class,
                    () -> Attention.forward(rope, cache, q, k, v, 0, 3, out)).getMessage();
            assertTrue(m.contains("q holds"), m);
            m = assertThrows(IllegalArgumentException.class,
                    () -> Attention.forward(rope, cache, q, k, v, 0, 9, out)).getMessage();
            assertTrue(m.contains("capacity"), m);
            ResolvedRope other = RopeScheme.parse("rope").resolve(GEOMETRY, 8);
            m = assertThrows(IllegalArgumentException.class,
                    () -> Attention.forward(other, cache, q, k, v, 0, 1, out)).getMessage();
            assertTrue(m.contains("cache was allocated"), m);
            m = assertThrows(IllegalArgumentException.class,
                    () -> KvCache.allocate(arena, SHAPE, rope, 9)).getMessage();
            assertTrue(m.contains("capacity"), m);
            m = assertThrows(IllegalArgumentException.class, () -> KvCache.allocate(arena, new AttentionShape(2, 1, 6),
                    rope, 8)).getMessage();
            assertTrue(m.contains("head dim"), m);
            assertThrows(IllegalArgumentException.class, () -> new AttentionShape(3, 2, 8));
        }
    }

    /**
     * A value beyond binary16's range is stored as infinity, as llama.cpp's F16 cache does. The
     * fast widening would read that as 2^16 (finite), so such a cache must be read exactly: the
     * output lane that value reaches is +∞, the others stay finite.
     */
    @Test
    void halfCacheHoldingAnInfinityIsReadExactly() {
        AttentionShape shape = new AttentionShape(2, 1, 32);
        try (Arena arena = Arena.ofConfined()) {
            ResolvedRope rope = RopeScheme.parse("rope").resolve(new RopeGeometry(32, 10000, 16, PairLayout.ADJACENT), 4);
            KvCache cache = KvCache.allocate(arena, shape, rope, 4, KvType.F16);
            MemorySegment q = filled(arena, 3 * 64, 1), k = filled(arena, 3 * 32, 2), v = filled(arena, 3 * 32, 3);
            v.set(LE.FLOAT, 4L * 32, 1e6f);    // token 1, lane 0
            MemorySegment out = arena.allocate(4L * 3 * 64, 64);
            Attention.forward(rope, cache, q, k, v, 0, 3, out);
            assertTrue(cache.holdsNonFinite());
            for (int t = 1; t < 3; t++) {
                for (int h = 0; h < 2; h++) {
                    long o = 4L * (t * 64 + h * 32);
                    assertEquals(Float.POSITIVE_INFINITY, out.get(LE.FLOAT, o), "token " + t + " head " + h);
                    assertTrue(Float.isFinite(out.get(LE.FLOAT, o + 4)), "token " + t + " head " + h + " lane 1");
                }
            }
        }
    }

    /**
     * On finite values the exact path (blocks widened by {@link Float#float16ToFloat}) and the F16
     * kernels' in-register widening produce the same floats and run the same fma sequences: equal
     * bit for bit, in prefill and decode. 300 positions cross the 128-row blocks of head dim 32;
     * head dims 32 and 24 take the folded and the key-by-key score paths at 512 bits.
     */
    @Test
    void exactHalfPathEqualsTheF16Kernels() {
        for (int hd : new int[] {32, 24}) {
            AttentionShape shape = new AttentionShape(4, 2, hd);
            int n = 300;
            try (Arena arena = Arena.ofConfined()) {
                ResolvedRope rope = RopeScheme.parse("rope").resolve(new RopeGeometry(hd, 10000, 64, PairLayout.HALVES), n);
                MemorySegment q = filled(arena, n * 4 * hd, 1), k = filled(arena, n * 2 * hd, 2);
                MemorySegment v = filled(arena, n * 2 * hd, 3);
                float[][] outs = new float[4][];
                for (int run = 0; run < 4; run++) {
                    KvCache cache = KvCache.allocate(arena, shape, rope, n, KvType.F16);
                    if (run % 2 == 1) {
                        cache.markNonFinite();
                    }
                    MemorySegment out = arena.allocate(4L * n * 4 * hd, 64);
                    if (run < 2) {
                        Attention.forward(rope, cache, q, k, v, 0, n, out);
                    } else {
                        long qb = 4L * 4 * hd, kb = 4L * 2 * hd;
                        for (int t = 0; t < n; t++) {
                            Attention.forward(rope, cache, q.asSlice(t * qb, qb), k.asSlice(t * kb, kb),
                                    v.asSlice(t * kb, kb), t, 1, out.asSlice(t * qb, qb));
                        }
                    }
                    outs[run] = out.toArray(java.lang.foreign.ValueLayout.JAVA_FLOAT);
                }
                for (int run = 1; run < 4; run++) {
                    org.junit.jupiter.api.Assertions.assertArrayEquals(outs[0], outs[run], "head dim " + hd + " run " + run);
                }
            }
        }
    }

    @Test
    void cacheTypesParseAndSizeTheCache() {
        assertEquals(KvType.F16, KvType.parse(" F16"));
        assertEquals(KvType.Q8_0, KvType.parse("Q8_0"));
        String m = assertThrows(IllegalArgumentException.class, () -> KvType.parse("q4_0")).getMessage();
        assertTrue(m.contains("'q4_0'") && m.contains("f32, f16 or q8_0"), m);
        try (Arena arena = Arena.ofConfined()) {
            ResolvedRope rope = RopeScheme.parse("rope").resolve(GEOMETRY, 8);
            assertEquals(2L * 8 * 16 * 4, KvCache.allocate(arena, SHAPE, rope, 8, KvType.F32).byteSize());
            assertEquals(2L * 8 * 16 * 2, KvCache.allocate(arena, SHAPE, rope, 8, KvType.F16).byteSize());
            // head dim 8: no whole Q8_0 block
            m = assertThrows(IllegalArgumentException.class,
                    () -> KvCache.allocate(arena, SHAPE, rope, 8, KvType.Q8_0)).getMessage();
            assertTrue(m.contains("multiple of 32") && m.contains("got 8"), m);
            ResolvedRope wide = RopeScheme.parse("rope").resolve(new RopeGeometry(64, 10000, 16, PairLayout.ADJACENT), 8);
            // per K and V: 8 positions × 2 kv heads × 64 bytes, 8 bytes of room, and a float per 32
            assertEquals(2L * (8 * 128 + 8 + 8 * 128 / 32 * 4),
                    KvCache.allocate(arena, new AttentionShape(4, 2, 64), wide, 8, KvType.Q8_0).byteSize());
        }
    }

    /**
     * A Q8_0 cache block holding an infinity reads back as NaN (its scale is NaN): the heads that
     * attend that block's value row get NaN in the lanes of that block, the other block's lanes
     * and the other kv head's queries stay finite.
     */
    @Test
    void q8CacheBlockHoldingAnInfinityReadsBackAsNaN() {
        AttentionShape shape = new AttentionShape(2, 2, 64);
        try (Arena arena = Arena.ofConfined()) {
            ResolvedRope rope = RopeScheme.parse("rope").resolve(new RopeGeometry(64, 10000, 16, PairLayout.ADJACENT), 4);
            KvCache cache = KvCache.allocate(arena, shape, rope, 4, KvType.Q8_0);
            MemorySegment q = filled(arena, 3 * 128, 1), k = filled(arena, 3 * 128, 2), v = filled(arena, 3 * 128, 3);
            v.set(LE.FLOAT, 4L * 128, Float.POSITIVE_INFINITY);    // token 1, kv head 0, lane 0
            MemorySegment out = arena.allocate(4L * 3 * 128, 64);
            Attention.forward(rope, cache, q, k, v, 0, 3, out);
            for (int t = 1; t < 3; t++) {
                long o = 4L * t * 128;
                assertTrue(Float.isNaN(out.get(LE.FLOAT, o)) && Float.isNaN(out.get(LE.FLOAT, o + 4 * 31)), "token " + t);
                assertTrue(Float.isFinite(out.get(LE.FLOAT, o + 4 * 32)), "token " + t + ", head 0, lane 32");
                assertTrue(Float.isFinite(out.get(LE.FLOAT, o + 4 * 64)), "token " + t + ", head 1");
            }
            assertTrue(Float.isFinite(out.get(LE.FLOAT, 0)), "token 0 does not attend token 1");
        }
    }
}
