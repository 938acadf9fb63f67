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
}
