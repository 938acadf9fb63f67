package dev.llmj.rope;

import dev.llmj.tensor.LE;
import java.lang.foreign.MemorySegment;

/**
 * Scalar twin of {@link Rotary}: rotates the first d elements of a head in place, pair by pair,
 * with the expanded tables of {@link RopeTable} ({@code x'[e] = x[e]·cos[e] + x[partner]·sin[e]}).
 * The vector kernel performs exactly the same float operations, so both agree bit for bit.
 */
public final class RotaryScalar {
    private RotaryScalar() {}

    /**
     * @param x         F32 head (little-endian) starting at {@code byteOffset}
     * @param cos       expanded cos table, this position's d entries start at {@code tableOffset}
     * @param sin       expanded signed sin table, same indexing
     * @param d         rotary dims (even)
     */
    public static void rotate(MemorySegment x, long byteOffset, float[] cos, float[] sin, int tableOffset,
                              int d, PairLayout layout) {
        rotatePairs(x, byteOffset, cos, sin, tableOffset, d, layout, 0, d / 2);
    }

    /** Rotates pairs j in [fromPair, toPair); the vector kernel uses it for its tail. */
    static void rotatePairs(MemorySegment x, long byteOffset, float[] cos, float[] sin, int tableOffset,
                            int d, PairLayout layout, int fromPair, int toPair) {
        for (int j = fromPair; j < toPair; j++) {
            int a = layout.first(j, d);
            int b = layout.second(j, d);
            long offA = byteOffset + 4L * a;
            long offB = byteOffset + 4L * b;
            float x0 = x.get(LE.FLOAT, offA);
            float x1 = x.get(LE.FLOAT, offB);
            x.set(LE.FLOAT, offA, x0 * cos[tableOffset + a] + x1 * sin[tableOffset + a]);
            x.set(LE.FLOAT, offB, x1 * cos[tableOffset + b] + x0 * sin[tableOffset + b]);
        }
    }

    /** Rotates every head of one token ({@code heads} heads of {@code headDim}) at table position m. */
    public static void rotateHeads(MemorySegment x, long byteOffset, int heads, int headDim, RopeTable table, int m) {
        int off = table.offset(m);
        for (int h = 0; h < heads; h++) {
            rotate(x, byteOffset + 4L * h * headDim, table.cos(), table.sin(), off, table.rotaryDims(), table.layout());
        }
    }
}
