package dev.llmj.rope;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.llmj.tensor.LE;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/** Rotation kernels: vector = scalar twin, and RoPE scores depend only on relative position. */
class RotaryProperties {

    static double[] randomFrequencies(Random r, int pairs) {
        RopeGeometry g = new RopeGeometry(2 * pairs, 2 + r.nextDouble() * 50000, 16, PairLayout.ADJACENT);
        return RopeFrequencies.plain(g, g.base());
    }

    static float[] read(MemorySegment s, int floats) {
        float[] a = new float[floats];
        MemorySegment.copy(s, LE.FLOAT, 0, a, 0, floats);
        return a;
    }

    /** The vector kernel performs the scalar twin's exact float operations (mul, mul, add): bit for bit. */
    @Property(tries = 500)
    void vectorRotationEqualsScalarTwin(@ForAll long seed, @ForAll @IntRange(min = 1, max = 70) int pairs,
                                        @ForAll @IntRange(min = 0, max = 9) int extraDims) {
        Random r = new Random(seed);
        PairLayout layout = r.nextBoolean() ? PairLayout.ADJACENT : PairLayout.HALVES;
        double scale = r.nextBoolean() ? 1.0 : 1 + r.nextDouble();
        RopeTable table = new RopeTable(randomFrequencies(r, pairs), scale, layout, 300);
        int d = 2 * pairs, headDim = d + extraDims, heads = 1 + r.nextInt(3);
        int position = r.nextInt(300);
        float[] x = AttentionCase.uniform(r, heads * headDim);
        try (Arena arena = Arena.ofConfined()) {
            // odd byte offset inside the segment: the kernels must not assume alignment
            long off = 4L * r.nextInt(3);
            MemorySegment a = arena.allocate(off + 4L * x.length, 64);
            MemorySegment b = arena.allocate(off + 4L * x.length, 64);
            MemorySegment.copy(x, 0, a, LE.FLOAT, off, x.length);
            MemorySegment.copy(x, 0, b, LE.FLOAT, off, x.length);
            Rotary.rotateHeads(a, off, heads, headDim, table, position);
            RotaryScalar.rotateHeads(b, off, heads, headDim, table, position);
            assertArrayEquals(read(b.asSlice(off), x.length), read(a.asSlice(off), x.length));
            // dims beyond d never move
            float[] rotated = read(a.asSlice(off), x.length);
            for (int h = 0; h < heads; h++) {
                for (int e = d; e < headDim; e++) assertEquals(x[h * headDim + e], rotated[h * headDim + e]);
            }
        }
    }

    /**
     * R(i)q·R(j)k = R(i−j)q·k: shifting both positions by t leaves the score unchanged up to float
     * rounding. With |q|,|k| elements ≤ 1, d ≤ 64: cos/sin are rounded to float (2^−24) and each
     * rotated element carries ≤ 3 roundings (≤ 2·2^−24·2 absolute), so each of the d products is
     * off by < 4·2^−24·2 and the score by < 64·5e−7 ≈ 3e−5 per side; 6e−5 covers both sides.
     */
    @Property(tries = 300)
    void scoresDependOnlyOnRelativePosition(@ForAll long seed, @ForAll @IntRange(min = 1, max = 32) int pairs,
                                            @ForAll @IntRange(min = 0, max = 200) int i,
                                            @ForAll @IntRange(min = 0, max = 200) int j,
                                            @ForAll @IntRange(min = 0, max = 200) int t) {
        Random r = new Random(seed);
        PairLayout layout = r.nextBoolean() ? PairLayout.ADJACENT : PairLayout.HALVES;
        RopeTable table = new RopeTable(randomFrequencies(r, pairs), 1.0, layout, 401);
        int d = 2 * pairs;
        float[] q = AttentionCase.uniform(r, d), k = AttentionCase.uniform(r, d);
        assertEquals(score(table, q, i, k, j), score(table, q, i + t, k, j + t), 6e-5);
    }

    static double score(RopeTable table, float[] q, int i, float[] k, int j) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment qs = arena.allocate(4L * q.length, 64), ks = arena.allocate(4L * k.length, 64);
            MemorySegment.copy(q, 0, qs, LE.FLOAT, 0, q.length);
            MemorySegment.copy(k, 0, ks, LE.FLOAT, 0, k.length);
            Rotary.rotateHeads(qs, 0, 1, q.length, table, i);
            Rotary.rotateHeads(ks, 0, 1, k.length, table, j);
            double dot = 0;
            for (int e = 0; e < q.length; e++) dot += (double) qs.get(LE.FLOAT, 4L * e) * ks.get(LE.FLOAT, 4L * e);
            return dot;
        }
    }
}
